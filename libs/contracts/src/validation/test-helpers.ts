import type { FieldError } from './errors';

/** The fixed validation clock of the unit tests. */
export const NOW = new Date('2025-06-01T12:00:00.000Z');
export const MINUTE = 60_000;
export const DAY = 24 * 60 * MINUTE;

/** "field: rule" pairs, for readable assertions. */
export function pairs(errors: readonly FieldError[]): string[] {
  return errors.map((e) => `${e.field}: ${e.rule}`);
}

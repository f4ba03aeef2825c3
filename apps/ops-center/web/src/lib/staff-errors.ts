import type { ApiError, FieldError } from './api';
import { language, t, type MessageKey } from './i18n.svelte';

/** A field error of the administrators' and auditors' forms in words: the field's label from
 * `admin.field.*` when the catalog has it, the rule from `admin.rule.*`, else the console's
 * general rule messages, else the server's English message. */
export function fieldText(error: FieldError): string {
  const label = `admin.field.${error.field}` as MessageKey;
  const rule = `admin.rule.${error.rule}` as MessageKey;
  const values: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(error.params ?? {}))
    if (typeof value === 'string' || typeof value === 'number') values[name] = value;
  const ruleText = language.has(rule)
    ? t(rule, values)
    : language.has(`rule.${error.rule}`)
      ? language.format(`rule.${error.rule}`, values)
      : error.message;
  return t('error.field', { field: language.has(label) ? t(label) : error.field, rule: ruleText });
}

/** The first refusal of a request in words, by status when it names no field. */
export function problemText(error: ApiError): string {
  const first = error.errors[0];
  if (first && first.field !== '$') return fieldText(first);
  if (error.status === 403) return t('admin.forbidden');
  if (error.status === 404) return t('admin.notFound');
  return t('error.status', { status: error.status });
}

/** Field errors by field, for showing each beside its input. */
export function errorsByField(error: unknown): Record<string, string> {
  const byField: Record<string, string> = {};
  if (error && typeof error === 'object' && 'errors' in error) {
    for (const e of (error as ApiError).errors) byField[e.field] ??= fieldText(e);
  }
  return byField;
}

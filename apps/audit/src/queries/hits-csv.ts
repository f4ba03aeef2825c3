import { HitRecordDto } from './audit-query.schemas';

export const HIT_CSV_COLUMNS: readonly (keyof HitRecordDto)[] = [
  'hit_id',
  'event_id',
  'captured_at',
  'matched_at',
  'last_seen_at',
  'camera_id',
  'district_id',
  'centre_id',
  'person_id',
  'person_name',
  'watchlist_id',
  'watchlist_name',
  'similarity',
  'threshold',
  'model_id',
  'sighting_count',
  'alert_state',
  'last_decision',
  'decided_by',
  'decided_at',
  'decision_reason',
];

/** RFC 4180 quoting; a text cell that a spreadsheet would run as a formula gets a leading '. */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(cells: readonly (string | number | null)[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

export function hitCsvLine(hit: HitRecordDto): string {
  return csvLine(HIT_CSV_COLUMNS.map((column) => hit[column]));
}

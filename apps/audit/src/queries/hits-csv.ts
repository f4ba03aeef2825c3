import { HitRecordDto } from './audit-query.schemas';

/** The zone the centres work in (all of Kazakhstan is UTC+5 since March 2024): local times
 * are written beside the UTC ones so that a spreadsheet reader sees both. */
export const CSV_LOCAL_ZONE = 'Asia/Almaty';

/** The UTF-8 byte-order mark: without it Excel on a Russian Windows desktop reads the file
 * as Windows-1251 and the Cyrillic names come out garbled. */
export const UTF8_BOM = '\uFEFF';

type Column = keyof HitRecordDto | `${'captured_at' | 'matched_at' | 'decided_at'}_local`;

export const HIT_CSV_COLUMNS: readonly Column[] = [
  'hit_id',
  'event_id',
  'captured_at',
  'captured_at_local',
  'matched_at',
  'matched_at_local',
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
  'decided_at_local',
  'decision_reason',
];

const localFormat = new Intl.DateTimeFormat('sv-SE', {
  timeZone: CSV_LOCAL_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/** An ISO instant as the wall-clock time in CSV_LOCAL_ZONE, `YYYY-MM-DD HH:MM:SS` (24-hour),
 * which spreadsheets read as a date and time. */
export function localTime(iso: string | null): string | null {
  return iso === null ? null : localFormat.format(new Date(iso));
}

/** RFC 4180 quoting; a text cell that a spreadsheet would run as a formula gets a leading '.
 * A cell with a semicolon is quoted too: a spreadsheet with a Russian locale splits a CSV on
 * semicolons, and `Ivanov;=cmd` would otherwise become a formula cell there. */
export function csvCell(value: string | number | boolean | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",;\t\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(cells: readonly (string | number | boolean | null)[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

/** The header line, with the byte-order mark that opens the file. */
export function hitCsvHeader(): string {
  return UTF8_BOM + csvLine(HIT_CSV_COLUMNS);
}

export function hitCsvLine(hit: HitRecordDto): string {
  return csvLine(
    HIT_CSV_COLUMNS.map((column) => {
      if (column.endsWith('_local')) {
        return localTime(hit[column.slice(0, -'_local'.length) as keyof HitRecordDto] as string);
      }
      return hit[column as keyof HitRecordDto];
    }),
  );
}

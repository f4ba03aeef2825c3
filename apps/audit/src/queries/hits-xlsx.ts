import ExcelJS from 'exceljs';
import { PassThrough, Readable } from 'node:stream';
import { HitRecordDto } from './audit-query.schemas';
import { CSV_LOCAL_ZONE, HIT_CSV_COLUMNS, localTime } from './hits-csv';

const TIMES = new Set(['captured_at', 'matched_at', 'last_seen_at', 'decided_at']);

/** A wall-clock time in the centres' zone as a spreadsheet date (spreadsheets have no zones:
 * the cell holds the local reading, its column says which zone). */
function localDate(iso: string | null): Date | null {
  const local = localTime(iso);
  return local === null ? null : new Date(`${local.replace(' ', 'T')}Z`);
}

/** The hits as an XLSX workbook, streamed row by row (exceljs' streaming writer) so memory
 * stays flat: the same columns as the CSV, times as date cells, UTC and Asia/Almaty. */
export function hitsXlsx(hits: AsyncIterable<HitRecordDto>): Readable {
  const out = new PassThrough();
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true });
  const sheet = workbook.addWorksheet('hits', { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = HIT_CSV_COLUMNS.map((column) => ({
    header: column.endsWith('_local') ? `${column} (${CSV_LOCAL_ZONE})` : column,
    key: column,
    width: TIMES.has(column) || column.endsWith('_local') ? 21 : column === 'person_name' ? 32 : 16,
    ...(TIMES.has(column) || column.endsWith('_local')
      ? { style: { numFmt: 'yyyy-mm-dd hh:mm:ss' } }
      : {}),
  }));
  void (async () => {
    for await (const hit of hits) {
      const row: Record<string, unknown> = {};
      for (const column of HIT_CSV_COLUMNS) {
        if (column.endsWith('_local')) {
          row[column] = localDate(
            hit[column.slice(0, -'_local'.length) as keyof HitRecordDto] as string | null,
          );
        } else if (TIMES.has(column)) {
          const value = hit[column as keyof HitRecordDto] as string | null;
          row[column] = value === null ? null : new Date(value);
        } else {
          row[column] = hit[column as keyof HitRecordDto];
        }
      }
      sheet.addRow(row).commit();
    }
    sheet.commit();
    await workbook.commit();
  })().catch((error: unknown) => out.destroy(error as Error));
  return out;
}

import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { RequestFieldError, RequestValidationException, staffFieldErrors } from '@kuzet/http';
import { CreateCameraInput, createCameraSchema } from '@kuzet/registry';

/** The columns a registry CSV may have (a header line names them, in any order). */
export const CAMERA_CSV_COLUMNS = [
  'id',
  'name',
  'district_id',
  'centre_id',
  'latitude',
  'longitude',
  'address',
  'status',
  'device_id',
  'device_channel',
  'silent_after_seconds',
  'min_face_px',
] as const;
const REQUIRED_COLUMNS = ['id', 'name', 'district_id'] as const;
export const MAX_IMPORT_ROWS = 20_000;

export const cameraImportSchema = z.strictObject({
  csv: z
    .string()
    .min(1)
    .max(4_000_000)
    .meta({
      description: `the registry as CSV (UTF-8, a byte-order mark allowed): a header line naming ${CAMERA_CSV_COLUMNS.join(', ')} (id, name and district_id required), one camera a line; a registered id is updated, a new one created`,
    }),
  dry_run: z.boolean().default(false).meta({ description: 'check and count only, change nothing' }),
});
export type CameraImportInput = z.infer<typeof cameraImportSchema>;

export const cameraImportResultSchema = z
  .object({
    rows: z.number().int(),
    created: z.number().int(),
    updated: z.number().int(),
    dry_run: z.boolean(),
  })
  .readonly()
  .meta({ id: 'CameraImportResult' });
export type CameraImportResult = z.infer<typeof cameraImportResultSchema>;

const NUMERIC = new Set([
  'latitude',
  'longitude',
  'device_channel',
  'silent_after_seconds',
  'min_face_px',
]);

/** The CSV as camera inputs, every line checked by the same schema as POST /v1/cameras; a
 * bad line is a 400 naming `csv`, its line number and column, and nothing is imported. */
export function parseCameraCsv(text: string): CreateCameraInput[] {
  let records: string[][];
  try {
    records = parse(text, {
      bom: true,
      skip_empty_lines: true,
      trim: true,
      relax_column_count: false,
    }) as string[][];
  } catch (error) {
    throw refused([{ rule: 'csv', message: (error as Error).message }]);
  }
  const [header, ...lines] = records;
  if (!header) throw refused([{ rule: 'required', message: 'the CSV is empty' }]);
  const unknown = header.filter((c) => !(CAMERA_CSV_COLUMNS as readonly string[]).includes(c));
  const missing = REQUIRED_COLUMNS.filter((c) => !header.includes(c));
  if (unknown.length > 0 || missing.length > 0) {
    throw refused([
      {
        rule: 'csv_header',
        message: `the header needs ${REQUIRED_COLUMNS.join(', ')} and may have ${CAMERA_CSV_COLUMNS.join(', ')}; missing: ${missing.join(', ') || 'none'}; unknown: ${unknown.join(', ') || 'none'}`,
        params: { missing, unknown },
      },
    ]);
  }
  if (lines.length === 0)
    throw refused([{ rule: 'required', message: 'no cameras after the header' }]);
  if (lines.length > MAX_IMPORT_ROWS) {
    throw refused([
      {
        rule: 'too_big',
        message: `at most ${MAX_IMPORT_ROWS} cameras`,
        params: { maximum: MAX_IMPORT_ROWS },
      },
    ]);
  }
  const errors: RequestFieldError[] = [];
  const cameras: CreateCameraInput[] = [];
  const seen = new Set<string>();
  lines.forEach((cells, index) => {
    const line = index + 2;
    const row: Record<string, unknown> = {};
    header.forEach((column, i) => {
      const cell = cells[i] ?? '';
      if (cell === '') return;
      row[column] = NUMERIC.has(column) && /^-?\d+(\.\d+)?$/.test(cell) ? Number(cell) : cell;
    });
    const parsed = createCameraSchema.safeParse(row);
    if (!parsed.success) {
      for (const issue of staffFieldErrors(parsed.error)) {
        errors.push({
          field: 'csv',
          rule: issue.rule,
          message: `line ${line}, ${issue.field}: ${issue.message}`,
          params: { ...issue.params, line, column: issue.field },
        });
      }
      return;
    }
    if (seen.has(parsed.data.id)) {
      errors.push({
        field: 'csv',
        rule: 'duplicate',
        message: `line ${line}: camera ${parsed.data.id} is on an earlier line too`,
        params: { line, column: 'id' },
      });
      return;
    }
    seen.add(parsed.data.id);
    cameras.push(parsed.data);
  });
  if (errors.length > 0) throw new RequestValidationException(errors.slice(0, 100));
  return cameras;
}

function refused(
  errors: { rule: string; message: string; params?: Record<string, unknown> }[],
): RequestValidationException {
  return new RequestValidationException(errors.map((e) => ({ field: 'csv', ...e })));
}

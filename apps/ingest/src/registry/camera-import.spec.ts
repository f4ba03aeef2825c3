import fc from 'fast-check';
import { RequestValidationException } from '@kuzet/http';
import { cameraImportSchema, parseCameraCsv } from './camera-import';

const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    if (error instanceof RequestValidationException) return error.getResponse() as object;
    throw error;
  }
  return null;
};

/** Registry CSV import (POST /v1/cameras/import): what a spreadsheet saves is read as cameras,
 * and anything else is a 400 on `csv`, never an exception of another kind. */
describe('parseCameraCsv', () => {
  it('reads a spreadsheet export: a byte-order mark, CRLF, quoted Cyrillic, numbers', () => {
    const csv =
      '\uFEFFid,name,district_id,latitude,longitude,device_channel\r\n' +
      'aktau-cam-9,"Школа №2, вход",aktau-city,43.65,51.17,2\r\n' +
      'aktau-cam-10,Порт,aktau-city,,,\r\n';
    expect(parseCameraCsv(csv)).toEqual([
      {
        id: 'aktau-cam-9',
        name: 'Школа №2, вход',
        district_id: 'aktau-city',
        latitude: 43.65,
        longitude: 51.17,
        device_channel: 2,
      },
      { id: 'aktau-cam-10', name: 'Порт', district_id: 'aktau-city' },
    ]);
  });

  it('reads min_face_px and silent_after_seconds, naming the line and column of a bad one', () => {
    expect(
      parseCameraCsv(
        'id,name,district_id,min_face_px,silent_after_seconds\n' +
          'a-1,A,aktau,48,600\n' +
          'a-2,B,aktau,,\n',
      ),
    ).toEqual([
      { id: 'a-1', name: 'A', district_id: 'aktau', min_face_px: 48, silent_after_seconds: 600 },
      { id: 'a-2', name: 'B', district_id: 'aktau' },
    ]);
    const bad = refusal(() =>
      parseCameraCsv(
        'id,name,district_id,min_face_px,silent_after_seconds\n' +
          'a-1,A,aktau,8,600\n' +
          'a-2,B,aktau,48,5\n' +
          'a-3,C,aktau,big,60\n' +
          'a-4,D,aktau,40.5,60\n',
      ),
    ) as { errors: { field: string; rule: string; params: Record<string, unknown> }[] };
    expect(bad.errors.map((e) => [e.field, e.params.line, e.params.column, e.rule])).toEqual([
      ['csv', 2, 'min_face_px', 'too_small'],
      ['csv', 3, 'silent_after_seconds', 'too_small'],
      // not a whole number: the same rule the API gives a wrong type
      ['csv', 4, 'min_face_px', 'required'],
      ['csv', 5, 'min_face_px', 'required'],
    ]);
  });

  it('accepts every min_face_px and silent_after_seconds in range and refuses every other', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -10, max: 5_000 }),
        fc.integer({ min: -10, max: 700_000 }),
        (px, s) => {
          const csv = `id,name,district_id,min_face_px,silent_after_seconds\nc-1,C,aktau,${px},${s}\n`;
          const ok = px >= 16 && px <= 4096 && s >= 15 && s <= 604_800;
          const refused = refusal(() => parseCameraCsv(csv));
          expect(refused === null).toBe(ok);
        },
      ),
    );
  });

  it('names the line and column of a bad cell, a duplicate id, and a bad header', () => {
    const bad = refusal(() =>
      parseCameraCsv('id,name,district_id,latitude\na-1,A,aktau,\na-2,B,aktau,95\na-1,C,aktau,\n'),
    ) as { errors: { field: string; rule: string; params: Record<string, unknown> }[] };
    expect(bad.errors).toEqual([
      expect.objectContaining({
        field: 'csv',
        rule: 'too_big',
        params: expect.objectContaining({ line: 3, column: 'latitude' }),
      }),
      expect.objectContaining({ rule: 'duplicate', params: { line: 4, column: 'id' } }),
    ]);
    expect(refusal(() => parseCameraCsv('id,name,colour\nx,y,red\n'))).toMatchObject({
      errors: [
        {
          field: 'csv',
          rule: 'csv_header',
          params: { missing: ['district_id'], unknown: ['colour'] },
        },
      ],
    });
    expect(refusal(() => parseCameraCsv('id,name,district_id\n'))).toMatchObject({
      errors: [{ field: 'csv', rule: 'required' }],
    });
  });

  it('answers any text with cameras or a 400 on csv, nothing else', () => {
    const cell = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom('aktau-city', '43.1', '-200', 'x"y', 'a,b', '\r\n', 'Ақтау'),
    );
    const table = fc.array(fc.array(cell, { minLength: 1, maxLength: 5 }), { maxLength: 5 });
    fc.assert(
      fc.property(
        fc.subarray(['id', 'name', 'district_id', 'latitude', 'status', 'other']),
        table,
        fc.boolean(),
        (header, rows, crlf) => {
          const eol = crlf ? '\r\n' : '\n';
          const text = [header.join(','), ...rows.map((r) => r.join(','))].join(eol);
          let cameras: unknown[] | null = null;
          const refused = refusal(() => (cameras = parseCameraCsv(text)));
          if (refused) {
            const errors = (refused as { errors: { field: string; rule: string }[] }).errors;
            expect(errors.length).toBeGreaterThan(0);
            for (const e of errors) expect(e.field).toBe('csv');
          } else {
            expect(cameras!.length).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('takes the body only as { csv, dry_run }', () => {
    expect(cameraImportSchema.safeParse({ csv: 'id', dry_run: true }).success).toBe(true);
    expect(cameraImportSchema.parse({ csv: 'id' }).dry_run).toBe(false);
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.anything()), (body) => {
        const parsed = cameraImportSchema.safeParse(body);
        if (parsed.success) {
          expect(Object.keys(body).every((k) => k === 'csv' || k === 'dry_run')).toBe(true);
          expect(typeof parsed.data.csv).toBe('string');
        }
      }),
    );
  });
});

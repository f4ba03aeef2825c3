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

import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readImportSource } from './import-source';

describe('readImportSource, a CSV', () => {
  let folder: string;
  beforeAll(() => (folder = mkdtempSync(join(tmpdir(), 'kuzet-import-source-'))));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  const csv = (name: string, text: string): string => {
    const file = join(folder, name);
    writeFileSync(file, text);
    return file;
  };

  it('takes each person once with their photos, case, notes and instructions for officers', async () => {
    const file = csv(
      'people.csv',
      [
        'full_name,photo,case_reference,notes,instructions',
        'Aibek Nurlanov,a1.jpg,KUI-1,,  Armed: do not detain alone ',
        'Aibek Nurlanov,a2.jpg,KUI-1,,',
        'Dana Serikova,d1.jpg,KUI-2,seen in Aktau,',
      ].join('\n'),
    );
    const people = await readImportSource(file);
    expect(people).toEqual([
      {
        fullName: 'Aibek Nurlanov',
        caseReference: 'KUI-1',
        notes: undefined,
        instructions: 'Armed: do not detain alone',
        photos: [join(folder, 'a1.jpg'), join(folder, 'a2.jpg')],
      },
      {
        fullName: 'Dana Serikova',
        caseReference: 'KUI-2',
        notes: 'seen in Aktau',
        instructions: undefined,
        photos: [join(folder, 'd1.jpg')],
      },
    ]);
  });

  it('names the row and the field of over-long instructions, and of any bad row', async () => {
    const file = csv(
      'long.csv',
      `full_name,photo,instructions\nA,a.jpg,ok\nB,b.jpg,${'x'.repeat(1001)}\n`,
    );
    await expect(readImportSource(file)).rejects.toThrow(
      'long.csv row 3: instructions: instructions is longer than 1000 characters',
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.string(), fc.string(), fc.string({ maxLength: 1100 })), {
          maxLength: 5,
        }),
        async (rows) => {
          const quoted = (v: string) => `"${v.replace(/"/g, '""')}"`;
          const text = [
            'full_name,photo,instructions',
            ...rows.map((r) => r.map(quoted).join(',')),
          ].join('\n');
          const outcome = await readImportSource(csv('any.csv', text)).catch((e: unknown) => e);
          if (outcome instanceof Error) expect(outcome.message).toMatch(/^any\.csv row \d+: /);
          else expect(Array.isArray(outcome)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });
});

import fc from 'fast-check';
import { arbPlateText } from '@kuzet/contracts/testing';
import { normalisePlate } from './normalise';

const LOOKALIKES: [string, string][] = [
  ['А', 'A'],
  ['В', 'B'],
  ['Е', 'E'],
  ['К', 'K'],
  ['М', 'M'],
  ['Н', 'H'],
  ['О', 'O'],
  ['Р', 'P'],
  ['С', 'C'],
  ['Т', 'T'],
  ['Х', 'X'],
  ['У', 'Y'],
];
const separator = fc.constantFrom(' ', '-', '.', '·', '_', '/');
const digits = (n: number) =>
  fc.array(fc.constantFrom(...'0123456789'), { minLength: n, maxLength: n }).map((d) => d.join(''));
const letters = (n: number) =>
  fc
    .array(fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'), { minLength: n, maxLength: n })
    .map((d) => d.join(''));
const region = fc.integer({ min: 1, max: 20 }).map((r) => String(r).padStart(2, '0'));

describe('normalisePlate', () => {
  it('upper-cases, drops separators and maps Cyrillic look-alikes to Latin', () => {
    expect(normalisePlate('123 abc-12')?.text).toBe('123ABC12');
    expect(normalisePlate('123 АВС 12')?.text).toBe('123ABC12');
    expect(normalisePlate('123 авс 12')?.text).toBe('123ABC12');
    for (const [cyrillic, latin] of LOOKALIKES)
      expect(normalisePlate(`1${cyrillic}`)?.text).toBe(`1${latin}`);
  });

  it('keeps OCR confusions as read: matching weighs them, normalisation does not guess', () => {
    for (const c of '0O1I8B5S2Z6G') expect(normalisePlate(`77${c}`)?.text).toBe(`77${c}`);
  });

  it('tags Kazakh formats with their region, and keeps other and foreign plates as read', () => {
    expect(normalisePlate('123 ABC 12')).toMatchObject({ format: 'kz_2012', region: '12' });
    expect(normalisePlate('123AB02')).toMatchObject({ format: 'kz_legal_entity', region: '02' });
    expect(normalisePlate('123ABC99')).toMatchObject({ format: 'unrecognised', region: null });
    expect(normalisePlate('A 123 BC')).toMatchObject({ text: 'A123BC', format: 'unrecognised' });
    expect(normalisePlate('А123ВС 777', 'ru')).toMatchObject({
      text: 'A123BC777',
      format: 'foreign',
      country: 'RU',
    });
    expect(normalisePlate('123ABC12', 'KZ')).toMatchObject({ format: 'kz_2012' });
  });

  it('has nothing to say about a plate of separators only', () => {
    expect(normalisePlate(' - . ')).toBeNull();
    expect(normalisePlate('')).toBeNull();
  });

  it('is idempotent and leaves only upper-case letters and digits (5,000 runs)', () => {
    fc.assert(
      fc.property(fc.oneof(arbPlateText(), fc.string({ maxLength: 20 })), (plate) => {
        const once = normalisePlate(plate);
        if (once === null) return;
        expect(once.text).toMatch(/^[\p{Lu}\p{Lo}\p{N}\p{Lt}\p{Lm}]+$/u);
        expect(normalisePlate(once.text)?.text).toBe(once.text);
        expect(once.sourceIndex).toHaveLength([...once.text].length);
      }),
      { numRuns: 5_000 },
    );
  });

  it('ignores case, separators and look-alike substitution (5,000 runs)', () => {
    fc.assert(
      fc.property(
        arbPlateText(),
        fc.array(fc.tuple(fc.nat(), separator), { maxLength: 4 }),
        fc.boolean(),
        (plate, inserts, lower) => {
          const chars = [...plate];
          for (const [at, sep] of inserts) chars.splice(at % (chars.length + 1), 0, sep);
          let variant = chars.join('');
          if (lower) variant = variant.toLowerCase();
          const swapped = [...plate]
            .map((c) => LOOKALIKES.find(([, l]) => l === c)?.[0] ?? c)
            .join('');
          const expected = normalisePlate(plate)?.text;
          expect(normalisePlate(variant)?.text).toBe(expected);
          expect(normalisePlate(swapped)?.text).toBe(expected);
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it('recognises every post-2012 and legal-entity Kazakh plate, however it is written (2,000 runs)', () => {
    fc.assert(
      fc.property(
        digits(3),
        fc.oneof(letters(3), letters(2)),
        region,
        separator,
        (d, l, r, sep) => {
          const read = normalisePlate(`${d}${sep}${l}${sep}${r}`);
          expect(read).toMatchObject({
            text: `${d}${l}${r}`,
            format: l.length === 3 ? 'kz_2012' : 'kz_legal_entity',
            region: r,
          });
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('maps each normalised character back to the character it was read from', () => {
    const read = normalisePlate('12-3 AB');
    expect(read?.sourceIndex).toEqual([0, 1, 3, 5, 6]);
  });
});

import fc from 'fast-check';
import {
  confusionKey,
  ListedPlate,
  MatchPolicy,
  OCR_CONFUSIONS,
  PlateIndex,
  singleEdit,
} from './plate-index';

const NOW = Date.UTC(2026, 0, 15);

function entry(plate: string, policy: MatchPolicy, extra: Partial<ListedPlate> = {}): ListedPlate {
  return {
    entryId: `e-${plate}-${policy}`,
    listId: 'stolen',
    plate,
    policy,
    category: 'stolen',
    priority: 80,
    expiresAtMs: null,
    ...extra,
  };
}

function levenshtein(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [
    i,
    ...new Array<number>(b.length).fill(0),
  ]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      d[i]![j] = Math.min(
        d[i - 1]![j]! + 1,
        d[i]![j - 1]! + 1,
        d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
  return d[a.length]![b.length]!;
}

const kinds = (index: PlateIndex, plate: string, characterConfidences?: number[]) =>
  index
    .match({ plate, characterConfidences, nowMs: NOW })
    .map((m) => `${m.entry.entryId}:${m.kind}@${m.position ?? '-'}`)
    .sort();

describe('PlateIndex', () => {
  it('matches exactly under every policy', () => {
    const index = new PlateIndex();
    index.upsert(entry('123ABC12', 'exact'));
    expect(kinds(index, '123ABC12')).toEqual(['e-123ABC12-exact:exact@-']);
    expect(kinds(index, '123ABC13')).toEqual([]);
  });

  it('an exact-only list ignores a confusion; a confusion list takes one at position k', () => {
    const index = new PlateIndex();
    index.upsert(entry('123ABC12', 'exact'));
    index.upsert(entry('777BOS05', 'confusion'));
    expect(kinds(index, '123A8C12')).toEqual([]);
    expect(kinds(index, '777B0S05')).toEqual(['e-777BOS05-confusion:confusion@4']);
    expect(kinds(index, '777BO505')).toEqual(['e-777BOS05-confusion:confusion@5']);
    // two confusions are not "up to one"
    expect(kinds(index, '777805O5')).toEqual([]);
    // a difference that is no OCR confusion is not a confusion
    expect(kinds(index, '777BQS05')).toEqual([]);
  });

  it('an edit list takes one substitution, insertion or deletion and names the position', () => {
    const index = new PlateIndex();
    index.upsert(entry('555KZT12', 'edit'));
    expect(kinds(index, '555KXT12')).toEqual(['e-555KZT12-edit:edit@4']);
    expect(kinds(index, '555KT12')).toEqual(['e-555KZT12-edit:edit@4']);
    expect(kinds(index, '555KZZT12')).toEqual(['e-555KZT12-edit:edit@5']);
    expect(kinds(index, '555K2T12')).toEqual(['e-555KZT12-edit:confusion@4']);
    expect(kinds(index, '555KXY12')).toEqual([]);
  });

  it('weighs the per-character confidence: a character read with certainty is not a confusion', () => {
    const index = new PlateIndex();
    index.upsert(entry('777BOS05', 'confusion'));
    const sure = [1, 1, 1, 1, 0.99, 1, 1, 1];
    const unsure = [1, 1, 1, 1, 0.55, 1, 1, 1];
    expect(kinds(index, '777B0S05', sure)).toEqual([]);
    expect(kinds(index, '777B0S05', unsure)).toEqual(['e-777BOS05-confusion:confusion@4']);
    // an exact match stands whatever the confidences
    expect(kinds(index, '777BOS05', sure)).toEqual(['e-777BOS05-confusion:exact@-']);
  });

  it('a read rejected as "not this car" stops that confusion or edit, not the exact plate', () => {
    const index = new PlateIndex();
    const rejectedReads = new Set(['123OBC12']);
    index.upsert(
      entry('555XYZ05', 'edit', { entryId: 'edit', rejectedReads: new Set(['555XYE05']) }),
    );
    index.upsert(entry('1230BC12', 'confusion', { entryId: 'confusion', rejectedReads }));
    const ids = (plate: string) => index.match({ plate, nowMs: NOW }).map((m) => m.entry.entryId);
    expect(ids('123OBC12')).toEqual([]); // the rejected confusion of 1230BC12
    expect(ids('1230BC12')).toEqual(['confusion']); // exact still matches
    expect(ids('555XYE05')).toEqual([]); // the rejected edit of 555XYZ05
    expect(ids('555XYF05')).toEqual(['edit']); // another edit still matches
    index.upsert(entry('1230BC12', 'confusion', { entryId: 'confusion' })); // negative removed
    expect(ids('123OBC12')).toEqual(['confusion']);
  });

  it('leaves out expired entries, and forgets removed ones everywhere', () => {
    const index = new PlateIndex();
    index.upsert(entry('123ABC12', 'edit', { expiresAtMs: NOW - 1 }));
    expect(kinds(index, '123ABC12')).toEqual([]);
    index.upsert(entry('123ABC12', 'edit', { expiresAtMs: NOW + 1 }));
    expect(kinds(index, '123ABC12')).toHaveLength(1);
    index.remove('e-123ABC12-edit');
    expect(index.size).toBe(0);
    expect(kinds(index, '123ABC12')).toEqual([]);
    expect(kinds(index, '123AB12')).toEqual([]);
  });

  it('an updated entry matches under its new plate and policy only', () => {
    const index = new PlateIndex();
    index.upsert(entry('123ABC12', 'edit', { entryId: 'x' }));
    index.upsert(entry('999XYZ12', 'exact', { entryId: 'x' }));
    expect(kinds(index, '123ABC12')).toEqual([]);
    expect(kinds(index, '123AB12')).toEqual([]);
    expect(kinds(index, '999XYZ12')).toEqual(['x:exact@-']);
  });

  it('finds exactly the listed plates within one edit, as a scan would (300 runs)', () => {
    const plate = fc
      .array(fc.constantFrom(...'0O18BSAK2Z'), { minLength: 3, maxLength: 7 })
      .map((c) => c.join(''));
    fc.assert(
      fc.property(
        fc.uniqueArray(plate, { minLength: 1, maxLength: 40 }),
        fc.array(plate, { maxLength: 30 }),
        (listed, reads) => {
          const index = new PlateIndex();
          listed.forEach((p, i) =>
            index.upsert(entry(p, i % 3 === 0 ? 'edit' : i % 3 === 1 ? 'confusion' : 'exact')),
          );
          for (const read of [...reads, ...listed]) {
            const expected = listed
              .map((p, i) => ({ p, policy: (['edit', 'confusion', 'exact'] as const)[i % 3] }))
              .filter(({ p, policy }) => {
                if (p === read) return true;
                if (policy === 'edit') return levenshtein(p, read) === 1;
                if (policy === 'confusion')
                  return (
                    p.length === read.length &&
                    confusionKey(p) === confusionKey(read) &&
                    [...p].filter((c, k) => c !== read[k]).length === 1
                  );
                return false;
              })
              .map(({ p, policy }) => `e-${p}-${policy}`)
              .sort();
            expect(
              index
                .match({ plate: read, nowMs: NOW })
                .map((m) => m.entry.entryId)
                .sort(),
            ).toEqual(expected);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('singleEdit agrees with Levenshtein distance 1 (2,000 runs)', () => {
    const s = fc.array(fc.constantFrom(...'AB01'), { maxLength: 6 }).map((c) => c.join(''));
    fc.assert(
      fc.property(s, s, (a, b) => {
        const at = singleEdit(a, b);
        const d = levenshtein(a, b);
        expect(at === undefined ? d > 1 : at === -1 ? d === 0 : d === 1).toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });

  it('confusion classes pair exactly the listed characters', () => {
    for (const [a, b] of OCR_CONFUSIONS) expect(confusionKey(a)).toBe(confusionKey(b));
    expect(confusionKey('OIBSZG')).toBe('018526');
    expect(confusionKey('A')).toBe('A');
  });
});

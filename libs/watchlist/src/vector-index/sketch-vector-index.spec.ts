import fc from 'fast-check';
import { ExactVectorIndex } from './exact-vector-index';
import { SketchVectorIndex } from './sketch-vector-index';
import { naiveTopK } from './testing/naive-search';
import { plantedQuery, randomUnitRows, seededRandom } from './testing/random-vectors';
import { VectorIndexError } from './vector-index.types';

describe('SketchVectorIndex', () => {
  describe('over 10,000 random 512-d vectors, against exact search', () => {
    const count = 10_000;
    const dimension = 512;
    const rows = randomUnitRows(count, dimension, 31);
    const sketch = new SketchVectorIndex({ dimension, sketch: { initialCapacity: 16 } });
    const exact = new ExactVectorIndex({ dimension, initialCapacity: count });
    for (let r = 0; r < count; r++) {
      const vector = rows.subarray(r * dimension, (r + 1) * dimension);
      sketch.upsert(`face-${r}`, vector);
      exact.upsert(`face-${r}`, vector);
    }
    const agreementWithExact = (noise: number): number => {
      const random = seededRandom(32);
      const queries = 200;
      let agreements = 0;
      for (let q = 0; q < queries; q++) {
        const target = Math.floor(random() * count);
        const stored = rows.subarray(target * dimension, (target + 1) * dimension);
        const query = plantedQuery(stored, noise, random);
        const [approximate] = sketch.search(query, 16);
        const [truth] = exact.search(query, 1);
        if (approximate.id === truth.id) {
          agreements++;
          expect(approximate.similarity).toBeCloseTo(truth.similarity, 5);
        }
      }
      return agreements / queries;
    };

    it('finds the exact top-1 of every planted query at cosine 0.89', () => {
      expect(agreementWithExact(0.5)).toBe(1);
    });

    it('finds at least 99% of them at cosine 0.55, where a graph index loses many', () => {
      expect(agreementWithExact(1.5)).toBeGreaterThanOrEqual(0.99);
    });
  });

  it('answers exactly what brute force answers while it holds no more than `rerank` vectors', () => {
    const dimension = 12;
    const vector = fc
      .array(fc.float({ min: -1, max: 1, noNaN: true }), {
        minLength: dimension,
        maxLength: dimension,
      })
      .filter((values) => values.some((v) => Math.abs(v) > 1e-3))
      .map((values) => Float32Array.from(values));
    const operation = fc.oneof(
      fc.record({
        kind: fc.constant('upsert' as const),
        id: fc.integer({ min: 0, max: 40 }),
        vector,
      }),
      fc.record({ kind: fc.constant('remove' as const), id: fc.integer({ min: 0, max: 40 }) }),
    );
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 120 }), vector, (operations, query) => {
        const index = new SketchVectorIndex({
          dimension,
          sketch: { initialCapacity: 2, rerank: 64 },
        });
        const model = new Map<string, Float32Array>();
        for (const op of operations) {
          const id = `face-${op.id}`;
          if (op.kind === 'upsert') {
            index.upsert(id, op.vector);
            model.set(id, op.vector.slice());
          } else {
            expect(index.remove(id)).toBe(model.delete(id));
          }
        }
        expect(index.size).toBe(model.size);
        const found = index.search(query, 5);
        const expected = naiveTopK(model, query, 5);
        expect(found.map((m) => m.similarity)).toEqual(
          expected.map((m) => expect.closeTo(m.similarity, 5) as unknown as number),
        );
        for (const match of found) {
          const stored = model.get(match.id);
          expect(stored).toBeDefined();
        }
      }),
      { numRuns: 200 },
    );
  });

  it.each([128, 256, 512])(
    'keeps rows and %i-bit codes together when it grows and when removals move the last row',
    (codeBits) => {
      const dimension = 64;
      const count = 3_000;
      const rows = randomUnitRows(count, dimension, 41);
      const row = (r: number): Float32Array => rows.subarray(r * dimension, (r + 1) * dimension);
      const index = new SketchVectorIndex({
        dimension,
        sketch: { initialCapacity: 1, rerank: 8, codeBits },
      });
      for (let r = 0; r < count; r++) index.upsert(`face-${r}`, row(r));
      for (let r = 0; r < count; r += 2) expect(index.remove(`face-${r}`)).toBe(true);
      expect(index.remove('face-0')).toBe(false);
      expect(index.size).toBe(count / 2);
      for (let r = 1; r < count; r += 2) {
        const [best] = index.search(row(r), 1);
        expect(best.id).toBe(`face-${r}`);
        expect(best.similarity).toBeCloseTo(1, 5);
      }
      index.upsert('face-1', row(0));
      expect(index.search(row(0), 1)[0].id).toBe('face-1');
      expect(index.search(row(1), 2).map((m) => m.id)).not.toContain('face-1');
    },
  );

  it('estimates its cut-off from a sample, and widens it when the sample misleads', () => {
    // 65,536 rows: one distance in four is sampled. The 40 rows nearest the query are all
    // sampled ones, so the sample promises more near rows than exist.
    const dimension = 32;
    const count = 65_536;
    const rows = randomUnitRows(count, dimension, 51);
    const query = rows.slice(0, dimension);
    const random = seededRandom(52);
    for (let r = 0; r < 160; r += 4) {
      rows.set(plantedQuery(query, 0.1, random), r * dimension);
    }
    const sketch = new SketchVectorIndex({
      dimension,
      sketch: { initialCapacity: count, rerank: 64, rerankPerMillion: 0 },
    });
    const stored = new Map<string, Float32Array>();
    for (let r = 0; r < count; r++) {
      const vector = rows.subarray(r * dimension, (r + 1) * dimension);
      sketch.upsert(`face-${r}`, vector);
      stored.set(`face-${r}`, vector);
    }
    // the 16 nearest are all planted: the widened cut-off must reach every one
    const found = sketch.search(query, 16);
    expect(found.map((m) => m.id)).toEqual(naiveTopK(stored, query, 16).map((m) => m.id));
    const elsewhere = plantedQuery(rows.subarray(999 * dimension, 1000 * dimension), 0.3, random);
    expect(sketch.search(elsewhere, 1)[0].id).toBe(naiveTopK(stored, elsewhere, 1)[0].id);
  });

  it('rejects code lengths and re-rank counts it cannot use, naming the option', () => {
    for (const codeBits of [0, 100, 8192, 1.5]) {
      expect(() => new SketchVectorIndex({ sketch: { codeBits } })).toThrow(VectorIndexError);
      expect(() => new SketchVectorIndex({ sketch: { codeBits } })).toThrow('codeBits');
    }
    for (const rerank of [0, -1, 2.5, NaN]) {
      expect(() => new SketchVectorIndex({ sketch: { rerank } })).toThrow('rerank');
    }
    for (const initialCapacity of [0, 1.5, NaN, 2 ** 32]) {
      expect(() => new SketchVectorIndex({ sketch: { initialCapacity } })).toThrow(
        'initialCapacity',
      );
    }
    // undefined options, as parsed configuration has them, keep the defaults
    expect(
      new SketchVectorIndex({ sketch: { codeBits: undefined, rerank: undefined } }).codeBits,
    ).toBe(256);
    for (const rerankPerMillion of [-1, NaN, Infinity]) {
      expect(() => new SketchVectorIndex({ sketch: { rerankPerMillion } })).toThrow(
        'rerankPerMillion',
      );
    }
  });
});

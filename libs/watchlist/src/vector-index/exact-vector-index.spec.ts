import { ExactVectorIndex } from './exact-vector-index';
import { naiveTopK } from './testing/naive-search';
import { fillGaussian, seededRandom } from './testing/random-vectors';
import { VectorMatch } from './vector-index.types';

function expectSameMatches(actual: VectorMatch[], expected: VectorMatch[]): void {
  expect(actual.map((match) => match.id)).toEqual(expected.map((match) => match.id));
  actual.forEach((match, i) => expect(match.similarity).toBeCloseTo(expected[i].similarity, 5));
}

describe('ExactVectorIndex', () => {
  // 61 is not a multiple of the 8-lane unrolled loop, so the tail loop is exercised too
  it.each([61, 512])(
    'returns the true top k at dimension %i through upserts, replacements and removals',
    (dimension) => {
      const random = seededRandom(dimension);
      const index = new ExactVectorIndex({ dimension, initialCapacity: 2 });
      const stored = new Map<string, Float32Array>();
      const randomVector = (): Float32Array => fillGaussian(new Float32Array(dimension), random);

      const steps = 1500;
      for (let step = 0; step < steps; step++) {
        const roll = random();
        const id = `id-${Math.floor(random() * 800)}`;
        if (roll < 0.75) {
          const vector = randomVector();
          index.upsert(id, vector);
          stored.set(id, vector);
        } else {
          expect(index.remove(id)).toBe(stored.delete(id));
        }
        if (step % 300 === 0 || step === steps - 1) {
          expect(index.size).toBe(stored.size);
          const query = randomVector();
          const truth = naiveTopK(stored, query, 50);
          for (const k of [1, 10, 50]) expectSameMatches(index.search(query, k), truth.slice(0, k));
        }
      }
      expect([...index.entries()].map(([id]) => id).sort()).toEqual([...stored.keys()].sort());
    },
  );

  it('keeps the vector it was given at upsert time, not a reference to the caller’s buffer', () => {
    const index = new ExactVectorIndex({ dimension: 4 });
    const buffer = new Float32Array([1, 0, 0, 0]);
    index.upsert('a', buffer);
    buffer.set([0, 1, 0, 0]);
    index.upsert('b', buffer);
    expect(index.search(new Float32Array([1, 0, 0, 0]), 1)).toEqual([{ id: 'a', similarity: 1 }]);
  });
});

import { AdaptiveVectorIndex } from './adaptive-vector-index';
import { ExactVectorIndex } from './exact-vector-index';
import { HnswVectorIndex } from './hnsw-vector-index';
import { SketchVectorIndex } from './sketch-vector-index';
import { randomUnitRows } from './testing/random-vectors';
import { VectorIndex, VectorIndexError } from './vector-index.types';

const DIMENSION = 32;
const COUNT = 300;

const implementations: [string, () => VectorIndex][] = [
  ['ExactVectorIndex', () => new ExactVectorIndex({ dimension: DIMENSION, initialCapacity: 8 })],
  [
    'HnswVectorIndex',
    () => new HnswVectorIndex({ dimension: DIMENSION, hnsw: { initialCapacity: 8 } }),
  ],
  [
    // re-scoring 16 of 300 so that the code scan, not brute force, picks the candidates
    'SketchVectorIndex',
    () =>
      new SketchVectorIndex({ dimension: DIMENSION, sketch: { initialCapacity: 8, rerank: 16 } }),
  ],
  [
    'AdaptiveVectorIndex (switching to the sketch index halfway)',
    () =>
      new AdaptiveVectorIndex({
        dimension: DIMENSION,
        approximateAbove: COUNT / 2,
        sketch: { rerank: 16 },
      }),
  ],
  [
    'AdaptiveVectorIndex (switching to HNSW halfway)',
    () =>
      new AdaptiveVectorIndex({
        dimension: DIMENSION,
        approximateAbove: COUNT / 2,
        approximate: 'hnsw',
      }),
  ],
];

describe.each(implementations)('%s: the VectorIndex contract', (_name, createIndex) => {
  const rows = randomUnitRows(COUNT, DIMENSION, 7);
  const row = (r: number): Float32Array => rows.slice(r * DIMENSION, (r + 1) * DIMENSION);
  let index: VectorIndex;

  beforeEach(() => {
    index = createIndex();
    for (let r = 0; r < COUNT; r++) index.upsert(`face-${r}`, row(r));
  });

  it('finds each stored vector as its own best match, with similarity 1', () => {
    for (const r of [0, 1, 150, COUNT - 1]) {
      const [best] = index.search(row(r), 1);
      expect(best.id).toBe(`face-${r}`);
      expect(best.similarity).toBeCloseTo(1, 5);
    }
    expect(index.size).toBe(COUNT);
    expect(index.dimension).toBe(DIMENSION);
  });

  it('returns k matches best first, all of them when k exceeds the size, none for k = 0', () => {
    const matches = index.search(row(3), 10);
    expect(matches).toHaveLength(10);
    for (let i = 1; i < matches.length; i++) {
      expect(matches[i - 1].similarity).toBeGreaterThanOrEqual(matches[i].similarity);
    }
    expect(index.search(row(3), COUNT + 50)).toHaveLength(COUNT);
    expect(index.search(row(3), 0)).toEqual([]);
  });

  it('makes a removed id unfindable and reports whether it was there', () => {
    expect(index.remove('face-7')).toBe(true);
    expect(index.remove('face-7')).toBe(false);
    expect(index.remove('never-stored')).toBe(false);
    expect(index.size).toBe(COUNT - 1);
    const ids = index.search(row(7), COUNT).map((match) => match.id);
    expect(ids).toHaveLength(COUNT - 1);
    expect(ids).not.toContain('face-7');
    expect(index.search(row(8), 1)[0].id).toBe('face-8');
  });

  it('replaces the vector of an id that is upserted again, and can re-add a removed id', () => {
    index.upsert('face-3', row(4));
    expect(index.size).toBe(COUNT);
    expect(index.search(row(3), 1)[0].id).not.toBe('face-3');
    expect(
      index
        .search(row(4), 2)
        .map((match) => match.id)
        .sort(),
    ).toEqual(['face-3', 'face-4']);

    index.remove('face-9');
    index.upsert('face-9', row(9));
    expect(index.search(row(9), 1)[0]).toEqual({ id: 'face-9', similarity: expect.any(Number) });
  });

  it('normalises what it is given, so similarity is the cosine', () => {
    const scaled = row(11).map((value) => value * 5);
    index.upsert('scaled', scaled);
    const [best] = index.search(
      row(11).map((value) => value * 0.01),
      1,
    );
    expect(best.similarity).toBeCloseTo(1, 5);
  });

  it('rejects a vector of the wrong dimension, with both dimensions in the message', () => {
    expect(() => index.upsert('short', new Float32Array(DIMENSION - 1).fill(1))).toThrow(
      new VectorIndexError(
        `vector for "short" has ${DIMENSION - 1} values, but this index holds ${DIMENSION}-d vectors`,
      ),
    );
    expect(() => index.search(new Float32Array(DIMENSION + 1).fill(1), 1)).toThrow(
      `query has ${DIMENSION + 1} values`,
    );
    expect(index.size).toBe(COUNT);
  });

  it.each([NaN, Infinity, -Infinity])('rejects a vector containing %p', (bad) => {
    const vector = row(0);
    vector[5] = bad;
    expect(() => index.upsert('bad', vector)).toThrow(
      `vector for "bad" has a non-finite value ${bad} at [5]`,
    );
    expect(() => index.search(vector, 1)).toThrow(VectorIndexError);
    expect(index.search(row(0), 1)[0].id).toBe('face-0');
  });

  it('rejects a zero vector, a non-Float32Array, an empty id and a bad k', () => {
    expect(() => index.upsert('zero', new Float32Array(DIMENSION))).toThrow('non-zero');
    const plainArray = Array.from(row(0)) as unknown as Float32Array;
    expect(() => index.upsert('array', plainArray)).toThrow('must be a Float32Array');
    expect(() => index.upsert('', row(0))).toThrow('non-empty string');
    expect(() => index.search(row(0), -1)).toThrow('k must be a non-negative integer');
    expect(() => index.search(row(0), 1.5)).toThrow('k must be a non-negative integer');
    expect(index.size).toBe(COUNT);
  });
});

import { ExactVectorIndex } from './exact-vector-index';
import { HnswVectorIndex } from './hnsw-vector-index';
import { plantedQuery, randomUnitRows, seededRandom } from './testing/random-vectors';
import { VectorIndexError } from './vector-index.types';

describe('HnswVectorIndex', () => {
  it('finds the exact top-1 for at least 99% of planted queries over 20,000 random unit vectors', () => {
    const count = 20_000;
    const dimension = 128;
    const rows = randomUnitRows(count, dimension, 11);
    const hnsw = new HnswVectorIndex({ dimension, hnsw: { initialCapacity: count } });
    const exact = new ExactVectorIndex({ dimension, initialCapacity: count });
    for (let r = 0; r < count; r++) {
      const vector = rows.subarray(r * dimension, (r + 1) * dimension);
      hnsw.upsert(`face-${r}`, vector);
      exact.upsert(`face-${r}`, vector);
    }

    const random = seededRandom(12);
    const queries = 500;
    let agreements = 0;
    for (let q = 0; q < queries; q++) {
      const target = Math.floor(random() * count);
      const stored = rows.subarray(target * dimension, (target + 1) * dimension);
      const query = plantedQuery(stored, 0.5, random);
      const [approximate] = hnsw.search(query, 10);
      const [truth] = exact.search(query, 1);
      if (approximate.id === truth.id) {
        agreements++;
        expect(approximate.similarity).toBeCloseTo(truth.similarity, 5);
      }
    }
    expect(agreements / queries).toBeGreaterThanOrEqual(0.99);
  });

  it('reuses the slot of a removed vector instead of growing the graph', () => {
    const dimension = 16;
    const rows = randomUnitRows(200, dimension, 13);
    const row = (r: number): Float32Array => rows.subarray(r * dimension, (r + 1) * dimension);
    const index = new HnswVectorIndex({ dimension, hnsw: { initialCapacity: 100 } });
    for (let r = 0; r < 100; r++) index.upsert(`face-${r}`, row(r));
    expect(index.slotCount).toBe(100);

    for (let r = 0; r < 40; r++) index.remove(`face-${r}`);
    for (let r = 100; r < 140; r++) index.upsert(`face-${r}`, row(r));
    expect(index.slotCount).toBe(100);
    expect(index.size).toBe(100);
    for (let r = 100; r < 140; r++) expect(index.search(row(r), 1)[0].id).toBe(`face-${r}`);
    const found = new Set(index.search(row(0), 100).map((match) => match.id));
    for (let r = 0; r < 40; r++) expect(found.has(`face-${r}`)).toBe(false);

    // full and nothing deleted: the graph doubles its capacity
    for (let r = 140; r < 200; r++) index.upsert(`face-${r}`, row(r));
    expect(index.slotCount).toBe(160);
    expect(index.size).toBe(160);
    expect(index.search(row(199), 1)[0].id).toBe('face-199');
  });

  it('rejects parameters hnswlib would misbehave with', () => {
    expect(() => new HnswVectorIndex({ hnsw: { m: 0 } })).toThrow(
      new VectorIndexError('hnsw.m must be a positive integer, got 0'),
    );
    expect(() => new HnswVectorIndex({ hnsw: { efConstruction: 2.5 } })).toThrow(
      'hnsw.efConstruction must be a positive integer',
    );
    const index = new HnswVectorIndex({ dimension: 8, hnsw: { efSearch: 40 } });
    expect(index.efSearch).toBe(40);
    expect(() => {
      index.efSearch = -1;
    }).toThrow('efSearch must be a positive integer');
  });
});

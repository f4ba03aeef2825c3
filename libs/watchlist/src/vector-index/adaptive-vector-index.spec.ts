import { createVectorIndex, DEFAULT_APPROXIMATE_ABOVE } from './adaptive-vector-index';
import { randomUnitRows } from './testing/random-vectors';
import { FACE_EMBEDDING_DIMENSION } from './vector-index.types';

describe('createVectorIndex', () => {
  const dimension = 24;
  const rows = randomUnitRows(120, dimension, 21);
  const row = (r: number): Float32Array => rows.subarray(r * dimension, (r + 1) * dimension);

  it('defaults to 512-d face embeddings, exact below the threshold', () => {
    const index = createVectorIndex();
    expect(index.dimension).toBe(FACE_EMBEDDING_DIMENSION);
    expect(index.approximateAbove).toBe(DEFAULT_APPROXIMATE_ABOVE);
    expect(index.mode).toBe('exact');
    expect(index.size).toBe(0);
    expect(index.search(new Float32Array(FACE_EMBEDDING_DIMENSION).fill(1), 5)).toEqual([]);
  });

  it('moves every vector into the sketch index when an upsert crosses the threshold, and stays there', () => {
    const index = createVectorIndex({ dimension, approximateAbove: 50 });
    for (let r = 0; r < 50; r++) index.upsert(`face-${r}`, row(r));
    index.remove('face-0');
    index.upsert('face-1', row(0));
    expect(index.mode).toBe('exact');

    index.upsert('face-50', row(50));
    index.upsert('face-51', row(51));
    expect(index.mode).toBe('sketch');
    expect(index.size).toBe(51);
    expect(index.search(row(0), 1)[0].id).toBe('face-1');
    for (let r = 2; r < 52; r++) expect(index.search(row(r), 1)[0].id).toBe(`face-${r}`);

    for (let r = 2; r < 45; r++) index.remove(`face-${r}`);
    expect(index.mode).toBe('sketch');
    expect(index.size).toBe(8);
  });

  it('stays exact with approximateAbove: Infinity and starts approximate with 0', () => {
    const exactOnly = createVectorIndex({ dimension, approximateAbove: Infinity });
    const approximateOnly = createVectorIndex({ dimension, approximateAbove: 0 });
    for (let r = 0; r < 120; r++) {
      exactOnly.upsert(`face-${r}`, row(r));
      approximateOnly.upsert(`face-${r}`, row(r));
    }
    expect(exactOnly.mode).toBe('exact');
    expect(approximateOnly.mode).toBe('sketch');
    expect(approximateOnly.search(row(77), 1)[0].id).toBe('face-77');
  });

  it('moves into HNSW instead when asked to', () => {
    const index = createVectorIndex({ dimension, approximateAbove: 10, approximate: 'hnsw' });
    for (let r = 0; r < 20; r++) index.upsert(`face-${r}`, row(r));
    expect(index.mode).toBe('hnsw');
    expect(index.search(row(13), 1)[0].id).toBe('face-13');
  });

  it('rejects a threshold that is not a non-negative number', () => {
    expect(() => createVectorIndex({ approximateAbove: -1 })).toThrow('approximateAbove');
    expect(() => createVectorIndex({ approximateAbove: NaN })).toThrow('approximateAbove');
    expect(() => createVectorIndex({ dimension: 0 })).toThrow('dimension must be a positive');
    expect(() => createVectorIndex({ approximate: 'ivf' as 'hnsw' })).toThrow(
      'approximate must be',
    );
  });
});

import fc from 'fast-check';
import { EmbeddingMismatchError } from './face.errors';
import { cosineSimilarity } from './similarity';

const vector = fc.float32Array({
  minLength: 8,
  maxLength: 8,
  noDefaultInfinity: true,
  noNaN: true,
  min: -10,
  max: 10,
});

describe('cosineSimilarity', () => {
  it('is 1 for a vector and any positive multiple, -1 for its negation', () => {
    const v = Float32Array.from([0.5, -1, 2, 0]);
    expect(
      cosineSimilarity(
        v,
        Float32Array.from(v, (x) => x * 3),
      ),
    ).toBeCloseTo(1, 6);
    expect(
      cosineSimilarity(
        v,
        Float32Array.from(v, (x) => -x),
      ),
    ).toBeCloseTo(-1, 6);
  });

  it('is symmetric and bounded', () => {
    fc.assert(
      fc.property(vector, vector, (a, b) => {
        const ab = cosineSimilarity(a, b);
        expect(ab).toBeCloseTo(cosineSimilarity(b, a), 6);
        expect(Math.abs(ab)).toBeLessThanOrEqual(1 + 1e-6);
      }),
    );
  });

  it('refuses embeddings from different models or of different lengths', () => {
    const embedding = Float32Array.from([1, 0]);
    const fromModel = (modelVersion: string) => ({
      embedding,
      modelId: 'fr_feature',
      modelVersion,
    });
    expect(cosineSimilarity(fromModel('1'), fromModel('1'))).toBeCloseTo(1);
    expect(() => cosineSimilarity(fromModel('1'), fromModel('2'))).toThrow(EmbeddingMismatchError);
    expect(() => cosineSimilarity(embedding, Float32Array.from([1, 0, 0]))).toThrow(
      EmbeddingMismatchError,
    );
  });
});

import { VectorMatch } from '../vector-index.types';

/** The obvious answer: every cosine similarity in float64, sorted. The specs' ground truth. */
export function naiveTopK(
  stored: ReadonlyMap<string, Float32Array>,
  query: Float32Array,
  k: number,
): VectorMatch[] {
  const norm = (vector: Float32Array): number => Math.sqrt(dotProduct(vector, vector));
  const queryNorm = norm(query);
  return [...stored]
    .map(([id, vector]) => ({
      id,
      similarity: dotProduct(query, vector) / (queryNorm * norm(vector)),
    }))
    .sort((a, b) => b.similarity - a.similarity)
    .slice(0, k);
}

function dotProduct(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

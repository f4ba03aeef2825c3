import { EmbeddingMismatchError } from './face.errors';
import type { EmbeddingWithModel } from './face.types';

export type ComparableEmbedding = Float32Array | EmbeddingWithModel;

/** ArrayBuffer.isView rather than instanceof: arrays cloned from a worker thread or created in another
 * realm (a jest sandbox) are Float32Arrays of a different global. */
function isBareVector(value: ComparableEmbedding): value is Float32Array {
  return ArrayBuffer.isView(value);
}

function unwrap(value: ComparableEmbedding): { vector: Float32Array; model: string | null } {
  if (isBareVector(value)) return { vector: value, model: null };
  return { vector: value.embedding, model: `${value.modelId}@${value.modelVersion}` };
}

/**
 * Cosine similarity in -1..1 (1: same direction). Embeddings from different models live in different
 * spaces, so when both sides say which model made them, the models must match.
 */
export function cosineSimilarity(a: ComparableEmbedding, b: ComparableEmbedding): number {
  const left = unwrap(a);
  const right = unwrap(b);
  if (left.model !== null && right.model !== null && left.model !== right.model) {
    throw new EmbeddingMismatchError(
      `Embeddings come from different models: ${left.model} and ${right.model}.`,
    );
  }
  if (left.vector.length !== right.vector.length || left.vector.length === 0) {
    throw new EmbeddingMismatchError(
      `Embeddings have different or zero lengths: ${left.vector.length} and ${right.vector.length}.`,
    );
  }
  let dot = 0;
  let leftNorm = 0;
  let rightNorm = 0;
  for (let i = 0; i < left.vector.length; i++) {
    const x = left.vector[i]!;
    const y = right.vector[i]!;
    dot += x * y;
    leftNorm += x * x;
    rightNorm += y * y;
  }
  if (leftNorm === 0 || rightNorm === 0) return 0;
  return dot / Math.sqrt(leftNorm * rightNorm);
}

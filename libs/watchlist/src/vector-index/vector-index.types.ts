export const FACE_EMBEDDING_DIMENSION = 512;

export interface VectorMatch {
  readonly id: string;
  /** Cosine similarity in [-1, 1]; vectors are stored L2-normalised, so it is their dot product. */
  readonly similarity: number;
}

export interface VectorIndex {
  readonly dimension: number;
  readonly size: number;
  /** Adds the vector, or replaces the one already stored under this id. The vector is copied. */
  upsert(id: string, vector: Float32Array): void;
  /** False when the id was not in the index. */
  remove(id: string): boolean;
  /** At most k matches, best first. */
  search(query: Float32Array, k: number): VectorMatch[];
}

export interface HnswOptions {
  /** Graph degree: more links, better recall, more memory (4 bytes x 2M per vector) and slower builds. */
  readonly m?: number;
  /** Candidate list size while inserting: higher builds a better graph, more slowly. */
  readonly efConstruction?: number;
  /** Candidate list size while searching (raised to k when k is larger): the recall/latency knob. */
  readonly efSearch?: number;
  readonly randomSeed?: number;
  /** Slots reserved up front; the graph doubles its capacity when full. */
  readonly initialCapacity?: number;
}

export class VectorIndexError extends Error {
  override readonly name = 'VectorIndexError';
}

import { ExactVectorIndex } from './exact-vector-index';
import { HnswVectorIndex } from './hnsw-vector-index';
import { checkedDimension } from './vector-checks';
import {
  FACE_EMBEDDING_DIMENSION,
  HnswOptions,
  VectorIndex,
  VectorIndexError,
  VectorMatch,
} from './vector-index.types';

/**
 * Exact search costs about 0.5 microseconds per stored vector per query on one core
 * (bench/index), 2.5 ms at 5,000; HNSW answers in under 1 ms there, and moving 5,000
 * vectors into the graph takes a few seconds, once.
 */
export const DEFAULT_APPROXIMATE_ABOVE = 5_000;

export interface VectorIndexOptions {
  readonly dimension?: number;
  /** Above this many vectors the index switches, once and for good, to HNSW. */
  readonly approximateAbove?: number;
  readonly hnsw?: HnswOptions;
}

export type VectorIndexMode = 'exact' | 'hnsw';

/**
 * Exact search while the index is small; when an upsert takes it above `approximateAbove`
 * it moves every vector into an HNSW graph (that one upsert pays the graph build) and
 * frees the exact rows. It does not switch back when vectors are removed.
 */
export class AdaptiveVectorIndex implements VectorIndex {
  readonly dimension: number;
  readonly approximateAbove: number;
  private readonly hnswOptions: HnswOptions;
  private current: ExactVectorIndex | HnswVectorIndex;

  constructor(options: VectorIndexOptions = {}) {
    this.dimension = checkedDimension(options.dimension ?? FACE_EMBEDDING_DIMENSION);
    this.approximateAbove = options.approximateAbove ?? DEFAULT_APPROXIMATE_ABOVE;
    if (!(this.approximateAbove >= 0)) {
      throw new VectorIndexError(
        `approximateAbove must be a non-negative number (Infinity: always exact), got ${this.approximateAbove}`,
      );
    }
    this.hnswOptions = options.hnsw ?? {};
    this.current =
      this.approximateAbove <= 0
        ? this.createHnsw(0)
        : new ExactVectorIndex({ dimension: this.dimension });
  }

  get mode(): VectorIndexMode {
    return this.current instanceof HnswVectorIndex ? 'hnsw' : 'exact';
  }

  get size(): number {
    return this.current.size;
  }

  upsert(id: string, vector: Float32Array): void {
    this.current.upsert(id, vector);
    if (this.current instanceof ExactVectorIndex && this.current.size > this.approximateAbove) {
      this.current = this.moveIntoHnsw(this.current);
    }
  }

  remove(id: string): boolean {
    return this.current.remove(id);
  }

  search(query: Float32Array, k: number): VectorMatch[] {
    return this.current.search(query, k);
  }

  private moveIntoHnsw(exact: ExactVectorIndex): HnswVectorIndex {
    const hnsw = this.createHnsw(exact.size);
    for (const [id, vector] of exact.entries()) hnsw.upsert(id, vector);
    return hnsw;
  }

  private createHnsw(expectedSize: number): HnswVectorIndex {
    const initialCapacity = Math.max(this.hnswOptions.initialCapacity ?? 0, expectedSize * 2, 1024);
    return new HnswVectorIndex({
      dimension: this.dimension,
      hnsw: { ...this.hnswOptions, initialCapacity },
    });
  }
}

export function createVectorIndex(options: VectorIndexOptions = {}): AdaptiveVectorIndex {
  return new AdaptiveVectorIndex(options);
}

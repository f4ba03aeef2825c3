import { ExactVectorIndex } from './exact-vector-index';
import { HnswVectorIndex } from './hnsw-vector-index';
import { SketchOptions, SketchVectorIndex } from './sketch-vector-index';
import { checkedDimension } from './vector-checks';
import {
  FACE_EMBEDDING_DIMENSION,
  HnswOptions,
  VectorIndex,
  VectorIndexError,
  VectorMatch,
} from './vector-index.types';

/**
 * Exact search in JavaScript costs about 0.5 µs per stored vector per query on one core
 * (bench/index), 1 ms at 2,000; the sketch index answers in about 0.1 ms there, and moving
 * 2,000 vectors into it takes about 50 ms, once.
 */
export const DEFAULT_APPROXIMATE_ABOVE = 2_000;

export type ApproximateKind = 'sketch' | 'hnsw';

export interface VectorIndexOptions {
  readonly dimension?: number;
  /** Above this many vectors the index switches, once and for good, to the approximate one. */
  readonly approximateAbove?: number;
  /** 'sketch' (the default): binary codes scanned in full, then exact re-scoring; 'hnsw': a
   * graph, faster on clustered data but unreliable on unstructured data (docs/BENCHMARKS.md). */
  readonly approximate?: ApproximateKind;
  readonly sketch?: SketchOptions;
  readonly hnsw?: HnswOptions;
}

export type VectorIndexMode = 'exact' | ApproximateKind;

type ApproximateIndex = SketchVectorIndex | HnswVectorIndex;

/**
 * Exact search while the index is small; when an upsert takes it above `approximateAbove`
 * it moves every vector into the approximate index (that one upsert pays the build) and
 * frees the exact rows. It does not switch back when vectors are removed.
 */
export class AdaptiveVectorIndex implements VectorIndex {
  readonly dimension: number;
  readonly approximateAbove: number;
  private readonly approximate: ApproximateKind;
  private readonly sketchOptions: SketchOptions;
  private readonly hnswOptions: HnswOptions;
  private current: ExactVectorIndex | ApproximateIndex;

  constructor(options: VectorIndexOptions = {}) {
    this.dimension = checkedDimension(options.dimension ?? FACE_EMBEDDING_DIMENSION);
    this.approximateAbove = options.approximateAbove ?? DEFAULT_APPROXIMATE_ABOVE;
    if (!(this.approximateAbove >= 0)) {
      throw new VectorIndexError(
        `approximateAbove must be a non-negative number (Infinity: always exact), got ${this.approximateAbove}`,
      );
    }
    this.approximate = options.approximate ?? 'sketch';
    if (this.approximate !== 'sketch' && this.approximate !== 'hnsw') {
      throw new VectorIndexError(
        `approximate must be 'sketch' or 'hnsw', got ${String(this.approximate)}`,
      );
    }
    this.sketchOptions = options.sketch ?? {};
    this.hnswOptions = options.hnsw ?? {};
    this.current =
      this.approximateAbove <= 0
        ? this.createApproximate(0)
        : new ExactVectorIndex({ dimension: this.dimension });
  }

  get mode(): VectorIndexMode {
    return this.current instanceof ExactVectorIndex ? 'exact' : this.approximate;
  }

  get size(): number {
    return this.current.size;
  }

  upsert(id: string, vector: Float32Array): void {
    this.current.upsert(id, vector);
    if (this.current instanceof ExactVectorIndex && this.current.size > this.approximateAbove) {
      this.current = this.moveIntoApproximate(this.current);
    }
  }

  remove(id: string): boolean {
    return this.current.remove(id);
  }

  search(query: Float32Array, k: number): VectorMatch[] {
    return this.current.search(query, k);
  }

  private moveIntoApproximate(exact: ExactVectorIndex): ApproximateIndex {
    const approximate = this.createApproximate(exact.size);
    for (const [id, vector] of exact.entries()) approximate.upsert(id, vector);
    return approximate;
  }

  private createApproximate(expectedSize: number): ApproximateIndex {
    const options = this.approximate === 'sketch' ? this.sketchOptions : this.hnswOptions;
    const initialCapacity = Math.max(options.initialCapacity ?? 0, expectedSize * 2, 1024);
    if (this.approximate === 'sketch') {
      return new SketchVectorIndex({
        dimension: this.dimension,
        sketch: { ...this.sketchOptions, initialCapacity },
      });
    }
    return new HnswVectorIndex({
      dimension: this.dimension,
      hnsw: { ...this.hnswOptions, initialCapacity },
    });
  }
}

export function createVectorIndex(options: VectorIndexOptions = {}): AdaptiveVectorIndex {
  return new AdaptiveVectorIndex(options);
}

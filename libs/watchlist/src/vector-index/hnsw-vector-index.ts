import { HierarchicalNSW } from 'hnswlib-node';
import { checkedDimension, checkedId, checkedInverseNorm, checkedK } from './vector-checks';
import {
  FACE_EMBEDDING_DIMENSION,
  HnswOptions,
  VectorIndex,
  VectorIndexError,
  VectorMatch,
} from './vector-index.types';

/**
 * Chosen with bench/index (docs/BENCHMARKS.md). Uniformly random vectors, the worst case for
 * a graph index, need many links per node rather than a carefully built graph: M = 48 with
 * a short construction search builds fastest for a given recall, and efSearch = 128 gives
 * recall@1 >= 0.99 up to 100,000 vectors; larger indexes need a larger efSearch.
 */
export const DEFAULT_HNSW_OPTIONS: Readonly<Required<HnswOptions>> = Object.freeze({
  m: 48,
  // hnswlib raises efConstruction to at least M anyway
  efConstruction: 48,
  efSearch: 128,
  randomSeed: 100,
  initialCapacity: 1024,
});

/** hnswlib-node takes labels as uint32. */
const MAX_LABEL = 2 ** 32 - 1;

/**
 * Approximate search with hnswlib (HNSW graph, inner-product space) behind string ids.
 * Every id gets a fresh numeric label; a removed id's slot is marked deleted and reused by
 * the next insertion, so churn does not grow the graph.
 */
export class HnswVectorIndex implements VectorIndex {
  readonly dimension: number;
  readonly options: Readonly<Required<HnswOptions>>;
  private readonly graph: HierarchicalNSW;
  private readonly labelById = new Map<string, number>();
  private readonly idByLabel = new Map<number, string>();
  private nextLabel = 0;
  private deletedSlots = 0;

  constructor(options: { dimension?: number; hnsw?: HnswOptions } = {}) {
    this.dimension = checkedDimension(options.dimension ?? FACE_EMBEDDING_DIMENSION);
    this.options = Object.freeze({ ...DEFAULT_HNSW_OPTIONS, ...definedOnly(options.hnsw) });
    const { m, efConstruction, efSearch, randomSeed, initialCapacity } = this.options;
    for (const [name, value] of Object.entries({ m, efConstruction, efSearch, initialCapacity })) {
      if (!Number.isInteger(value) || value < 1) {
        throw new VectorIndexError(`hnsw.${name} must be a positive integer, got ${value}`);
      }
    }
    this.graph = new HierarchicalNSW('ip', this.dimension);
    this.graph.initIndex({
      maxElements: initialCapacity,
      m,
      efConstruction,
      randomSeed,
      allowReplaceDeleted: true,
    });
    this.graph.setEf(efSearch);
  }

  get size(): number {
    return this.labelById.size;
  }

  /** Graph slots in use, including deleted ones waiting to be reused. */
  get slotCount(): number {
    return this.graph.getCurrentCount();
  }

  get efSearch(): number {
    return this.graph.getEf();
  }

  set efSearch(ef: number) {
    if (!Number.isInteger(ef) || ef < 1) {
      throw new VectorIndexError(`efSearch must be a positive integer, got ${ef}`);
    }
    this.graph.setEf(ef);
  }

  upsert(id: string, vector: Float32Array): void {
    checkedId(id);
    const point = toNormalizedArray(vector, this.dimension, `vector for "${id}"`);
    const existingLabel = this.labelById.get(id);
    if (existingLabel !== undefined) {
      this.graph.addPoint(point, existingLabel);
      return;
    }
    const label = this.allocateLabel();
    if (this.deletedSlots > 0) {
      this.graph.addPoint(point, label, true);
      this.deletedSlots--;
    } else {
      this.reserveSlot();
      this.graph.addPoint(point, label);
    }
    this.labelById.set(id, label);
    this.idByLabel.set(label, id);
  }

  remove(id: string): boolean {
    const label = this.labelById.get(id);
    if (label === undefined) return false;
    this.graph.markDelete(label);
    this.labelById.delete(id);
    this.idByLabel.delete(label);
    this.deletedSlots++;
    return true;
  }

  search(query: Float32Array, k: number): VectorMatch[] {
    const point = toNormalizedArray(query, this.dimension, 'query');
    const wanted = Math.min(checkedK(k), this.size);
    if (wanted === 0) return [];
    const { neighbors, distances } = this.graph.searchKnn(point, wanted);
    const matches = new Array<VectorMatch>(neighbors.length);
    for (let i = 0; i < neighbors.length; i++) {
      // inner-product space reports 1 - dot as the distance
      matches[i] = { id: this.idByLabel.get(neighbors[i]) as string, similarity: 1 - distances[i] };
    }
    return matches;
  }

  private allocateLabel(): number {
    if (this.nextLabel > MAX_LABEL) {
      throw new VectorIndexError(
        'hnsw index ran out of labels; rebuild it from the source of truth',
      );
    }
    return this.nextLabel++;
  }

  private reserveSlot(): void {
    const capacity = this.graph.getMaxElements();
    if (this.graph.getCurrentCount() < capacity) return;
    this.graph.resizeIndex(Math.min(capacity * 2, MAX_LABEL));
  }
}

function toNormalizedArray(vector: Float32Array, dimension: number, subject: string): number[] {
  const inverseNorm = checkedInverseNorm(vector, dimension, subject);
  const point = new Array<number>(dimension);
  for (let i = 0; i < dimension; i++) point[i] = vector[i] * inverseNorm;
  return point;
}

function definedOnly(options: HnswOptions | undefined): HnswOptions {
  return Object.fromEntries(
    Object.entries(options ?? {}).filter(([, value]) => value !== undefined),
  ) as HnswOptions;
}

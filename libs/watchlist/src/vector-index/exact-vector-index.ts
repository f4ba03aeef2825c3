import { TopKHeap } from './top-k-heap';
import { IdSlots } from './id-slots';
import { checkedDimension, checkedId, checkedInverseNorm, checkedK } from './vector-checks';
import {
  FACE_EMBEDDING_DIMENSION,
  VectorIndex,
  VectorIndexError,
  VectorMatch,
} from './vector-index.types';

const INITIAL_CAPACITY = 1024;
/** One ArrayBuffer holds every row, and V8 caps an ArrayBuffer at 4 GiB. */
const MAX_STORAGE_BYTES = 2 ** 32;

/**
 * Brute-force search over one contiguous Float32Array of normalised rows: the reference the
 * approximate index is measured against, and the right choice for small lists.
 */
export class ExactVectorIndex implements VectorIndex {
  readonly dimension: number;
  private rows: Float32Array;
  private capacity: number;
  private readonly slots = new IdSlots();

  constructor(options: { dimension?: number; initialCapacity?: number } = {}) {
    this.dimension = checkedDimension(options.dimension ?? FACE_EMBEDDING_DIMENSION);
    this.capacity = Math.max(1, options.initialCapacity ?? INITIAL_CAPACITY);
    this.rows = new Float32Array(this.capacity * this.dimension);
  }

  get size(): number {
    return this.slots.size;
  }

  upsert(id: string, vector: Float32Array): void {
    checkedId(id);
    const inverseNorm = checkedInverseNorm(vector, this.dimension, `vector for "${id}"`);
    const row = this.slots.rowFor(id, (rowsInUse) => {
      if (rowsInUse === this.capacity) this.grow();
    });
    const offset = row * this.dimension;
    for (let i = 0; i < this.dimension; i++) this.rows[offset + i] = vector[i] * inverseNorm;
  }

  remove(id: string): boolean {
    const released = this.slots.release(id);
    if (!released) return false;
    const { row, movedFrom } = released;
    if (movedFrom !== null) {
      const { dimension } = this;
      this.rows.copyWithin(row * dimension, movedFrom * dimension, (movedFrom + 1) * dimension);
    }
    return true;
  }

  search(query: Float32Array, k: number): VectorMatch[] {
    const inverseNorm = checkedInverseNorm(query, this.dimension, 'query');
    const wanted = Math.min(checkedK(k), this.slots.size);
    if (wanted === 0) return [];
    const best = new TopKHeap(wanted);
    const { rows, dimension } = this;
    const count = this.slots.size;
    for (let row = 0, offset = 0; row < count; row++, offset += dimension) {
      const score = dot(query, rows, offset, dimension);
      if (score > best.threshold) best.offer(score, row);
    }
    return best
      .drainBestFirst()
      .map(({ entry, score }) => ({ id: this.slots.idAt(entry), similarity: score * inverseNorm }));
  }

  /** Each stored id with a view of its normalised row (valid until the next change). */
  *entries(): IterableIterator<[string, Float32Array]> {
    for (let row = 0; row < this.slots.size; row++) {
      const offset = row * this.dimension;
      yield [this.slots.idAt(row), this.rows.subarray(offset, offset + this.dimension)];
    }
  }

  private grow(): void {
    const bytesPerRow = this.dimension * Float32Array.BYTES_PER_ELEMENT;
    const maxRows = Math.floor(MAX_STORAGE_BYTES / bytesPerRow);
    if (this.capacity >= maxRows) {
      throw new VectorIndexError(
        `exact index is full at ${this.capacity} vectors of ${this.dimension}-d; use the approximate index`,
      );
    }
    this.capacity = Math.min(this.capacity * 2, maxRows);
    const grown = new Float32Array(this.capacity * this.dimension);
    grown.set(this.rows.subarray(0, this.slots.size * this.dimension));
    this.rows = grown;
  }
}

/** Dot product of the query with one stored row, eight lanes per step into four sums. */
function dot(query: Float32Array, rows: Float32Array, offset: number, dimension: number): number {
  let sum0 = 0;
  let sum1 = 0;
  let sum2 = 0;
  let sum3 = 0;
  let i = 0;
  for (const end = dimension - 7; i < end; i += 8) {
    const at = offset + i;
    sum0 += query[i] * rows[at] + query[i + 4] * rows[at + 4];
    sum1 += query[i + 1] * rows[at + 1] + query[i + 5] * rows[at + 5];
    sum2 += query[i + 2] * rows[at + 2] + query[i + 6] * rows[at + 6];
    sum3 += query[i + 3] * rows[at + 3] + query[i + 7] * rows[at + 7];
  }
  for (; i < dimension; i++) sum0 += query[i] * rows[offset + i];
  return sum0 + sum1 + sum2 + sum3;
}

import { IdSlots } from './id-slots';
import { SignCoder } from './random-rotation';
import {
  instantiateSketchKernel,
  MAX_WASM_PAGES,
  SketchKernel,
  WASM_PAGE_BYTES,
} from './sketch-kernel';
import { TopKHeap } from './top-k-heap';
import { checkedDimension, checkedId, checkedInverseNorm, checkedK } from './vector-checks';
import {
  FACE_EMBEDDING_DIMENSION,
  VectorIndex,
  VectorIndexError,
  VectorMatch,
} from './vector-index.types';

export interface SketchOptions {
  /** Bits per code, a multiple of 64: more bits rank closer to exact order, and scan slower. */
  readonly codeBits?: number;
  /**
   * Stored vectors re-scored exactly per search, the nearest by code: at least this many (and
   * k). More of them keep the true best match among them at lower similarities, for about
   * 0.3 µs each.
   */
  readonly rerank?: number;
  /** ... and at least this many per million stored, so recall holds as the index grows. */
  readonly rerankPerMillion?: number;
  /** Seeds the rotations; codes are only comparable within one index. */
  readonly seed?: number;
  /** Rows reserved up front; storage doubles when full. */
  readonly initialCapacity?: number;
}

/**
 * 256 bits scan 1M faces in about 2.5 ms on one core (bench/index). Re-scoring the nearest
 * 500 per million by code (at least 128) keeps a face at cosine 0.5 to the query among them
 * with probability about 0.99, and at 0.55 about 0.998: a face at cosine 0.5 differs from
 * the query in 85 +- 7.5 of 256 bits, while the 500th nearest of 1M random faces (like the
 * 128th of 100,000) differs in about 102.
 */
export const DEFAULT_SKETCH_OPTIONS = {
  codeBits: 256,
  rerank: 128,
  rerankPerMillion: 500,
  seed: 0x6b757a,
} as const;

/** Distances counted to estimate where the nearest end: about 10 µs, and within a few
 * percent of the true share for the few hundred nearest of 100,000 or more. */
const SAMPLED_DISTANCES = 16_384;

const ALIGN = 64;
const align = (bytes: number): number => Math.ceil(bytes / ALIGN) * ALIGN;

/** Byte offsets of each region in the kernel's memory, for a given capacity. */
interface Layout {
  readonly capacity: number;
  readonly queryCode: number;
  readonly histogram: number;
  readonly query: number;
  readonly listed: number;
  readonly scores: number;
  readonly distances: number;
  readonly codes: number;
  readonly rows: number;
  readonly end: number;
}

/** Views of the kernel's memory; growing it replaces the buffer, so they are made again. */
interface MemoryViews {
  readonly bytes: Uint8Array;
  readonly halves: Uint16Array;
  readonly floats: Float32Array;
  readonly words: Uint32Array;
}

/**
 * Exhaustive search over compact sign codes, then exact re-scoring of the nearest by code
 * (binary sketching with re-ranking). Every search reads every code, so its cost is
 * predictable and its recall does not depend on how the data is distributed, unlike a graph
 * index, which loses its way on unstructured data (bench/index). Codes, rows and scratch
 * live in one WebAssembly memory, where the kernel's popcount and SIMD loops run.
 */
export class SketchVectorIndex implements VectorIndex {
  readonly dimension: number;
  readonly codeBits: number;
  readonly rerank: number;
  readonly rerankPerMillion: number;
  private readonly rowFloats: number;
  private readonly codeBytes: number;
  private readonly coder: SignCoder;
  private readonly kernel: SketchKernel;
  private readonly slots = new IdSlots();
  /** Distances among the collected rows, to trim them to the nearest. */
  private readonly trimHistogram: Uint32Array;
  /** The most rows whose layout fits the 4 GiB a wasm32 memory can address. */
  private readonly maxCapacity: number;
  private layout: Layout;
  private views: MemoryViews | undefined;

  constructor(options: { dimension?: number; sketch?: SketchOptions } = {}) {
    this.dimension = checkedDimension(options.dimension ?? FACE_EMBEDDING_DIMENSION);
    // an option given as undefined (as parsed configuration often has) keeps its default
    const given = Object.entries(options.sketch ?? {}).filter(([, value]) => value !== undefined);
    const sketch = { ...DEFAULT_SKETCH_OPTIONS, ...(Object.fromEntries(given) as SketchOptions) };
    if (
      !Number.isInteger(sketch.codeBits) ||
      sketch.codeBits < 64 ||
      sketch.codeBits % 64 !== 0 ||
      sketch.codeBits > 4096
    ) {
      throw new VectorIndexError(
        `codeBits must be a multiple of 64 from 64 to 4096, got ${sketch.codeBits}`,
      );
    }
    if (!Number.isInteger(sketch.rerank) || sketch.rerank < 1) {
      throw new VectorIndexError(`rerank must be a positive integer, got ${sketch.rerank}`);
    }
    if (!(sketch.rerankPerMillion >= 0) || !Number.isFinite(sketch.rerankPerMillion)) {
      throw new VectorIndexError(
        `rerankPerMillion must be a non-negative number, got ${sketch.rerankPerMillion}`,
      );
    }
    this.codeBits = sketch.codeBits;
    this.rerank = sketch.rerank;
    this.rerankPerMillion = sketch.rerankPerMillion;
    // the kernel's dot product takes four lanes at a time; the padding stays zero
    this.rowFloats = Math.ceil(this.dimension / 4) * 4;
    this.codeBytes = this.codeBits / 8;
    this.coder = new SignCoder(this.dimension, this.codeBits, sketch.seed);
    this.trimHistogram = new Uint32Array(this.codeBits + 1);
    this.maxCapacity = this.largestCapacity();
    const initialCapacity = sketch.initialCapacity ?? 1024;
    if (
      !Number.isInteger(initialCapacity) ||
      initialCapacity < 1 ||
      initialCapacity > this.maxCapacity
    ) {
      throw new VectorIndexError(
        `initialCapacity must be a positive integer whose vectors fit in 4 GiB, got ${initialCapacity}`,
      );
    }
    this.layout = this.layoutFor(initialCapacity);
    this.kernel = instantiateSketchKernel(Math.ceil(this.layout.end / WASM_PAGE_BYTES));
  }

  get size(): number {
    return this.slots.size;
  }

  upsert(id: string, vector: Float32Array): void {
    checkedId(id);
    const inverseNorm = checkedInverseNorm(vector, this.dimension, `vector for "${id}"`);
    const row = this.slots.rowFor(id, (rowsInUse) => {
      if (rowsInUse >= this.layout.capacity) this.grow();
    });
    const { floats, words } = this.memory();
    const start = (this.layout.rows >>> 2) + row * this.rowFloats;
    for (let i = 0; i < this.dimension; i++) floats[start + i] = vector[i] * inverseNorm;
    floats.fill(0, start + this.dimension, start + this.rowFloats);
    const stored = floats.subarray(start, start + this.dimension);
    this.coder.encode(stored, words, (this.layout.codes >>> 2) + row * (this.codeBytes >>> 2));
  }

  remove(id: string): boolean {
    const released = this.slots.release(id);
    if (!released) return false;
    const { row, movedFrom } = released;
    if (movedFrom !== null) {
      const { bytes } = this.memory();
      const { rows, codes } = this.layout;
      const rowBytes = this.rowFloats * 4;
      bytes.copyWithin(
        rows + row * rowBytes,
        rows + movedFrom * rowBytes,
        rows + (movedFrom + 1) * rowBytes,
      );
      const { codeBytes } = this;
      bytes.copyWithin(
        codes + row * codeBytes,
        codes + movedFrom * codeBytes,
        codes + (movedFrom + 1) * codeBytes,
      );
    }
    return true;
  }

  search(query: Float32Array, k: number): VectorMatch[] {
    const inverseNorm = checkedInverseNorm(query, this.dimension, 'query');
    const count = this.slots.size;
    const wanted = Math.min(checkedK(k), count);
    if (wanted === 0) return [];
    const { layout, kernel } = this;
    const { floats, words } = this.memory();
    const queryAt = layout.query >>> 2;
    // normalised here, so the kernel's float32 sums stay in range whatever the query's scale
    for (let i = 0; i < this.dimension; i++) floats[queryAt + i] = query[i] * inverseNorm;
    floats.fill(0, queryAt + this.dimension, queryAt + this.rowFloats);

    const scaled = Math.ceil((count * this.rerankPerMillion) / 1e6);
    const listed = Math.min(count, Math.max(this.rerank, scaled, wanted));
    if (listed === count) {
      for (let row = 0; row < count; row++) words[(layout.listed >>> 2) + row] = row;
    } else {
      this.listNearestByCode(query, listed);
    }
    kernel.dotRows(layout.rows, this.rowFloats, layout.listed, listed, layout.query, layout.scores);

    const best = new TopKHeap(wanted);
    const scores = floats.subarray(layout.scores >>> 2, (layout.scores >>> 2) + listed);
    const rows = words.subarray(layout.listed >>> 2, (layout.listed >>> 2) + listed);
    for (let j = 0; j < listed; j++) {
      if (scores[j] > best.threshold) best.offer(scores[j], rows[j]);
    }
    return best
      .drainBestFirst()
      .map(({ entry, score }) => ({ id: this.slots.idAt(entry), similarity: score }));
  }

  /**
   * Writes the rows of the `n` codes nearest the query's to the `listed` region, in row
   * order. The kernel writes every distance; a sample of them gives a cut-off that keeps
   * about twice n, which the kernel collects; the surplus is trimmed here.
   */
  private listNearestByCode(query: Float32Array, n: number): void {
    const { layout, kernel, codeBits } = this;
    const { words, halves } = this.memory();
    const count = this.slots.size;
    this.coder.encode(query, words, layout.queryCode >>> 2);
    kernel.hammingScan(layout.codes, count, codeBits / 64, layout.queryCode, layout.distances);

    const histogram = words.subarray(
      layout.histogram >>> 2,
      (layout.histogram >>> 2) + codeBits + 1,
    );
    histogram.fill(0);
    const step = Math.max(1, Math.floor(count / SAMPLED_DISTANCES));
    kernel.countDistances(layout.distances, count, step, layout.histogram);
    const sampled = Math.ceil(count / step);
    const aim = step === 1 ? n : ((2 * n) / count) * sampled + 8;
    let { cutoff } = nearestCutoff(histogram, aim);
    let found = kernel.collectNearest(layout.distances, count, cutoff, count, layout.listed);
    // the sample can undershoot: widen until enough are in (rare, one collection each)
    while (found < n) {
      cutoff += 2;
      found = kernel.collectNearest(layout.distances, count, cutoff, count, layout.listed);
    }
    if (found > n) this.trimToNearest(found, n, words, halves);
  }

  /** Keeps, in order, the n of the `found` listed rows nearest by code. */
  private trimToNearest(found: number, n: number, words: Uint32Array, halves: Uint16Array): void {
    const listed = this.layout.listed >>> 2;
    const distances = this.layout.distances >>> 1;
    const histogram = this.trimHistogram.fill(0);
    for (let j = 0; j < found; j++) histogram[halves[distances + words[listed + j]]]++;
    const { cutoff, nearer } = nearestCutoff(histogram, n);
    let ties = n - nearer;
    let kept = 0;
    for (let j = 0; j < found; j++) {
      const row = words[listed + j];
      const distance = halves[distances + row];
      if (distance > cutoff || (distance === cutoff && ties-- <= 0)) continue;
      words[listed + kept++] = row;
    }
  }

  private memory(): MemoryViews {
    const buffer = this.kernel.memory.buffer;
    if (this.views === undefined || this.views.bytes.buffer !== buffer) {
      this.views = {
        bytes: new Uint8Array(buffer),
        halves: new Uint16Array(buffer),
        floats: new Float32Array(buffer),
        words: new Uint32Array(buffer),
      };
    }
    return this.views;
  }

  private layoutFor(capacity: number): Layout {
    let at = 0;
    const take = (bytes: number): number => {
      const start = at;
      at += align(bytes);
      return start;
    };
    return {
      capacity,
      queryCode: take(this.codeBytes),
      histogram: take((this.codeBits + 1) * 4),
      query: take(this.rowFloats * 4),
      listed: take(capacity * 4),
      scores: take(capacity * 4),
      distances: take(capacity * 2),
      codes: take(capacity * this.codeBytes),
      rows: take(capacity * this.rowFloats * 4),
      end: at,
    };
  }

  private largestCapacity(): number {
    const limit = MAX_WASM_PAGES * WASM_PAGE_BYTES;
    // at a multiple of ALIGN rows no region is rounded up, so this is the exact cost of a row
    const perRow = (this.layoutFor(ALIGN).end - this.layoutFor(0).end) / ALIGN;
    let capacity = Math.floor((limit - this.layoutFor(0).end) / perRow);
    while (this.layoutFor(capacity).end > limit) capacity--;
    return capacity;
  }

  /** Doubles the capacity, up to the largest that fits; every region moves up, so rows (the
   * highest) move first. */
  private grow(): void {
    const capacity = Math.min(this.layout.capacity * 2, this.maxCapacity);
    if (capacity <= this.layout.capacity) {
      throw new VectorIndexError(
        `sketch index is full at ${this.layout.capacity} vectors of ${this.dimension}-d (4 GiB)`,
      );
    }
    const next = this.layoutFor(capacity);
    const { memory } = this.kernel;
    const pages =
      Math.ceil(next.end / WASM_PAGE_BYTES) - memory.buffer.byteLength / WASM_PAGE_BYTES;
    if (pages > 0) memory.grow(pages);
    const { bytes } = this.memory();
    const count = this.slots.size;
    const previous = this.layout;
    bytes.copyWithin(next.rows, previous.rows, previous.rows + count * this.rowFloats * 4);
    bytes.copyWithin(next.codes, previous.codes, previous.codes + count * this.codeBytes);
    this.layout = next;
  }
}

/**
 * The smallest distance at which the histogram's running count reaches `aim` (or its last
 * distance), and how many lie strictly nearer.
 */
function nearestCutoff(histogram: Uint32Array, aim: number): { cutoff: number; nearer: number } {
  let cutoff = 0;
  let nearer = 0;
  while (cutoff < histogram.length - 1 && nearer + histogram[cutoff] < aim) {
    nearer += histogram[cutoff++];
  }
  return { cutoff, nearer };
}

/**
 * Keeps the k highest-scoring entries seen so far: a min-heap on score whose root is the
 * entry to evict, so a candidate that cannot make the top k costs one comparison.
 */
export class TopKHeap {
  private readonly scores: Float64Array;
  private readonly entries: Int32Array;
  private count = 0;

  constructor(readonly capacity: number) {
    this.scores = new Float64Array(capacity);
    this.entries = new Int32Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** The score a candidate must beat once the heap is full. */
  get threshold(): number {
    return this.count < this.capacity ? -Infinity : this.scores[0];
  }

  offer(score: number, entry: number): void {
    if (this.count < this.capacity) {
      this.siftUp(this.count++, score, entry);
    } else if (score > this.scores[0]) {
      this.siftDown(0, score, entry);
    }
  }

  /** Entries best first; empties the heap. */
  drainBestFirst(): { entry: number; score: number }[] {
    const drained = new Array<{ entry: number; score: number }>(this.count);
    for (let slot = this.count - 1; slot >= 0; slot--) {
      drained[slot] = { entry: this.entries[0], score: this.scores[0] };
      this.count--;
      if (this.count > 0) this.siftDown(0, this.scores[this.count], this.entries[this.count]);
    }
    return drained;
  }

  private siftUp(position: number, score: number, entry: number): void {
    const { scores, entries } = this;
    while (position > 0) {
      const parent = (position - 1) >> 1;
      if (scores[parent] <= score) break;
      scores[position] = scores[parent];
      entries[position] = entries[parent];
      position = parent;
    }
    scores[position] = score;
    entries[position] = entry;
  }

  private siftDown(position: number, score: number, entry: number): void {
    const { scores, entries, count } = this;
    for (;;) {
      let child = 2 * position + 1;
      if (child >= count) break;
      if (child + 1 < count && scores[child + 1] < scores[child]) child++;
      if (scores[child] >= score) break;
      scores[position] = scores[child];
      entries[position] = entries[child];
      position = child;
    }
    scores[position] = score;
    entries[position] = entry;
  }
}

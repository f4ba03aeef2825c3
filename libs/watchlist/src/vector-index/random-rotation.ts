import { seededRandom } from './seeded-random';

/**
 * Sign codes of vectors under fixed pseudo-random rotations (SimHash): bit b of a code says
 * on which side of hyperplane b a vector lies. For a random rotation the fraction of bits in
 * which two codes differ is angle / pi, whatever the data, so the Hamming distance between
 * codes estimates cosine similarity with a known spread.
 *
 * Each rotation is HD3 (three rounds of random sign flips, each followed by a Walsh-Hadamard
 * transform), the structured stand-in for a Gaussian rotation from Andoni et al., "Practical
 * and Optimal LSH for Angular Distance" (NeurIPS 2015): O(n log n) per vector instead of
 * O(n^2). Vectors are zero-padded to a power of two; codes longer than that concatenate
 * independent rotations.
 */
export class SignCoder {
  readonly codeBits: number;
  /** The padded length each rotation works on. */
  private readonly width: number;
  /** Three sign vectors (+1/-1) per rotation, laid end to end. */
  private readonly signs: Float64Array[];
  private readonly scratch: Float64Array;

  constructor(dimension: number, codeBits: number, seed: number) {
    this.codeBits = codeBits;
    this.width = 2 ** Math.ceil(Math.log2(Math.max(2, dimension)));
    const rotations = Math.ceil(codeBits / this.width);
    const random = seededRandom(seed);
    this.signs = Array.from({ length: rotations }, () => {
      const signs = new Float64Array(3 * this.width);
      for (let i = 0; i < signs.length; i++) signs[i] = random() < 0.5 ? -1 : 1;
      return signs;
    });
    this.scratch = new Float64Array(this.width);
  }

  /** Writes the code of `vector` as codeBits / 32 words into `code` at `offset`. */
  encode(vector: ArrayLike<number>, code: Uint32Array, offset: number): void {
    const { width, scratch, codeBits } = this;
    code.fill(0, offset, offset + codeBits / 32);
    let bit = 0;
    for (const signs of this.signs) {
      scratch.fill(0);
      for (let i = 0; i < vector.length; i++) scratch[i] = vector[i] * signs[i];
      walshHadamard(scratch);
      for (let round = 1; round < 3; round++) {
        const base = round * width;
        for (let i = 0; i < width; i++) scratch[i] *= signs[base + i];
        walshHadamard(scratch);
      }
      for (let i = 0; i < width && bit < codeBits; i++, bit++) {
        if (scratch[i] > 0) code[offset + (bit >>> 5)] |= 1 << (bit & 31);
      }
    }
  }
}

/** In-place, unnormalised fast Walsh-Hadamard transform; the length is a power of two. */
function walshHadamard(values: Float64Array): void {
  const n = values.length;
  for (let half = 1; half < n; half *= 2) {
    for (let start = 0; start < n; start += 2 * half) {
      for (let i = start, end = start + half; i < end; i++) {
        const a = values[i];
        const b = values[i + half];
        values[i] = a + b;
        values[i + half] = a - b;
      }
    }
  }
}

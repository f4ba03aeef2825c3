/** Seeded test data for the vector index specs and bench/index: reproducible across runs. */
import { seededRandom } from '../seeded-random';

export { seededRandom };

/** Standard normal samples by Box-Muller, written into `target`. */
export function fillGaussian(target: Float32Array, random: () => number): Float32Array {
  for (let i = 0; i < target.length; i += 2) {
    const radius = Math.sqrt(-2 * Math.log(1 - random()));
    const angle = 2 * Math.PI * random();
    target[i] = radius * Math.cos(angle);
    if (i + 1 < target.length) target[i + 1] = radius * Math.sin(angle);
  }
  return target;
}

export function normalizeInPlace(vector: Float32Array): Float32Array {
  let sumOfSquares = 0;
  for (let i = 0; i < vector.length; i++) sumOfSquares += vector[i] * vector[i];
  const inverseNorm = 1 / Math.sqrt(sumOfSquares);
  for (let i = 0; i < vector.length; i++) vector[i] *= inverseNorm;
  return vector;
}

/**
 * `count` uniformly random unit vectors (isotropic Gaussians, normalised) in one contiguous
 * array: row r is `rows.subarray(r * dimension, (r + 1) * dimension)`.
 */
export function randomUnitRows(count: number, dimension: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  const rows = fillGaussian(new Float32Array(count * dimension), random);
  for (let offset = 0; offset < rows.length; offset += dimension) {
    normalizeInPlace(rows.subarray(offset, offset + dimension));
  }
  return rows;
}

/**
 * A query planted next to a stored vector: the vector plus isotropic noise whose norm is
 * `noiseRatio` times the vector's, renormalised. Its cosine to the vector is about
 * 1 / sqrt(1 + noiseRatio^2) (0.89 for 0.5).
 */
export function plantedQuery(
  stored: Float32Array,
  noiseRatio: number,
  random: () => number,
): Float32Array {
  const noise = normalizeInPlace(fillGaussian(new Float32Array(stored.length), random));
  const query = new Float32Array(stored.length);
  for (let i = 0; i < stored.length; i++) query[i] = stored[i] + noiseRatio * noise[i];
  return normalizeInPlace(query);
}

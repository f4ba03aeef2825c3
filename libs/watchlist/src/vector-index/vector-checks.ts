import { VectorIndexError } from './vector-index.types';

/**
 * Checks that the vector fits the index and returns 1 / its L2 norm, so callers can store or
 * score it normalised without a second pass. `subject` names the vector in error messages.
 */
export function checkedInverseNorm(
  vector: Float32Array,
  dimension: number,
  subject: string,
): number {
  // not instanceof: arrays made in a worker thread or a jest sandbox come from another realm
  if (Object.prototype.toString.call(vector) !== '[object Float32Array]') {
    throw new VectorIndexError(`${subject} must be a Float32Array`);
  }
  if (vector.length !== dimension) {
    throw new VectorIndexError(
      `${subject} has ${vector.length} values, but this index holds ${dimension}-d vectors`,
    );
  }
  let sumOfSquares = 0;
  for (let i = 0; i < dimension; i++) {
    const value = vector[i];
    // value - value is 0 only for finite values
    if (value - value !== 0) {
      throw new VectorIndexError(`${subject} has a non-finite value ${value} at [${i}]`);
    }
    sumOfSquares += value * value;
  }
  if (!(sumOfSquares > 0) || !Number.isFinite(sumOfSquares)) {
    throw new VectorIndexError(`${subject} must have a non-zero, finite L2 norm`);
  }
  return 1 / Math.sqrt(sumOfSquares);
}

export function checkedId(id: string): string {
  if (typeof id !== 'string' || id.length === 0) {
    throw new VectorIndexError('vector id must be a non-empty string');
  }
  return id;
}

/** k as a count of results: a non-negative integer. */
export function checkedK(k: number): number {
  if (!Number.isInteger(k) || k < 0) {
    throw new VectorIndexError(`k must be a non-negative integer, got ${k}`);
  }
  return k;
}

export function checkedDimension(dimension: number): number {
  if (!Number.isInteger(dimension) || dimension < 1) {
    throw new VectorIndexError(`dimension must be a positive integer, got ${dimension}`);
  }
  return dimension;
}

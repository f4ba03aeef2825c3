import type { Point } from '../face.types';
import type { AffineMatrix } from '../image/resample';

export const ALIGNED_FACE_SIZE = 112;

/** The standard ArcFace 112x112 positions of: eye (image left), eye (image right), nose tip,
 * mouth corner (image left), mouth corner (image right). */
export const ARCFACE_REFERENCE_POINTS: readonly Point[] = Object.freeze([
  { x: 38.2946, y: 51.6963 },
  { x: 73.5318, y: 51.5014 },
  { x: 56.0252, y: 71.7366 },
  { x: 41.5493, y: 92.3655 },
  { x: 70.7299, y: 92.2041 },
]);

const mean = (points: readonly Point[]): Point => ({
  x: points.reduce((sum, p) => sum + p.x, 0) / points.length,
  y: points.reduce((sum, p) => sum + p.y, 0) / points.length,
});

/** The five alignment points from the 68 iBUG landmarks, in ARCFACE_REFERENCE_POINTS order. */
export function fivePointsFrom68(landmarks: readonly Point[]): Point[] {
  if (landmarks.length !== 68)
    throw new RangeError(`Expected 68 landmarks, got ${landmarks.length}.`);
  return [
    mean(landmarks.slice(36, 42)),
    mean(landmarks.slice(42, 48)),
    landmarks[30]!,
    landmarks[48]!,
    landmarks[54]!,
  ];
}

/**
 * Least-squares similarity transform (rotation, uniform scale, translation; no reflection) taking
 * `from` onto `to`: Umeyama's solution, written in complex numbers because in 2-D a similarity is
 * z -> a z + t with complex a.
 */
export function estimateSimilarity(from: readonly Point[], to: readonly Point[]): AffineMatrix {
  if (from.length !== to.length || from.length < 2) {
    throw new RangeError('A similarity needs at least two corresponding points.');
  }
  const fromMean = mean(from);
  const toMean = mean(to);
  let real = 0;
  let imaginary = 0;
  let norm = 0;
  for (let i = 0; i < from.length; i++) {
    const x = from[i]!.x - fromMean.x;
    const y = from[i]!.y - fromMean.y;
    const u = to[i]!.x - toMean.x;
    const v = to[i]!.y - toMean.y;
    real += x * u + y * v;
    imaginary += x * v - y * u;
    norm += x * x + y * y;
  }
  if (norm < 1e-9) throw new RangeError('The source points coincide.');
  const a = real / norm;
  const b = imaginary / norm;
  return [
    a,
    -b,
    toMean.x - (a * fromMean.x - b * fromMean.y),
    b,
    a,
    toMean.y - (b * fromMean.x + a * fromMean.y),
  ];
}

export function applyAffine([a, b, c, d, e, f]: AffineMatrix, point: Point): Point {
  return { x: a * point.x + b * point.y + c, y: d * point.x + e * point.y + f };
}

/** Uniform scale factor of a similarity matrix. */
export function similarityScale([a, , , d]: AffineMatrix): number {
  return Math.hypot(a, d);
}

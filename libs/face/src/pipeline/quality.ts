import type { FaceEngineConfig } from '../face.config';
import type { FaceQuality, Point, QualityRejectionReason } from '../face.types';
import { ALIGNED_FACE_SIZE } from './alignment';

const DEGREES = 180 / Math.PI;
/** (nose tip - eye line) / (mouth line - eye line) of a frontal face, as fr_landmark places the nose
 * tip (point 30): the median over the fixture photos. Its point 30 sits lower than the ArcFace
 * template's nose (0.495 there), so the template's ratio would read every face as looking down. */
const FRONTAL_NOSE_RATIO = 0.57;
/** Nose protrusion relative to the eye-to-mouth distance, for turning that ratio into an angle. */
const NOSE_DEPTH_RATIO = 0.6;

export interface HeadPose {
  /** Positive: nose towards the image's right. */
  readonly yawDeg: number;
  /** Positive: chin up (nose tip moves towards the eyes). */
  readonly pitchDeg: number;
  /** Positive: the eye line descends to the image's right. */
  readonly rollDeg: number;
}

const meanOf = (points: readonly Point[]): Point => ({
  x: points.reduce((sum, p) => sum + p.x, 0) / points.length,
  y: points.reduce((sum, p) => sum + p.y, 0) / points.length,
});

/**
 * Coarse head pose from the 68 landmarks, after undoing roll. Yaw: how far the nose tip sits from the
 * middle of the jaw contour (the contour follows the visible cheek edge, so the offset grows with
 * sin(yaw)). Pitch: where the nose tip falls between the eye line and the mouth line, compared with a
 * frontal face. Good to about ±10°, which is all a quality gate needs.
 */
export function estimateHeadPose(landmarks: readonly Point[]): HeadPose {
  const leftEye = meanOf(landmarks.slice(36, 42));
  const rightEye = meanOf(landmarks.slice(42, 48));
  const roll = Math.atan2(rightEye.y - leftEye.y, rightEye.x - leftEye.x);
  const cos = Math.cos(-roll);
  const sin = Math.sin(-roll);
  const upright = landmarks.map((p) => ({ x: p.x * cos - p.y * sin, y: p.x * sin + p.y * cos }));

  const nose = upright[30]!;
  const jawLeft = meanOf(upright.slice(0, 3));
  const jawRight = meanOf(upright.slice(14, 17));
  const toLeft = nose.x - jawLeft.x;
  const toRight = jawRight.x - nose.x;
  const yawRatio = (toLeft - toRight) / Math.max(1e-6, Math.abs(toLeft) + Math.abs(toRight));
  const yaw = Math.asin(Math.max(-1, Math.min(1, yawRatio)));

  const eyeLine = meanOf(upright.slice(36, 48)).y;
  const mouthLine = (upright[48]!.y + upright[54]!.y) / 2;
  const noseRatio = (nose.y - eyeLine) / Math.max(1e-6, mouthLine - eyeLine);
  const pitch = Math.atan((FRONTAL_NOSE_RATIO - noseRatio) / NOSE_DEPTH_RATIO);

  return { yawDeg: yaw * DEGREES, pitchDeg: pitch * DEGREES, rollDeg: roll * DEGREES };
}

/** Variance of the 4-neighbour Laplacian over the aligned crop's grey pixels. Measured on the
 * 112x112 crop, so faces of any size are judged at the scale the embedding model sees. */
export function laplacianVariance(
  alignedRgb: Uint8Array,
  size: number = ALIGNED_FACE_SIZE,
): number {
  const grey = new Float32Array(size * size);
  for (let i = 0; i < grey.length; i++) {
    grey[i] =
      0.299 * alignedRgb[i * 3]! + 0.587 * alignedRgb[i * 3 + 1]! + 0.114 * alignedRgb[i * 3 + 2]!;
  }
  let sum = 0;
  let sumOfSquares = 0;
  let count = 0;
  for (let y = 1; y < size - 1; y++) {
    for (let x = 1; x < size - 1; x++) {
      const i = y * size + x;
      const laplacian =
        grey[i - 1]! + grey[i + 1]! + grey[i - size]! + grey[i + size]! - 4 * grey[i]!;
      sum += laplacian;
      sumOfSquares += laplacian * laplacian;
      count++;
    }
  }
  const average = sum / count;
  return sumOfSquares / count - average * average;
}

export interface QualityMeasurements {
  readonly score: number;
  readonly faceWidthPx: number;
  readonly interocularPx: number;
  readonly pose: HeadPose;
  readonly sharpness: number;
  readonly liveness: number | null;
}

/** Apply the gates; every failed gate adds its reason, so the caller can count each one. */
export function judgeQuality(
  measured: QualityMeasurements,
  gates: FaceEngineConfig['quality'],
): FaceQuality {
  const reasons: QualityRejectionReason[] = [];
  if (measured.score < gates.minScore) reasons.push('low_score');
  if (measured.faceWidthPx < gates.minFaceWidthPx) reasons.push('too_small');
  if (Math.abs(measured.pose.yawDeg) > gates.maxAbsYawDeg) reasons.push('yaw');
  if (Math.abs(measured.pose.pitchDeg) > gates.maxAbsPitchDeg) reasons.push('pitch');
  if (measured.sharpness < gates.minSharpness) reasons.push('blurry');
  if (measured.liveness !== null && measured.liveness < gates.minLiveness) reasons.push('not_live');
  return {
    score: measured.score,
    faceWidthPx: measured.faceWidthPx,
    interocularPx: measured.interocularPx,
    yawDeg: measured.pose.yawDeg,
    pitchDeg: measured.pose.pitchDeg,
    rollDeg: measured.pose.rollDeg,
    sharpness: measured.sharpness,
    liveness: measured.liveness,
    passed: reasons.length === 0,
    reasons,
  };
}

import * as ort from 'onnxruntime-node';
import type { Point } from '../face.types';
import {
  AffineMatrix,
  composeAffine,
  invertAffine,
  resampleRegionToBytes,
  warpAffineBilinear,
} from '../image/resample';
import type { RgbImage } from '../image/rgb-image';
import { CENTRED_PIXEL } from './model-input';
import {
  ALIGNED_FACE_SIZE,
  ARCFACE_REFERENCE_POINTS,
  applyAffine,
  estimateSimilarity,
  similarityScale,
} from './alignment';

export const EMBEDDING_LENGTH = 512;

/** Warp the face onto the ArcFace 112x112 template. When the face is larger than the template, the
 * region is first area-averaged down to the template's scale, so the bilinear warp never skips pixels
 * (a plain bilinear shrink aliases fine texture such as hair and stubble into the crop). */
export function alignFace(image: RgbImage, fivePoints: readonly Point[]): Uint8Array {
  const sourceToAligned = estimateSimilarity(fivePoints, ARCFACE_REFERENCE_POINTS);
  const alignedToSource = invertAffine(sourceToAligned);
  const scale = similarityScale(sourceToAligned);
  const source = { ...image, channels: 3 };
  if (scale >= 0.8)
    return warpAffineBilinear(source, alignedToSource, ALIGNED_FACE_SIZE, ALIGNED_FACE_SIZE);

  const corners = [
    { x: 0, y: 0 },
    { x: ALIGNED_FACE_SIZE, y: 0 },
    { x: 0, y: ALIGNED_FACE_SIZE },
    { x: ALIGNED_FACE_SIZE, y: ALIGNED_FACE_SIZE },
  ].map((corner) => applyAffine(alignedToSource, corner));
  const left = Math.floor(Math.min(...corners.map((c) => c.x))) - 2;
  const top = Math.floor(Math.min(...corners.map((c) => c.y))) - 2;
  const regionWidth = Math.ceil(Math.max(...corners.map((c) => c.x))) + 2 - left;
  const regionHeight = Math.ceil(Math.max(...corners.map((c) => c.y))) + 2 - top;
  const shrunkWidth = Math.max(1, Math.round(regionWidth * scale));
  const shrunkHeight = Math.max(1, Math.round(regionHeight * scale));
  const shrunk = resampleRegionToBytes(
    source,
    { x: left, y: top, width: regionWidth, height: regionHeight },
    shrunkWidth,
    shrunkHeight,
  );
  // Pixel centres: source x maps to shrunk (x - left + 0.5) * k - 0.5.
  const kx = shrunkWidth / regionWidth;
  const ky = shrunkHeight / regionHeight;
  const sourceToShrunk: AffineMatrix = [
    kx,
    0,
    (0.5 - left) * kx - 0.5,
    0,
    ky,
    (0.5 - top) * ky - 0.5,
  ];
  return warpAffineBilinear(
    { width: shrunkWidth, height: shrunkHeight, channels: 3, data: shrunk },
    composeAffine(sourceToShrunk, alignedToSource),
    ALIGNED_FACE_SIZE,
    ALIGNED_FACE_SIZE,
  );
}

const FEATURE_PLANE = ALIGNED_FACE_SIZE * ALIGNED_FACE_SIZE;

/** fr_feature's input: the aligned crop (or its mirror image) as planar (v - 127) / 128, written into
 * `into` when given (a pipeline reuses one buffer: ONNX Runtime copies the input during run). */
export function featureInput(
  alignedRgb: Uint8Array,
  mirrored: boolean,
  into: Float32Array = new Float32Array(3 * FEATURE_PLANE),
): Float32Array {
  if (into.length !== 3 * FEATURE_PLANE)
    throw new RangeError(`A feature input holds ${3 * FEATURE_PLANE} values.`);
  const lut = CENTRED_PIXEL;
  const redPlane = into.subarray(0, FEATURE_PLANE);
  const greenPlane = into.subarray(FEATURE_PLANE, 2 * FEATURE_PLANE);
  const bluePlane = into.subarray(2 * FEATURE_PLANE);
  for (let y = 0; y < ALIGNED_FACE_SIZE; y++) {
    const rowStart = y * ALIGNED_FACE_SIZE;
    for (let x = 0; x < ALIGNED_FACE_SIZE; x++) {
      const source = (rowStart + (mirrored ? ALIGNED_FACE_SIZE - 1 - x : x)) * 3;
      const target = rowStart + x;
      redPlane[target] = lut[alignedRgb[source]!]!;
      greenPlane[target] = lut[alignedRgb[source + 1]!]!;
      bluePlane[target] = lut[alignedRgb[source + 2]!]!;
    }
  }
  return into;
}

async function rawEmbedding(
  session: ort.InferenceSession,
  input: Float32Array,
): Promise<Float32Array> {
  const outputs = await session.run({
    input: new ort.Tensor('float32', input, [1, 3, ALIGNED_FACE_SIZE, ALIGNED_FACE_SIZE]),
  });
  const output = outputs['output']?.data;
  if (!(output instanceof Float32Array) || output.length !== EMBEDDING_LENGTH) {
    throw new Error('fr_feature returned unexpected output.');
  }
  return output;
}

export function l2Normalize(vector: Float32Array): Float32Array {
  let sumOfSquares = 0;
  for (const value of vector) sumOfSquares += value * value;
  const norm = Math.sqrt(sumOfSquares);
  const normalized = new Float32Array(vector.length);
  if (norm === 0) return normalized;
  for (let i = 0; i < vector.length; i++) normalized[i] = vector[i]! / norm;
  return normalized;
}

export async function embedAlignedFace(
  session: ort.InferenceSession,
  alignedRgb: Uint8Array,
  flipAugment: boolean,
  inputBuffer?: Float32Array,
): Promise<Float32Array> {
  const embedding = await rawEmbedding(session, featureInput(alignedRgb, false, inputBuffer));
  if (!flipAugment) return l2Normalize(embedding);
  // The first output is its own array, so the input buffer can take the mirrored crop now.
  const mirrored = await rawEmbedding(session, featureInput(alignedRgb, true, inputBuffer));
  const sum = new Float32Array(EMBEDDING_LENGTH);
  for (let i = 0; i < EMBEDDING_LENGTH; i++) sum[i] = embedding[i]! + mirrored[i]!;
  return l2Normalize(sum);
}

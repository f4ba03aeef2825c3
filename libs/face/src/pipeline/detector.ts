import * as ort from 'onnxruntime-node';
import type { FaceEngineConfig } from '../face.config';
import type { Box } from '../face.types';
import type { Rect, RgbImage } from '../image/rgb-image';
import { CENTRED_PIXEL } from './model-input';

export const DETECTOR_INPUT_WIDTH = 320;
export const DETECTOR_INPUT_HEIGHT = 240;
const DETECTOR_PLANE = DETECTOR_INPUT_WIDTH * DETECTOR_INPUT_HEIGHT;
/** Each pyramid level is this much finer than the next coarser one. */
const PYRAMID_STEP = 2.5;
/** A tile overlaps its neighbour by this much more than the largest face its level is responsible for. */
const OVERLAP_MARGIN = 1.25;
/** A finer level within this factor of the whole-image scale is not worth its tiles: a face then
 * appears at least detectorMinFacePx / LEVEL_SLACK wide. */
export const LEVEL_SLACK = 1.05;

type DetectionConfig = FaceEngineConfig['detection'];

/** One run of fr_detect: `region` of the source, seen at `scale`, in the top-left of the input. */
export interface DetectorPass {
  readonly region: Rect;
  readonly scale: number;
}

export interface Detection {
  readonly box: Box;
  readonly score: number;
}

/**
 * A tiled image pyramid. The whole image fitted into 320x240 finds the large faces; a face of
 * `minFaceSizePx` would be a few pixels there, so finer levels (each PYRAMID_STEP finer, the finest
 * making such a face `detectorMinFacePx` wide) are cut into overlapping 320x240 tiles. Each level only
 * has to find faces too small for the next coarser one, which bounds the overlap its tiles need.
 */
export function planDetectorPasses(
  width: number,
  height: number,
  minFaceSizePx: number,
  config: DetectionConfig,
): DetectorPass[] {
  const whole = wholeImagePass(width, height);
  const wholeScale = whole.scale;
  let faceSize = Math.max(1, minFaceSizePx);
  for (;;) {
    const finestScale = Math.min(2, config.detectorMinFacePx / faceSize);
    const levelScales: number[] = [];
    for (let scale = finestScale; scale > wholeScale * LEVEL_SLACK; scale /= PYRAMID_STEP)
      levelScales.push(scale);
    const tiles: DetectorPass[] = [];
    levelScales.forEach((scale, index) => {
      const coarserScale = levelScales[index + 1] ?? wholeScale;
      const overlap = Math.ceil((config.detectorMinFacePx / coarserScale) * OVERLAP_MARGIN);
      const tileWidth = DETECTOR_INPUT_WIDTH / scale;
      const tileHeight = DETECTOR_INPUT_HEIGHT / scale;
      for (const [x, tileW] of axisTiles(width, tileWidth, overlap)) {
        for (const [y, tileH] of axisTiles(height, tileHeight, overlap)) {
          tiles.push({ region: { x, y, width: tileW, height: tileH }, scale });
        }
      }
    });
    if (tiles.length <= config.maxTiles) return [whole, ...tiles];
    faceSize *= 1.25;
  }
}

/** The whole image fitted into the detector's input: the only pass a face-capture picture (a face
 * crop, the face filling most of it) needs. */
export function wholeImagePass(width: number, height: number): DetectorPass {
  const scale = Math.min(DETECTOR_INPUT_WIDTH / width, DETECTOR_INPUT_HEIGHT / height);
  return { region: { x: 0, y: 0, width, height }, scale };
}

function axisTiles(length: number, tile: number, overlap: number): Array<[number, number]> {
  if (tile >= length) return [[0, length]];
  const size = Math.floor(tile);
  const effectiveOverlap = Math.min(overlap, size - 1);
  const count = Math.ceil((length - effectiveOverlap) / (size - effectiveOverlap));
  const result: Array<[number, number]> = [];
  for (let i = 0; i < count; i++) {
    const start = count === 1 ? 0 : Math.round((i * (length - size)) / (count - 1));
    result.push([start, size]);
  }
  return result;
}

/** The image resampled to one pyramid scale (anti-aliased), which that scale's passes crop from. */
export interface PyramidLevel {
  readonly scale: number;
  readonly image: RgbImage;
}

export function levelSize(
  width: number,
  height: number,
  scale: number,
): { width: number; height: number } {
  return {
    width: Math.max(1, Math.round(width * scale)),
    height: Math.max(1, Math.round(height * scale)),
  };
}

/** Where a pass's region lies in its level, in whole level pixels, at most the detector's input size. */
export function passWindow(
  pass: DetectorPass,
  level: RgbImage,
  sourceWidth: number,
  sourceHeight: number,
): Rect {
  const scaleX = level.width / sourceWidth;
  const scaleY = level.height / sourceHeight;
  const x = Math.min(level.width - 1, Math.round(pass.region.x * scaleX));
  const y = Math.min(level.height - 1, Math.round(pass.region.y * scaleY));
  return {
    x,
    y,
    width: Math.max(
      1,
      Math.min(DETECTOR_INPUT_WIDTH, level.width - x, Math.round(pass.region.width * scaleX)),
    ),
    height: Math.max(
      1,
      Math.min(DETECTOR_INPUT_HEIGHT, level.height - y, Math.round(pass.region.height * scaleY)),
    ),
  };
}

/** The window's pixels at (v - 127) / 128, planar RGB, in the input's top-left; the rest is 0 (mid grey).
 * `into` (a previous input, 3x240x320) is reused instead of allocating 900 KB per detector run. */
export function detectorInput(
  level: RgbImage,
  window: Rect,
  into: Float32Array = new Float32Array(3 * DETECTOR_PLANE),
): Float32Array {
  if (into.length !== 3 * DETECTOR_PLANE)
    throw new RangeError(`A detector input holds ${3 * DETECTOR_PLANE} values.`);
  const tensor = into;
  const { data, width } = level;
  const lut = CENTRED_PIXEL;
  const redPlane = tensor.subarray(0, DETECTOR_PLANE);
  const greenPlane = tensor.subarray(DETECTOR_PLANE, 2 * DETECTOR_PLANE);
  const bluePlane = tensor.subarray(2 * DETECTOR_PLANE);
  for (let y = 0; y < window.height; y++) {
    let source = ((window.y + y) * width + window.x) * 3;
    const rowStart = y * DETECTOR_INPUT_WIDTH;
    const rowEnd = rowStart + window.width;
    for (let target = rowStart; target < rowEnd; target++, source += 3) {
      redPlane[target] = lut[data[source]!]!;
      greenPlane[target] = lut[data[source + 1]!]!;
      bluePlane[target] = lut[data[source + 2]!]!;
    }
    if (window.width < DETECTOR_INPUT_WIDTH) {
      const paddingEnd = rowStart + DETECTOR_INPUT_WIDTH;
      redPlane.fill(0, rowEnd, paddingEnd);
      greenPlane.fill(0, rowEnd, paddingEnd);
      bluePlane.fill(0, rowEnd, paddingEnd);
    }
  }
  if (window.height < DETECTOR_INPUT_HEIGHT) {
    const paddingStart = window.height * DETECTOR_INPUT_WIDTH;
    redPlane.fill(0, paddingStart);
    greenPlane.fill(0, paddingStart);
    bluePlane.fill(0, paddingStart);
  }
  return tensor;
}

export async function runDetectorPass(
  session: ort.InferenceSession,
  level: RgbImage,
  pass: DetectorPass,
  source: { width: number; height: number },
  config: DetectionConfig,
  inputBuffer?: Float32Array,
): Promise<Detection[]> {
  const window = passWindow(pass, level, source.width, source.height);
  const input = detectorInput(level, window, inputBuffer);
  const outputs = await session.run({
    input: new ort.Tensor('float32', input, [1, 3, DETECTOR_INPUT_HEIGHT, DETECTOR_INPUT_WIDTH]),
  });
  const scores = outputs['scores']?.data;
  const boxes = outputs['boxes']?.data;
  if (!(scores instanceof Float32Array) || !(boxes instanceof Float32Array)) {
    throw new Error('fr_detect returned unexpected outputs.');
  }
  return decodeDetections(scores, boxes, window, level, source, config);
}

/**
 * fr_detect's `boxes` are already decoded: corners (x1, y1, x2, y2) relative to the 320x240 input.
 * Boxes centred in the padding are dropped; so are boxes touching a window edge that is inside the
 * level, because a face cut by a tile edge shows up whole in the overlapping tile or a coarser level.
 */
export function decodeDetections(
  scores: Float32Array,
  boxes: Float32Array,
  window: Rect,
  level: { width: number; height: number },
  source: { width: number; height: number },
  config: DetectionConfig,
): Detection[] {
  const toSourceX = source.width / level.width;
  const toSourceY = source.height / level.height;
  const edgeSlack = 2;
  const innerLeft = window.x > 0;
  const innerTop = window.y > 0;
  const innerRight = window.x + window.width < level.width;
  const innerBottom = window.y + window.height < level.height;
  const detections: Detection[] = [];
  const candidates = scores.length / 2;
  for (let i = 0; i < candidates; i++) {
    const score = scores[i * 2 + 1]!;
    if (score < config.scoreThreshold) continue;
    const x1 = boxes[i * 4]! * DETECTOR_INPUT_WIDTH;
    const y1 = boxes[i * 4 + 1]! * DETECTOR_INPUT_HEIGHT;
    const x2 = boxes[i * 4 + 2]! * DETECTOR_INPUT_WIDTH;
    const y2 = boxes[i * 4 + 3]! * DETECTOR_INPUT_HEIGHT;
    const boxWidth = x2 - x1;
    const boxHeight = y2 - y1;
    if (boxWidth <= 1 || boxHeight <= 1) continue;
    if (Math.max(boxWidth / boxHeight, boxHeight / boxWidth) > config.maxAspectRatio) continue;
    if ((x1 + x2) / 2 >= window.width || (y1 + y2) / 2 >= window.height) continue;
    if (innerLeft && x1 < edgeSlack) continue;
    if (innerTop && y1 < edgeSlack) continue;
    if (innerRight && x2 > window.width - edgeSlack) continue;
    if (innerBottom && y2 > window.height - edgeSlack) continue;
    detections.push({
      score,
      box: {
        x: (window.x + x1) * toSourceX,
        y: (window.y + y1) * toSourceY,
        width: boxWidth * toSourceX,
        height: boxHeight * toSourceY,
      },
    });
  }
  return detections;
}

export function intersectionOverUnion(a: Box, b: Box): number {
  const left = Math.max(a.x, b.x);
  const top = Math.max(a.y, b.y);
  const right = Math.min(a.x + a.width, b.x + b.width);
  const bottom = Math.min(a.y + a.height, b.y + b.height);
  const intersection = Math.max(0, right - left) * Math.max(0, bottom - top);
  const union = a.width * a.height + b.width * b.height - intersection;
  return union > 0 ? intersection / union : 0;
}

function intersectionOverOwnArea(own: Box, other: Box): number {
  const width = Math.min(own.x + own.width, other.x + other.width) - Math.max(own.x, other.x);
  const height = Math.min(own.y + own.height, other.y + other.height) - Math.max(own.y, other.y);
  const area = own.width * own.height;
  return width > 0 && height > 0 && area > 0 ? (width * height) / area : 0;
}

/** A box this much inside a better-scoring face is a part of it (an eye found as a tiny face in an
 * upscaled close-up), not another face. */
const CONTAINED_FRACTION = 0.8;

/** Greedy non-maximum suppression: keep the best-scoring box, drop those overlapping it or lying
 * inside it, repeat. */
export function nonMaximumSuppression(
  detections: readonly Detection[],
  iouThreshold: number,
): Detection[] {
  const sorted = [...detections].sort((a, b) => b.score - a.score);
  const kept: Detection[] = [];
  for (const candidate of sorted) {
    const suppressed = kept.some(
      (keeper) =>
        intersectionOverUnion(keeper.box, candidate.box) > iouThreshold ||
        intersectionOverOwnArea(candidate.box, keeper.box) > CONTAINED_FRACTION,
    );
    if (!suppressed) kept.push(candidate);
  }
  return kept;
}

/** Primary face first: the detector's score decides, box area only breaks near-ties (scores within 0.01),
 * because a false detection on a blurred background can be larger than the real face. */
export function comparePrimaryFirst(a: Detection, b: Detection): number {
  const scoreDifference = Math.round(b.score * 100) - Math.round(a.score * 100);
  if (scoreDifference !== 0) return scoreDifference;
  return b.box.width * b.box.height - a.box.width * a.box.height;
}

export function clipBox(box: Box, width: number, height: number): Box {
  const x = Math.max(0, box.x);
  const y = Math.max(0, box.y);
  return {
    x,
    y,
    width: Math.max(0, Math.min(width, box.x + box.width) - x),
    height: Math.max(0, Math.min(height, box.y + box.height) - y),
  };
}

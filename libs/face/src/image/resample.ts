import type { Rect } from './rgb-image';

/** Interleaved 8-bit pixels with any channel count (1 = grey, 3 = RGB). */
export interface PixelBuffer {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly data: Uint8Array;
}

/** For each destination index along one axis: which source indices contribute, with what weight. */
interface AxisTaps {
  readonly offsets: Int32Array;
  readonly indices: Int32Array;
  readonly weights: Float32Array;
}

/** Area averaging when shrinking (every source pixel contributes in proportion to its overlap, so
 * nothing aliases), bilinear when enlarging. Source indices are clamped to the image edge. */
function axisTaps(
  start: number,
  length: number,
  sourceSize: number,
  destinationSize: number,
): AxisTaps {
  const step = length / destinationSize;
  const maxTapsPerPixel = step <= 1 ? 2 : Math.ceil(step) + 1;
  const offsets = new Int32Array(destinationSize + 1);
  const indices = new Int32Array(destinationSize * maxTapsPerPixel);
  const weights = new Float32Array(destinationSize * maxTapsPerPixel);
  const clamp = (index: number): number =>
    index < 0 ? 0 : index >= sourceSize ? sourceSize - 1 : index;
  let count = 0;
  for (let i = 0; i < destinationSize; i++) {
    offsets[i] = count;
    if (step <= 1) {
      const centre = start + (i + 0.5) * step - 0.5;
      const left = Math.floor(centre);
      const fraction = centre - left;
      indices[count] = clamp(left);
      weights[count++] = 1 - fraction;
      indices[count] = clamp(left + 1);
      weights[count++] = fraction;
    } else {
      const from = start + i * step;
      const to = from + step;
      for (let j = Math.floor(from); j < to; j++) {
        const overlap = Math.min(to, j + 1) - Math.max(from, j);
        if (overlap <= 0) continue;
        indices[count] = clamp(j);
        weights[count++] = overlap / step;
      }
    }
  }
  offsets[destinationSize] = count;
  return { offsets, indices: indices.subarray(0, count), weights: weights.subarray(0, count) };
}

/**
 * Resample `region` of `source` to destinationWidth x destinationHeight (separable: rows first).
 * Returns interleaved floats in 0..255 with the source's channel count.
 */
export function resampleRegion(
  source: PixelBuffer,
  region: Rect,
  destinationWidth: number,
  destinationHeight: number,
): Float32Array {
  const result = new Float32Array(destinationWidth * destinationHeight * source.channels);
  return resampleSeparable(source, region, destinationWidth, destinationHeight, false, result);
}

/** resampleRegion rounded to 8-bit pixels as it is written, without a float image in between. */
export function resampleRegionToBytes(
  source: PixelBuffer,
  region: Rect,
  destinationWidth: number,
  destinationHeight: number,
): Uint8Array {
  const result = new Uint8Array(destinationWidth * destinationHeight * source.channels);
  return resampleSeparable(source, region, destinationWidth, destinationHeight, false, result);
}

/**
 * resampleRegion of an RGB source straight to BT.601 luma (0..255, one float per pixel). Resampling is
 * linear, so this equals resampling the RGB and then greying it, with a third of the vertical pass.
 */
export function resampleRegionToLuma(
  source: PixelBuffer,
  region: Rect,
  destinationWidth: number,
  destinationHeight: number,
): Float32Array {
  if (source.channels !== 3) throw new RangeError('resampleRegionToLuma needs an RGB source.');
  const result = new Float32Array(destinationWidth * destinationHeight);
  return resampleSeparable(source, region, destinationWidth, destinationHeight, true, result);
}

/** Writes the resampled region to `result` and returns it: floats as they are, or bytes rounded
 * to nearest. */
function resampleSeparable<Result extends Float32Array | Uint8Array>(
  source: PixelBuffer,
  region: Rect,
  destinationWidth: number,
  destinationHeight: number,
  toLuma: boolean,
  result: Result,
): Result {
  const horizontal = axisTaps(region.x, region.width, source.width, destinationWidth);
  const vertical = axisTaps(region.y, region.height, source.height, destinationHeight);
  let firstRow = Number.MAX_SAFE_INTEGER;
  let lastRow = -1;
  for (const row of vertical.indices) {
    if (row < firstRow) firstRow = row;
    if (row > lastRow) lastRow = row;
  }
  const rowStride = destinationWidth * (toLuma ? 1 : source.channels);
  const rows = new Float32Array((lastRow - firstRow + 1) * rowStride);
  if (source.channels === 3) {
    horizontalPassRgb(source, horizontal, firstRow, lastRow, toLuma, rows);
  } else {
    horizontalPass(source, horizontal, firstRow, lastRow, rows);
  }
  verticalPass(rows, rowStride, vertical, firstRow, result);
  return result;
}

/** Rows firstRow..lastRow of an RGB source resampled across: one pass over the taps
 * accumulates all three channels. */
function horizontalPassRgb(
  source: PixelBuffer,
  taps: AxisTaps,
  firstRow: number,
  lastRow: number,
  toLuma: boolean,
  rows: Float32Array,
): void {
  const { data, width } = source;
  const { offsets, indices, weights } = taps;
  const columns = offsets.length - 1;
  let out = 0;
  for (let y = firstRow; y <= lastRow; y++) {
    const sourceRow = y * width * 3;
    for (let x = 0; x < columns; x++) {
      let red = 0;
      let green = 0;
      let blue = 0;
      const tapEnd = offsets[x + 1]!;
      for (let t = offsets[x]!; t < tapEnd; t++) {
        const at = sourceRow + indices[t]! * 3;
        const weight = weights[t]!;
        red += data[at]! * weight;
        green += data[at + 1]! * weight;
        blue += data[at + 2]! * weight;
      }
      if (toLuma) {
        rows[out++] = 0.299 * red + 0.587 * green + 0.114 * blue;
      } else {
        rows[out++] = red;
        rows[out++] = green;
        rows[out++] = blue;
      }
    }
  }
}

/** Rows firstRow..lastRow resampled across, for any channel count. */
function horizontalPass(
  source: PixelBuffer,
  taps: AxisTaps,
  firstRow: number,
  lastRow: number,
  rows: Float32Array,
): void {
  const { channels, data, width } = source;
  const { offsets, indices, weights } = taps;
  const columns = offsets.length - 1;
  let out = 0;
  for (let y = firstRow; y <= lastRow; y++) {
    const sourceRow = y * width * channels;
    for (let x = 0; x < columns; x++) {
      const tapEnd = offsets[x + 1]!;
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (let t = offsets[x]!; t < tapEnd; t++)
          sum += data[sourceRow + indices[t]! * channels + c]! * weights[t]!;
        rows[out++] = sum;
      }
    }
  }
}

/** Resampled down, one output row at a time summed in floats, then written to `result`: as is,
 * or rounded to the nearest byte when `result` holds bytes. */
function verticalPass(
  rows: Float32Array,
  rowStride: number,
  taps: AxisTaps,
  firstRow: number,
  result: Float32Array | Uint8Array,
): void {
  const { offsets, indices, weights } = taps;
  // a Uint8Array truncates what it is given: + 0.5 rounds the non-negative sums to nearest
  const rounding = result instanceof Uint8Array ? 0.5 : 0;
  const sum = new Float32Array(rowStride);
  for (let y = 0; y < offsets.length - 1; y++) {
    sum.fill(0);
    const tapEnd = offsets[y + 1]!;
    for (let t = offsets[y]!; t < tapEnd; t++) {
      const row = (indices[t]! - firstRow) * rowStride;
      const weight = weights[t]!;
      for (let i = 0; i < rowStride; i++) sum[i]! += rows[row + i]! * weight;
    }
    const out = y * rowStride;
    for (let i = 0; i < rowStride; i++) result[out + i] = sum[i]! + rounding;
  }
}

/** ITU-R BT.601 luma, the usual "grey" of face models trained with OpenCV. */
export function rgbToGrey(rgb: Uint8Array, pixelCount: number): Uint8Array {
  const grey = new Uint8Array(pixelCount);
  for (let i = 0, j = 0; i < pixelCount; i++, j += 3) {
    grey[i] = Math.round(0.299 * rgb[j]! + 0.587 * rgb[j + 1]! + 0.114 * rgb[j + 2]!);
  }
  return grey;
}

/** 2x3 affine matrix [a, b, c, d, e, f]: x' = a x + b y + c, y' = d x + e y + f. */
export type AffineMatrix = readonly [number, number, number, number, number, number];

export function invertAffine([a, b, c, d, e, f]: AffineMatrix): AffineMatrix {
  const determinant = a * e - b * d;
  if (Math.abs(determinant) < 1e-12)
    throw new RangeError('The affine transform is not invertible.');
  const ia = e / determinant;
  const ib = -b / determinant;
  const id = -d / determinant;
  const ie = a / determinant;
  return [ia, ib, -(ia * c + ib * f), id, ie, -(id * c + ie * f)];
}

/** Compose: first `first`, then `second`. */
export function composeAffine(second: AffineMatrix, first: AffineMatrix): AffineMatrix {
  const [a2, b2, c2, d2, e2, f2] = second;
  const [a1, b1, c1, d1, e1, f1] = first;
  return [
    a2 * a1 + b2 * d1,
    a2 * b1 + b2 * e1,
    a2 * c1 + b2 * f1 + c2,
    d2 * a1 + e2 * d1,
    d2 * b1 + e2 * e1,
    d2 * c1 + e2 * f1 + f2,
  ];
}

/**
 * Bilinear warp: destination pixel (u, v) takes the source value at destinationToSource(u, v).
 * Pixel centres are at integer coordinates. Outside the source the edge pixel is repeated.
 */
export function warpAffineBilinear(
  source: PixelBuffer,
  destinationToSource: AffineMatrix,
  destinationWidth: number,
  destinationHeight: number,
  out: Uint8Array = new Uint8Array(destinationWidth * destinationHeight * source.channels),
): Uint8Array {
  if (out.length < destinationWidth * destinationHeight * source.channels)
    throw new RangeError('The output buffer is too small for the warped image.');
  if (source.channels === 3)
    return warpRgbBilinear(source, destinationToSource, destinationWidth, destinationHeight, out);
  const { width, height, channels, data } = source;
  const [a, b, c, d, e, f] = destinationToSource;
  const lastX = width - 1;
  const lastY = height - 1;
  let target = 0;
  for (let v = 0; v < destinationHeight; v++) {
    for (let u = 0; u < destinationWidth; u++, target += channels) {
      const x = a * u + b * v + c;
      const y = d * u + e * v + f;
      const x0 = Math.floor(x);
      const y0 = Math.floor(y);
      const fx = x - x0;
      const fy = y - y0;
      const left = x0 < 0 ? 0 : x0 > lastX ? lastX : x0;
      const right = x0 + 1 < 0 ? 0 : x0 + 1 > lastX ? lastX : x0 + 1;
      const top = y0 < 0 ? 0 : y0 > lastY ? lastY : y0;
      const bottom = y0 + 1 < 0 ? 0 : y0 + 1 > lastY ? lastY : y0 + 1;
      const topLeft = (top * width + left) * channels;
      const topRight = (top * width + right) * channels;
      const bottomLeft = (bottom * width + left) * channels;
      const bottomRight = (bottom * width + right) * channels;
      const wTopLeft = (1 - fx) * (1 - fy);
      const wTopRight = fx * (1 - fy);
      const wBottomLeft = (1 - fx) * fy;
      const wBottomRight = fx * fy;
      for (let ch = 0; ch < channels; ch++) {
        out[target + ch] =
          data[topLeft + ch]! * wTopLeft +
          data[topRight + ch]! * wTopRight +
          data[bottomLeft + ch]! * wBottomLeft +
          data[bottomRight + ch]! * wBottomRight +
          0.5;
      }
    }
  }
  return out;
}

/** warpAffineBilinear for interleaved RGB, the alignment's hot loop: the same arithmetic (bit-identical
 * output), with the channel loop unrolled and edge clamping only where a tap leaves the image. */
function warpRgbBilinear(
  source: PixelBuffer,
  destinationToSource: AffineMatrix,
  destinationWidth: number,
  destinationHeight: number,
  out: Uint8Array,
): Uint8Array {
  const { width, height, data } = source;
  const [a, b, c, d, e, f] = destinationToSource;
  const lastX = width - 1;
  const lastY = height - 1;
  const stride = width * 3;
  let target = 0;
  for (let v = 0; v < destinationHeight; v++) {
    for (let u = 0; u < destinationWidth; u++, target += 3) {
      const x = a * u + b * v + c;
      const y = d * u + e * v + f;
      const x0 = Math.floor(x);
      const y0 = Math.floor(y);
      const fx = x - x0;
      const fy = y - y0;
      let left: number;
      let right: number;
      if (x0 >= 0 && x0 < lastX) {
        left = x0 * 3;
        right = left + 3;
      } else {
        left = (x0 < 0 ? 0 : x0 > lastX ? lastX : x0) * 3;
        right = (x0 + 1 < 0 ? 0 : x0 + 1 > lastX ? lastX : x0 + 1) * 3;
      }
      let top: number;
      let bottom: number;
      if (y0 >= 0 && y0 < lastY) {
        top = y0 * stride;
        bottom = top + stride;
      } else {
        top = (y0 < 0 ? 0 : y0 > lastY ? lastY : y0) * stride;
        bottom = (y0 + 1 < 0 ? 0 : y0 + 1 > lastY ? lastY : y0 + 1) * stride;
      }
      const topLeft = top + left;
      const topRight = top + right;
      const bottomLeft = bottom + left;
      const bottomRight = bottom + right;
      const wTopLeft = (1 - fx) * (1 - fy);
      const wTopRight = fx * (1 - fy);
      const wBottomLeft = (1 - fx) * fy;
      const wBottomRight = fx * fy;
      out[target] =
        data[topLeft]! * wTopLeft +
        data[topRight]! * wTopRight +
        data[bottomLeft]! * wBottomLeft +
        data[bottomRight]! * wBottomRight +
        0.5;
      out[target + 1] =
        data[topLeft + 1]! * wTopLeft +
        data[topRight + 1]! * wTopRight +
        data[bottomLeft + 1]! * wBottomLeft +
        data[bottomRight + 1]! * wBottomRight +
        0.5;
      out[target + 2] =
        data[topLeft + 2]! * wTopLeft +
        data[topRight + 2]! * wTopRight +
        data[bottomLeft + 2]! * wBottomLeft +
        data[bottomRight + 2]! * wBottomRight +
        0.5;
    }
  }
  return out;
}

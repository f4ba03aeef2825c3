import sharp, { type Metadata } from 'sharp';
import { ImageDecodeError, ImageDecodeErrorCode } from '../face.errors';
import type { FaceEngineConfig } from '../face.config';
import type { RgbImage } from './rgb-image';

export type DecodeLimits = FaceEngineConfig['decode'];

export type AcceptedFormat = 'jpeg' | 'png' | 'webp';

/** Recognise the container from its magic bytes, so libvips never sees formats we do not accept
 * (SVG, PDF, TIFF... each a parser with its own attack surface). */
export function sniffImageFormat(bytes: Uint8Array): AcceptedFormat | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff)
    return 'jpeg';
  const pngSignature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length >= 8 && pngSignature.every((byte, index) => bytes[index] === byte)) return 'png';
  const ascii = (start: number, end: number): string =>
    String.fromCharCode(...bytes.subarray(start, end));
  if (bytes.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  return null;
}

/** What the header of an accepted image says, checked against the limits before any pixel is decoded. */
export interface ImageHeader {
  readonly format: AcceptedFormat;
  /** Width and height after EXIF orientation, as the decoded pixels will be. */
  readonly width: number;
  readonly height: number;
}

/** Decode JPEG/PNG/WebP to RGB with EXIF orientation applied. Every failure is an ImageDecodeError;
 * declared dimensions are checked against the limits before any pixel is decoded. */
export async function decodeImage(input: Uint8Array, limits: DecodeLimits): Promise<RgbImage> {
  return decodePixels(input, limits, await inspectImage(input, limits));
}

/** Every check decodeImage makes before decoding: size, format by magic bytes and by libvips, one
 * page, declared pixels and sides. */
export async function inspectImage(input: Uint8Array, limits: DecodeLimits): Promise<ImageHeader> {
  if (input.length === 0) throw new ImageDecodeError('empty', 'The image is empty (0 bytes).');
  if (input.length > limits.maxBytes) {
    throw new ImageDecodeError(
      'too_large',
      `The image is ${input.length} bytes; the limit is ${limits.maxBytes}.`,
    );
  }
  const sniffed = sniffImageFormat(input);
  if (sniffed === null) {
    throw new ImageDecodeError('unsupported_format', 'Not a JPEG, PNG or WebP image.');
  }

  let metadata: Metadata;
  try {
    metadata = await sharp(input, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw toDecodeError(error);
  }
  if (metadata.format !== sniffed) {
    throw new ImageDecodeError(
      'unsupported_format',
      `Expected ${sniffed} content, found ${metadata.format ?? 'none'}.`,
    );
  }
  const declaredWidth = metadata.width;
  const declaredHeight = metadata.height;
  if (!declaredWidth || !declaredHeight) {
    throw new ImageDecodeError('corrupt', 'The image does not declare its dimensions.');
  }
  if ((metadata.pages ?? 1) > 1) {
    throw new ImageDecodeError(
      'unsupported_format',
      'Animated or multi-page images are not accepted.',
    );
  }
  if (declaredWidth * declaredHeight > limits.maxPixels) {
    throw new ImageDecodeError(
      'too_large',
      `The image declares ${declaredWidth}x${declaredHeight} pixels; the limit is ${limits.maxPixels} pixels.`,
    );
  }
  if (Math.min(declaredWidth, declaredHeight) < limits.minSidePx) {
    throw new ImageDecodeError(
      'too_small',
      `The image is ${declaredWidth}x${declaredHeight}; both sides must be at least ${limits.minSidePx} pixels.`,
    );
  }
  // EXIF orientations 5-8 turn the image a quarter: its decoded width is the declared height.
  const quarterTurn = (metadata.orientation ?? 1) >= 5;
  return {
    format: sniffed,
    width: quarterTurn ? declaredHeight : declaredWidth,
    height: quarterTurn ? declaredWidth : declaredHeight,
  };
}

/** Below this share of its full size, libvips decodes a JPEG already shrunk in the DCT (by 2, 4 or 8,
 * then resamples the rest), a fraction of the full decode's cost; above it (sharp leaves at least a
 * factor of two between its libjpeg shrink and the target, and none at all for an exact 2) the whole
 * image is decoded anyway. */
export const SHRINK_ON_LOAD_BELOW = 1 / 3;

/** Whether decoding this image at `scale` of its size is cheaper than decoding it whole. */
export function shrinksOnLoad(header: ImageHeader, scale: number): boolean {
  return header.format === 'jpeg' && scale <= SHRINK_ON_LOAD_BELOW;
}

/** Whole rows of an image, top to top + height, in its oriented pixels. */
export interface RowBand {
  readonly top: number;
  readonly height: number;
}

/** The pixels of an inspected image, resampled to `scale` of its size (anti-aliased) in the same
 * libvips pipeline as the decoding, which shrinks a JPEG on load where it can (see shrinksOnLoad).
 * With `rows`, only that band at full scale: libvips stops decoding below it, so a band in the top
 * half of a JPEG costs about half a full decode, and its pixels are those of the full decode. */
export async function decodePixels(
  input: Uint8Array,
  limits: DecodeLimits,
  header: ImageHeader,
  scale = 1,
  rows?: RowBand,
): Promise<RgbImage> {
  if (rows !== undefined && scale !== 1)
    throw new RangeError('A band of rows is decoded at full scale only.');
  try {
    let pipeline = sharp(input, { limitInputPixels: limits.maxPixels, failOn: 'warning' }).rotate();
    if (rows !== undefined) {
      pipeline = pipeline.extract({
        left: 0,
        top: rows.top,
        width: header.width,
        height: rows.height,
      });
    } else if (scale < 1) {
      pipeline = pipeline.resize(
        Math.max(1, Math.round(header.width * scale)),
        Math.max(1, Math.round(header.height * scale)),
        { fit: 'fill', fastShrinkOnLoad: true },
      );
    }
    const { data, info } = await pipeline
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .timeout({ seconds: limits.timeoutSeconds })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) {
      throw new ImageDecodeError(
        'unsupported_format',
        `Decoded to ${info.channels} channels, expected 3.`,
      );
    }
    return {
      width: info.width,
      height: info.height,
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    };
  } catch (error) {
    throw toDecodeError(error);
  }
}

function toDecodeError(error: unknown): ImageDecodeError {
  if (error instanceof ImageDecodeError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ImageDecodeError(
    classifyLibvipsMessage(message),
    `The image could not be decoded: ${firstLine(message)}`,
  );
}

function classifyLibvipsMessage(message: string): ImageDecodeErrorCode {
  const lower = message.toLowerCase();
  if (
    /premature end|truncated|unexpected end|not enough data|end of (file|stream)|out of data/.test(
      lower,
    )
  ) {
    return 'truncated';
  }
  if (lower.includes('pixel limit')) return 'too_large';
  if (lower.includes('unsupported image format')) return 'unsupported_format';
  if (lower.includes('timeout')) return 'too_large';
  return 'corrupt';
}

function firstLine(message: string): string {
  return message.split('\n', 1)[0] ?? message;
}

/** Anti-aliased resize in libvips (box shrink, then Lanczos), several times faster than doing it in JS. */
export async function resizeRgb(image: RgbImage, width: number, height: number): Promise<RgbImage> {
  if (width === image.width && height === image.height) return image;
  const { data, info } = await sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: 3 },
  })
    .resize(width, height, { fit: 'fill' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
  };
}

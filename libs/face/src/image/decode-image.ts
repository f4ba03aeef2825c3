import sharp, { type Metadata } from 'sharp';
import { ImageDecodeError, ImageDecodeErrorCode } from '../face.errors';
import type { FaceEngineConfig } from '../face.config';
import type { RgbImage } from './rgb-image';

export type DecodeLimits = FaceEngineConfig['decode'];

type AcceptedFormat = 'jpeg' | 'png' | 'webp';

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

/** Decode JPEG/PNG/WebP to RGB with EXIF orientation applied. Every failure is an ImageDecodeError;
 * declared dimensions are checked against the limits before any pixel is decoded. */
export async function decodeImage(input: Uint8Array, limits: DecodeLimits): Promise<RgbImage> {
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

  try {
    const { data, info } = await sharp(input, {
      limitInputPixels: limits.maxPixels,
      failOn: 'warning',
    })
      .rotate()
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

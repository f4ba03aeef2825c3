import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { DEFAULT_FACE_ENGINE_CONFIG } from '../face.config';
import { ImageDecodeError, type ImageDecodeErrorCode } from '../face.errors';
import { decodeImage, decodePixels, inspectImage, sniffImageFormat } from './decode-image';

const limits = DEFAULT_FACE_ENGINE_CONFIG.decode;
const fixtures = join(__dirname, '../../../../test/fixtures/faces');
const groupPhoto = readFileSync(join(fixtures, 'bbt1.jpg'));

async function decodeError(bytes: Uint8Array): Promise<ImageDecodeError> {
  const outcome = await decodeImage(bytes, limits).then(
    () => null,
    (error: unknown) => error,
  );
  if (!(outcome instanceof ImageDecodeError))
    throw new Error(`Expected an ImageDecodeError, got ${String(outcome)}`);
  return outcome;
}

async function expectCode(bytes: Uint8Array, code: ImageDecodeErrorCode): Promise<void> {
  expect((await decodeError(bytes)).code).toBe(code);
}

/** A valid PNG whose IHDR (with a recomputed CRC) declares another size: a decompression bomb's header. */
function pngDeclaring(png: Buffer, width: number, height: number): Buffer {
  const patched = Buffer.from(png);
  patched.writeUInt32BE(width, 16);
  patched.writeUInt32BE(height, 20);
  patched.writeUInt32BE(crc32(patched.subarray(12, 29)), 29);
  return patched;
}

/** A valid JPEG whose start-of-frame declares another size. */
function jpegDeclaring(jpeg: Buffer, width: number, height: number): Buffer {
  const patched = Buffer.from(jpeg);
  for (let i = 2; i < patched.length - 9;) {
    if (patched[i] !== 0xff) throw new Error('lost JPEG marker sync');
    const marker = patched[i + 1]!;
    const length = patched.readUInt16BE(i + 2);
    if (marker >= 0xc0 && marker <= 0xc2) {
      patched.writeUInt16BE(height, i + 5);
      patched.writeUInt16BE(width, i + 7);
      return patched;
    }
    i += 2 + length;
  }
  throw new Error('no start-of-frame marker');
}

/** Fails the test instead of hanging it. */
function withinSeconds<T>(promise: Promise<T>, seconds: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`decodeImage did not settle within ${seconds} s`)),
      seconds * 1000,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe('decodeImage', () => {
  let smallPng: Buffer;
  let smallJpeg: Buffer;
  let smallWebp: Buffer;

  beforeAll(async () => {
    const source = sharp(groupPhoto).resize(96, 64);
    smallPng = await source.clone().png().toBuffer();
    smallJpeg = await source.clone().jpeg().toBuffer();
    smallWebp = await source.clone().webp().toBuffer();
  });

  it('decodes JPEG, PNG and WebP to 8-bit RGB', async () => {
    for (const bytes of [smallJpeg, smallPng, smallWebp]) {
      const image = await decodeImage(bytes, limits);
      expect([image.width, image.height]).toEqual([96, 64]);
      expect(image.data.length).toBe(96 * 64 * 3);
    }
  });

  it('turns grey, grey+alpha, RGBA and 16-bit images into 3-channel 8-bit pixels', async () => {
    const grey = readFileSync(join(fixtures, 'amy/amy1.png'));
    const variants = [
      grey,
      await sharp(grey).ensureAlpha().png().toBuffer(),
      await sharp(smallPng).ensureAlpha(0.5).png().toBuffer(),
      await sharp(smallPng).toColourspace('rgb16').png().toBuffer(),
    ];
    for (const bytes of variants) {
      const image = await decodeImage(bytes, limits);
      expect(image.data.length).toBe(image.width * image.height * 3);
    }
    const sixteenBit = await decodeImage(variants[3]!, limits);
    const eightBit = await decodeImage(smallPng, limits);
    expect(Math.abs(sixteenBit.data[0]! - eightBit.data[0]!)).toBeLessThanOrEqual(1);
  });

  it('applies the EXIF orientation', async () => {
    const rotated = await sharp(smallPng).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const image = await decodeImage(rotated, limits);
    expect([image.width, image.height]).toEqual([64, 96]);
  });

  it('decodes a band of rows as the same pixels as those rows of the whole image, EXIF orientation applied', async () => {
    const rotated = await sharp(groupPhoto).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    for (const photo of [groupPhoto, rotated]) {
      const header = await inspectImage(photo, limits);
      const whole = await decodePixels(photo, limits, header);
      const band = { top: 37, height: Math.round(header.height / 3) };
      const rows = await decodePixels(photo, limits, header, 1, band);
      expect([rows.width, rows.height]).toEqual([header.width, band.height]);
      const rowBytes = header.width * 3;
      const expected = whole.data.subarray(
        band.top * rowBytes,
        (band.top + band.height) * rowBytes,
      );
      expect(Buffer.from(rows.data).equals(Buffer.from(expected))).toBe(true);
    }
    const header = await inspectImage(groupPhoto, limits);
    await expect(
      decodePixels(groupPhoto, limits, header, 0.5, { top: 0, height: 10 }),
    ).rejects.toBeInstanceOf(RangeError);
  });

  it('refuses an empty buffer', async () => {
    await expectCode(Buffer.alloc(0), 'empty');
  });

  it('refuses a truncated JPEG', async () => {
    await expectCode(groupPhoto.subarray(0, Math.floor(groupPhoto.length / 2)), 'truncated');
    await expectCode(groupPhoto.subarray(0, 300), 'truncated');
  });

  it('refuses a 1x1 image as too small', async () => {
    const onePixel = await sharp({
      create: { width: 1, height: 1, channels: 3, background: '#888' },
    })
      .png()
      .toBuffer();
    await expectCode(onePixel, 'too_small');
  });

  it('refuses images declaring 20000x20000 pixels before decoding them', async () => {
    const pngBomb = pngDeclaring(smallPng, 20000, 20000);
    const jpegBomb = jpegDeclaring(smallJpeg, 20000, 20000);
    for (const bomb of [pngBomb, jpegBomb]) {
      const error = await decodeError(bomb);
      expect(error.code).toBe('too_large');
      expect(error.message).toContain('20000x20000');
    }
  });

  it('refuses more compressed bytes than the limit without parsing them', async () => {
    const error = await decodeImage(smallJpeg, { ...limits, maxBytes: 100 }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ImageDecodeError);
    expect((error as ImageDecodeError).code).toBe('too_large');
  });

  it('refuses random bytes, a PDF, a GIF and an SVG as unsupported formats', async () => {
    const randomBytes = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251));
    const pdf = Buffer.from(
      '%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n',
    );
    const gif = await sharp(smallPng).gif().toBuffer();
    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64"/></svg>',
    );
    for (const bytes of [randomBytes, pdf, gif, svg]) await expectCode(bytes, 'unsupported_format');
  });

  it('refuses a JPEG header followed by garbage', async () => {
    const garbage = Buffer.concat([smallJpeg.subarray(0, 20), Buffer.alloc(2000, 0x5a)]);
    const error = await decodeError(garbage);
    expect(['corrupt', 'truncated']).toContain(error.code);
  });

  it('recognises formats by their magic bytes', () => {
    expect(sniffImageFormat(smallJpeg)).toBe('jpeg');
    expect(sniffImageFormat(smallPng)).toBe('png');
    expect(sniffImageFormat(smallWebp)).toBe('webp');
    expect(sniffImageFormat(Buffer.from('%PDF-1.7'))).toBeNull();
  });

  describe('fuzzing the decoder boundary', () => {
    /** Whatever the bytes, decodeImage either yields consistent RGB or rejects with an ImageDecodeError. */
    async function decodesOrRefuses(bytes: Uint8Array): Promise<void> {
      const outcome = await withinSeconds(
        decodeImage(bytes, limits).then(
          (image) => ({ image }),
          (error: unknown) => ({ error }),
        ),
        10,
      );
      if ('error' in outcome) {
        if (outcome.error instanceof ImageDecodeError) return;
        throw outcome.error;
      }
      expect(outcome.image.data.length).toBe(outcome.image.width * outcome.image.height * 3);
    }

    it('never throws anything but ImageDecodeError on arbitrary bytes, with or without an image signature', async () => {
      const signatures = [
        Buffer.alloc(0),
        Buffer.from([0xff, 0xd8, 0xff]),
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
        Buffer.from('RIFF\x00\x01\x00\x00WEBPVP8 ', 'latin1'),
      ];
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...signatures),
          fc.uint8Array({ maxLength: 4096 }),
          (signature, tail) => decodesOrRefuses(Buffer.concat([signature, tail])),
        ),
        { numRuns: 300 },
      );
    });

    it('never throws anything but ImageDecodeError on mutated JPEG, PNG and WebP files', async () => {
      const mutation = fc.record({
        original: fc.constantFrom(smallJpeg, smallPng, smallWebp),
        cut: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
        flips: fc.array(
          fc.tuple(
            fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
            fc.integer({ min: 0, max: 255 }),
          ),
          {
            maxLength: 12,
          },
        ),
      });
      await fc.assert(
        fc.asyncProperty(mutation, async ({ original, cut, flips }) => {
          const bytes = Buffer.from(original);
          for (const [position, value] of flips) bytes[Math.floor(position * bytes.length)] = value;
          await decodesOrRefuses(
            cut === undefined ? bytes : bytes.subarray(0, Math.floor(cut * bytes.length)),
          );
        }),
        { numRuns: 300 },
      );
    });

    it('refuses every declared size beyond the pixel limit, whatever the aspect', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 65535 }),
          fc.integer({ min: 1, max: 65535 }),
          async (width, height) => {
            fc.pre(width * height > limits.maxPixels);
            await expectCode(pngDeclaring(smallPng, width, height), 'too_large');
          },
        ),
        { numRuns: 100 },
      );
    });
  });
});

import sharp from 'sharp';
import type { AlignedCrop } from '../face.types';

/** JPEG quality of aligned-crop thumbnails: faces stay recognisable for an operator at about 5 KB. */
export const ALIGNED_CROP_JPEG_QUALITY = 90;

/**
 * The aligned crop as a JPEG, encoded by libvips in its own threads (the caller's event loop is not
 * blocked). Optimised Huffman tables would save a few hundred bytes for 40% more encoding CPU.
 */
export async function encodeAlignedCrop(crop: AlignedCrop): Promise<Buffer> {
  if (crop.data.length !== crop.width * crop.height * crop.channels) {
    throw new RangeError(
      `An aligned crop of ${crop.width}x${crop.height}x${crop.channels} needs ${
        crop.width * crop.height * crop.channels
      } bytes, got ${crop.data.length}.`,
    );
  }
  return sharp(crop.data, {
    raw: { width: crop.width, height: crop.height, channels: crop.channels },
  })
    .jpeg({ quality: ALIGNED_CROP_JPEG_QUALITY, optimiseCoding: false })
    .toBuffer();
}

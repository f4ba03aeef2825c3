import { ALIGNED_FACE_SIZE } from './alignment';
import { featureInput } from './embedder';

const PLANE = ALIGNED_FACE_SIZE * ALIGNED_FACE_SIZE;
const crop = Uint8Array.from({ length: PLANE * 3 }, (_, i) => (i * 31) % 256);

describe('featureInput', () => {
  it('writes planar RGB at (v - 127) / 128', () => {
    const input = featureInput(crop, false);
    for (const pixel of [0, 1, 113, PLANE - 1]) {
      for (let channel = 0; channel < 3; channel++) {
        expect(input[channel * PLANE + pixel]).toBe(
          Math.fround((crop[pixel * 3 + channel]! - 127) / 128),
        );
      }
    }
  });

  it('mirrors each row when asked', () => {
    const input = featureInput(crop, true);
    const row = 5;
    const x = 7;
    const mirroredPixel = row * ALIGNED_FACE_SIZE + (ALIGNED_FACE_SIZE - 1 - x);
    expect(input[PLANE + row * ALIGNED_FACE_SIZE + x]).toBe(
      Math.fround((crop[mirroredPixel * 3 + 1]! - 127) / 128),
    );
  });

  it('overwrites a reused buffer completely, and refuses one of the wrong size', () => {
    const reused = new Float32Array(3 * PLANE).fill(9);
    expect(featureInput(crop, false, reused)).toBe(reused);
    expect(Array.from(reused)).toEqual(Array.from(featureInput(crop, false)));
    expect(() => featureInput(crop, false, new Float32Array(3))).toThrow(RangeError);
  });
});

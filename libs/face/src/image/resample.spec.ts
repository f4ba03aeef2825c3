import fc from 'fast-check';
import {
  AffineMatrix,
  composeAffine,
  invertAffine,
  resampleRegion,
  resampleRegionToLuma,
  rgbToGrey,
  warpAffineBilinear,
} from './resample';

const checkerboard = (size: number): Uint8Array =>
  Uint8Array.from({ length: size * size }, (_, i) =>
    ((i % size) + Math.floor(i / size)) % 2 === 0 ? 0 : 255,
  );

describe('resampleRegion', () => {
  it('averages areas when shrinking, so a one-pixel checkerboard becomes flat grey instead of aliasing', () => {
    const shrunk = resampleRegion(
      { width: 64, height: 64, channels: 1, data: checkerboard(64) },
      { x: 0, y: 0, width: 64, height: 64 },
      10,
      10,
    );
    for (const value of shrunk) expect(value).toBeCloseTo(127.5, 0);
  });

  it('preserves the mean brightness for any shrink factor', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 4, max: 40 }),
        fc.integer({ min: 4, max: 40 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        (width, height, fx, fy) => {
          const data = Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 37) % 256);
          const out = resampleRegion(
            { width, height, channels: 3, data },
            { x: 0, y: 0, width, height },
            Math.ceil(width / fx),
            Math.ceil(height / fy),
          );
          const mean = (values: ArrayLike<number>): number =>
            Array.from(values).reduce((s, v) => s + v, 0) / values.length;
          // Equal-sized output cells cover equal source areas, so means agree.
          expect(mean(out)).toBeCloseTo(mean(data), 0);
        },
      ),
    );
  });

  it('reads the requested region, repeating edge pixels outside the image', () => {
    const data = Uint8Array.from({ length: 16 }, (_, i) => i * 10);
    const inside = resampleRegion(
      { width: 4, height: 4, channels: 1, data },
      { x: 1, y: 2, width: 2, height: 1 },
      2,
      1,
    );
    expect(Array.from(inside)).toEqual([90, 100]);
    const outside = resampleRegion(
      { width: 4, height: 4, channels: 1, data },
      { x: -2, y: 0, width: 1, height: 1 },
      1,
      1,
    );
    expect(Array.from(outside)).toEqual([0]);
  });

  it('keeps a constant image constant when enlarging', () => {
    const data = new Uint8Array(5 * 5 * 3).fill(200);
    const out = resampleRegion(
      { width: 5, height: 5, channels: 3, data },
      { x: 0, y: 0, width: 5, height: 5 },
      17,
      13,
    );
    for (const value of out) expect(value).toBeCloseTo(200, 4);
  });
});

describe('resampleRegionToLuma', () => {
  it('equals resampling the RGB region and then taking BT.601 luma', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 30 }),
        fc.integer({ min: 3, max: 30 }),
        fc.record({
          x: fc.double({ min: -5, max: 20, noNaN: true }),
          y: fc.double({ min: -5, max: 20, noNaN: true }),
          width: fc.double({ min: 1, max: 40, noNaN: true }),
          height: fc.double({ min: 1, max: 40, noNaN: true }),
        }),
        fc.integer({ min: 1, max: 24 }),
        fc.integer({ min: 1, max: 24 }),
        (width, height, region, outWidth, outHeight) => {
          const data = Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 41) % 256);
          const source = { width, height, channels: 3, data };
          const rgb = resampleRegion(source, region, outWidth, outHeight);
          const luma = resampleRegionToLuma(source, region, outWidth, outHeight);
          expect(luma).toHaveLength(outWidth * outHeight);
          luma.forEach((value, i) =>
            expect(value).toBeCloseTo(
              0.299 * rgb[i * 3]! + 0.587 * rgb[i * 3 + 1]! + 0.114 * rgb[i * 3 + 2]!,
              2,
            ),
          );
        },
      ),
    );
  });

  it('refuses a source that is not RGB', () => {
    expect(() =>
      resampleRegionToLuma(
        { width: 2, height: 2, channels: 1, data: new Uint8Array(4) },
        { x: 0, y: 0, width: 2, height: 2 },
        1,
        1,
      ),
    ).toThrow(RangeError);
  });
});

describe('affine helpers', () => {
  const matrix = fc
    .tuple(
      fc.double({ min: 0.2, max: 5, noNaN: true }),
      fc.double({ min: -Math.PI, max: Math.PI, noNaN: true }),
      fc.double({ min: -100, max: 100, noNaN: true }),
      fc.double({ min: -100, max: 100, noNaN: true }),
    )
    .map(([scale, angle, tx, ty]): AffineMatrix => [
      scale * Math.cos(angle),
      -scale * Math.sin(angle),
      tx,
      scale * Math.sin(angle),
      scale * Math.cos(angle),
      ty,
    ]);

  it('inverts: composing a matrix with its inverse is the identity', () => {
    fc.assert(
      fc.property(matrix, (m) => {
        const identity = composeAffine(invertAffine(m), m);
        [1, 0, 0, 0, 1, 0].forEach((expected, i) => expect(identity[i]).toBeCloseTo(expected, 6));
      }),
    );
  });

  it('warps with the identity to the same pixels, and with a shift to shifted pixels', () => {
    const data = Uint8Array.from({ length: 8 * 8 * 3 }, (_, i) => (i * 13) % 256);
    const source = { width: 8, height: 8, channels: 3, data };
    expect(Array.from(warpAffineBilinear(source, [1, 0, 0, 0, 1, 0], 8, 8))).toEqual(
      Array.from(data),
    );
    const shifted = warpAffineBilinear(source, [1, 0, 1, 0, 1, 0], 7, 8);
    expect(Array.from(shifted.subarray(0, 3))).toEqual(Array.from(data.subarray(3, 6)));
  });

  it('warps RGB (its unrolled fast path) exactly as each channel warped on its own', () => {
    fc.assert(
      fc.property(
        matrix,
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 12 }),
        (m, width, height) => {
          const data = Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 29) % 256);
          const rgb = warpAffineBilinear({ width, height, channels: 3, data }, m, 9, 7);
          for (let channel = 0; channel < 3; channel++) {
            const plane = data.filter((_, i) => i % 3 === channel);
            const warped = warpAffineBilinear({ width, height, channels: 1, data: plane }, m, 9, 7);
            expect(Array.from(rgb.filter((_, i) => i % 3 === channel))).toEqual(Array.from(warped));
          }
        },
      ),
    );
  });

  it('writes into a given output buffer, and refuses one too small', () => {
    const source = { width: 4, height: 4, channels: 3, data: new Uint8Array(48).fill(9) };
    const out = new Uint8Array(48);
    expect(warpAffineBilinear(source, [1, 0, 0, 0, 1, 0], 4, 4, out)).toBe(out);
    expect(Array.from(out)).toEqual(Array.from(source.data));
    expect(() => warpAffineBilinear(source, [1, 0, 0, 0, 1, 0], 4, 4, new Uint8Array(47))).toThrow(
      RangeError,
    );
  });
});

describe('rgbToGrey', () => {
  it('uses BT.601 weights', () => {
    expect(
      Array.from(rgbToGrey(Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255]), 4)),
    ).toEqual([76, 150, 29, 255]);
  });
});

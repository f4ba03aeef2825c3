import fc from 'fast-check';
import { DEFAULT_FACE_ENGINE_CONFIG } from '../face.config';
import type { Box } from '../face.types';
import {
  comparePrimaryFirst,
  decodeDetections,
  Detection,
  DETECTOR_INPUT_HEIGHT,
  DETECTOR_INPUT_WIDTH,
  detectorInput,
  LEVEL_SLACK,
  nonMaximumSuppression,
  passWindow,
  planDetectorPasses,
} from './detector';

const detection = DEFAULT_FACE_ENGINE_CONFIG.detection;

describe('planDetectorPasses', () => {
  it('looks at a 1920x1080 frame whole and as six 800x600 tiles, where a 40 px face is 16 px wide', () => {
    const passes = planDetectorPasses(1920, 1080, 40, detection);
    expect(passes).toHaveLength(7);
    expect(passes[0]!.region).toEqual({ x: 0, y: 0, width: 1920, height: 1080 });
    for (const tile of passes.slice(1)) {
      expect(tile.scale * 40).toBeCloseTo(16);
      expect([tile.region.width, tile.region.height]).toEqual([800, 600]);
    }
  });

  it('needs one pass for an image that already shows a 40 px face at 16 px', () => {
    expect(planDetectorPasses(640, 480, 40, detection)).toHaveLength(1);
    expect(planDetectorPasses(150, 150, 40, detection)).toHaveLength(1);
  });

  it('shows every face from the minimum size up whole, at a detectable size, in some pass', () => {
    const scene = fc
      .record({
        width: fc.integer({ min: 64, max: 2600 }),
        height: fc.integer({ min: 64, max: 1600 }),
      })
      .chain(({ width, height }) =>
        fc.record({
          width: fc.constant(width),
          height: fc.constant(height),
          size: fc.integer({ min: 40, max: Math.max(40, Math.min(width, height)) }),
          fx: fc.double({ min: 0, max: 1, noNaN: true }),
          fy: fc.double({ min: 0, max: 1, noNaN: true }),
        }),
      );
    fc.assert(
      fc.property(scene, ({ width, height, size, fx, fy }) => {
        fc.pre(size <= Math.min(width, height));
        const face: Box = {
          x: fx * (width - size),
          y: fy * (height - size),
          width: size,
          height: size,
        };
        const passes = planDetectorPasses(width, height, 40, detection);
        expect(passes.length).toBeLessThanOrEqual(detection.maxTiles + 1);
        const seenWhole = passes.some(
          ({ region, scale }) =>
            size * scale >= detection.detectorMinFacePx / LEVEL_SLACK - 1e-9 &&
            face.x >= region.x &&
            face.y >= region.y &&
            face.x + size <= region.x + region.width &&
            face.y + size <= region.y + region.height,
        );
        expect(seenWhole).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('caps the number of tiles on huge images by raising the smallest face it looks for', () => {
    const passes = planDetectorPasses(6000, 6000, 40, detection);
    expect(passes.length).toBeLessThanOrEqual(detection.maxTiles + 1);
  });
});

describe('detectorInput and passWindow', () => {
  it('copies the window into the top-left, normalised to (v - 127) / 128, and pads with 0', () => {
    const level = { width: 400, height: 300, data: new Uint8Array(400 * 300 * 3).fill(255) };
    const window = passWindow(
      { region: { x: 0, y: 0, width: 400, height: 300 }, scale: 1 },
      level,
      400,
      300,
    );
    expect(window).toEqual({
      x: 0,
      y: 0,
      width: DETECTOR_INPUT_WIDTH,
      height: DETECTOR_INPUT_HEIGHT,
    });
    const tensor = detectorInput(
      { ...level, width: 100, height: 50, data: new Uint8Array(100 * 50 * 3).fill(255) },
      { x: 0, y: 0, width: 100, height: 50 },
    );
    expect(tensor[0]).toBeCloseTo(1, 6);
    expect(tensor[99]).toBeCloseTo(1, 6);
    expect(tensor[100]).toBe(0);
    expect(tensor[50 * DETECTOR_INPUT_WIDTH]).toBe(0);
  });

  it('reuses a given input buffer, clearing what the previous window left in the padding', () => {
    const data = Uint8Array.from({ length: 120 * 90 * 3 }, (_, i) => (i * 7) % 256);
    const level = { width: 120, height: 90, data };
    const window = { x: 10, y: 5, width: 100, height: 60 };
    const fresh = detectorInput(level, window);
    const reused = new Float32Array(3 * DETECTOR_INPUT_WIDTH * DETECTOR_INPUT_HEIGHT).fill(0.75);
    expect(detectorInput(level, window, reused)).toBe(reused);
    expect(Array.from(reused)).toEqual(Array.from(fresh));
    // (v - 127) / 128 exactly, channel planes in order.
    const at = (5 * 120 + 10) * 3;
    expect(fresh[0]).toBe(Math.fround((data[at]! - 127) / 128));
    expect(fresh[DETECTOR_INPUT_WIDTH * DETECTOR_INPUT_HEIGHT]).toBe(
      Math.fround((data[at + 1]! - 127) / 128),
    );
    expect(() => detectorInput(level, window, new Float32Array(10))).toThrow(RangeError);
  });
});

describe('decodeDetections', () => {
  const oneCandidate = (score: number, corners: [number, number, number, number]) => ({
    scores: Float32Array.from([1 - score, score]),
    boxes: Float32Array.from(corners),
  });

  it('maps decoded corner boxes from the input back to source pixels', () => {
    const { scores, boxes } = oneCandidate(0.99, [0.25, 0.25, 0.5, 0.5]);
    const window = { x: 0, y: 0, width: 320, height: 180 };
    const [found] = decodeDetections(
      scores,
      boxes,
      window,
      { width: 320, height: 180 },
      { width: 1920, height: 1080 },
      detection,
    );
    expect(found!.score).toBeCloseTo(0.99);
    expect(found!.box.x).toBeCloseTo(80 * 6);
    expect(found!.box.y).toBeCloseTo(60 * 6);
    expect(found!.box.width).toBeCloseTo(80 * 6);
    expect(found!.box.height).toBeCloseTo(60 * 6);
  });

  it('drops low scores, boxes centred in the padding, and boxes cut by an inner tile edge', () => {
    const source = { width: 1920, height: 1080 };
    const level = { width: 768, height: 432 };
    const tile = { x: 100, y: 100, width: 320, height: 240 };
    const decode = (score: number, corners: [number, number, number, number], window = tile) => {
      const { scores, boxes } = oneCandidate(score, corners);
      return decodeDetections(scores, boxes, window, level, source, detection);
    };
    expect(decode(0.5, [0.4, 0.4, 0.5, 0.5])).toHaveLength(0);
    expect(decode(0.99, [0.4, 0.4, 0.5, 0.5])).toHaveLength(1);
    expect(decode(0.99, [0, 0.4, 0.1, 0.5])).toHaveLength(0);
    expect(decode(0.99, [0.9, 0.4, 1.0, 0.5])).toHaveLength(0);
    const wholeImage = { x: 0, y: 0, width: 320, height: 180 };
    expect(decode(0.99, [0, 0.4, 0.1, 0.5], wholeImage)).toHaveLength(1);
    expect(decode(0.99, [0.4, 0.8, 0.5, 0.9], wholeImage)).toHaveLength(0);
  });
});

describe('nonMaximumSuppression', () => {
  const at = (x: number, y: number, size: number, score: number): Detection => ({
    box: { x, y, width: size, height: size },
    score,
  });

  it('keeps the best of overlapping boxes and every separate face', () => {
    const kept = nonMaximumSuppression(
      [at(0, 0, 100, 0.9), at(5, 5, 100, 0.95), at(300, 0, 100, 0.8)],
      0.4,
    );
    expect(kept.map((d) => d.score)).toEqual([0.95, 0.8]);
  });

  it('drops a small box inside a better face (an eye taken for a face)', () => {
    const kept = nonMaximumSuppression([at(0, 0, 150, 1), at(90, 40, 30, 0.85)], 0.4);
    expect(kept).toHaveLength(1);
  });

  it('keeps faces that only touch', () => {
    expect(nonMaximumSuppression([at(0, 0, 100, 1), at(80, 0, 100, 0.9)], 0.4)).toHaveLength(2);
  });
});

describe('comparePrimaryFirst', () => {
  it('ranks by score, and by size only among near-equal scores', () => {
    const bigBlurredBackground = { box: { x: 0, y: 0, width: 300, height: 300 }, score: 0.8 };
    const realFace = { box: { x: 0, y: 0, width: 100, height: 100 }, score: 0.99 };
    const realFaceLarger = { box: { x: 0, y: 0, width: 120, height: 120 }, score: 0.987 };
    expect([bigBlurredBackground, realFace, realFaceLarger].sort(comparePrimaryFirst)).toEqual([
      realFaceLarger,
      realFace,
      bigBlurredBackground,
    ]);
  });
});

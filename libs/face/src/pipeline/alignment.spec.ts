import fc from 'fast-check';
import type { Point } from '../face.types';
import {
  applyAffine,
  ARCFACE_REFERENCE_POINTS,
  estimateSimilarity,
  fivePointsFrom68,
  similarityScale,
} from './alignment';

const similarity = fc.record({
  scale: fc.double({ min: 0.05, max: 20, noNaN: true }),
  angle: fc.double({ min: -Math.PI, max: Math.PI, noNaN: true }),
  tx: fc.double({ min: -2000, max: 2000, noNaN: true }),
  ty: fc.double({ min: -2000, max: 2000, noNaN: true }),
});

describe('estimateSimilarity', () => {
  it('recovers any exact similarity from the five reference points', () => {
    fc.assert(
      fc.property(similarity, ({ scale, angle, tx, ty }) => {
        const cos = scale * Math.cos(angle);
        const sin = scale * Math.sin(angle);
        const moved = ARCFACE_REFERENCE_POINTS.map((p) => ({
          x: cos * p.x - sin * p.y + tx,
          y: sin * p.x + cos * p.y + ty,
        }));
        const back = estimateSimilarity(moved, ARCFACE_REFERENCE_POINTS);
        moved.forEach((point, i) => {
          const mapped = applyAffine(back, point);
          expect(mapped.x).toBeCloseTo(ARCFACE_REFERENCE_POINTS[i]!.x, 5);
          expect(mapped.y).toBeCloseTo(ARCFACE_REFERENCE_POINTS[i]!.y, 5);
        });
        expect(similarityScale(back)).toBeCloseTo(1 / scale, 5);
      }),
    );
  });

  it('is the least-squares fit: no small change of the answer lowers the residual', () => {
    const noisy: Point[] = ARCFACE_REFERENCE_POINTS.map((p, i) => ({
      x: p.x * 2 + 30 + (i % 2 ? 1.5 : -1),
      y: p.y * 2 - 10 + (i % 3) - 1,
    }));
    const best = estimateSimilarity(noisy, ARCFACE_REFERENCE_POINTS);
    const residual = (m: readonly number[]): number =>
      noisy.reduce((sum, p, i) => {
        const r = ARCFACE_REFERENCE_POINTS[i]!;
        return (
          sum +
          (m[0]! * p.x + m[1]! * p.y + m[2]! - r.x) ** 2 +
          (m[3]! * p.x + m[4]! * p.y + m[5]! - r.y) ** 2
        );
      }, 0);
    const [a, negB, c, b, , f] = best;
    const base = residual(best);
    for (const [da, db, dc, df] of [
      [1e-3, 0, 0, 0],
      [0, 1e-3, 0, 0],
      [0, 0, 0.05, 0],
      [0, 0, 0, 0.05],
      [-1e-3, 0, 0, 0],
      [0, -1e-3, 0, 0],
    ]) {
      const a2 = a + da!;
      const b2 = b + db!;
      expect(residual([a2, -b2, c + dc!, b2, a2, f + df!])).toBeGreaterThan(base);
    }
    expect(negB).toBeCloseTo(-b, 12);
  });

  it('never reflects: mirrored points give a rotation, not a flip', () => {
    const mirrored = ARCFACE_REFERENCE_POINTS.map((p) => ({ x: -p.x, y: p.y }));
    const [a, b, , d, e] = estimateSimilarity(mirrored, ARCFACE_REFERENCE_POINTS);
    expect(a * e - b * d).toBeGreaterThanOrEqual(0);
  });
});

describe('fivePointsFrom68', () => {
  it('takes eye centres, the nose tip and the mouth corners', () => {
    const landmarks = Array.from({ length: 68 }, (_, i) => ({ x: i, y: 2 * i }));
    expect(fivePointsFrom68(landmarks)).toEqual([
      { x: 38.5, y: 77 },
      { x: 44.5, y: 89 },
      { x: 30, y: 60 },
      { x: 48, y: 96 },
      { x: 54, y: 108 },
    ]);
  });

  it('refuses anything but 68 points', () => {
    expect(() => fivePointsFrom68([{ x: 0, y: 0 }])).toThrow(RangeError);
  });
});

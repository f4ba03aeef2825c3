import { DEFAULT_FACE_ENGINE_CONFIG } from '../face.config';
import type { Point } from '../face.types';
import { ALIGNED_FACE_SIZE } from './alignment';
import { estimateHeadPose, judgeQuality, laplacianVariance, QualityMeasurements } from './quality';

/** A symmetric, upright, frontal 68-point face: jaw at x = ±50, eyes at y = 0, mouth at y = 50. */
function frontalLandmarks(noseY = 28.5): Point[] {
  const points: Point[] = Array.from({ length: 68 }, () => ({ x: 0, y: 0 }));
  for (let i = 0; i <= 16; i++)
    points[i] = { x: -50 + (100 * i) / 16, y: 20 + Math.sin((Math.PI * i) / 16) * 60 };
  for (let i = 36; i < 42; i++) points[i] = { x: -25 + (i - 38.5) * 2, y: 0 };
  for (let i = 42; i < 48; i++) points[i] = { x: 25 + (i - 44.5) * 2, y: 0 };
  points[30] = { x: 0, y: noseY };
  points[48] = { x: -20, y: 50 };
  points[54] = { x: 20, y: 50 };
  return points;
}

const rotate = (points: Point[], degrees: number): Point[] => {
  const r = (degrees * Math.PI) / 180;
  return points.map((p) => ({
    x: p.x * Math.cos(r) - p.y * Math.sin(r),
    y: p.x * Math.sin(r) + p.y * Math.cos(r),
  }));
};

describe('estimateHeadPose', () => {
  it('reads a symmetric face as frontal, whatever its roll', () => {
    for (const roll of [-30, 0, 20]) {
      const pose = estimateHeadPose(rotate(frontalLandmarks(), roll));
      expect(Math.abs(pose.yawDeg)).toBeLessThan(1);
      expect(Math.abs(pose.pitchDeg)).toBeLessThan(1);
      expect(pose.rollDeg).toBeCloseTo(roll, 5);
    }
  });

  it('reads a nose shifted towards one cheek as yaw, with the sign of the shift', () => {
    const turned = frontalLandmarks();
    turned[30] = { x: 25, y: turned[30]!.y };
    expect(estimateHeadPose(turned).yawDeg).toBeGreaterThan(25);
    turned[30] = { x: -25, y: turned[30]!.y };
    expect(estimateHeadPose(turned).yawDeg).toBeLessThan(-25);
  });

  it('reads a nose tip close to the eye line as chin up, close to the mouth as chin down', () => {
    expect(estimateHeadPose(frontalLandmarks(12)).pitchDeg).toBeGreaterThan(20);
    expect(estimateHeadPose(frontalLandmarks(42)).pitchDeg).toBeLessThan(-20);
  });
});

describe('laplacianVariance', () => {
  const crop = (pixel: (x: number, y: number) => number): Uint8Array => {
    const rgb = new Uint8Array(ALIGNED_FACE_SIZE * ALIGNED_FACE_SIZE * 3);
    for (let y = 0; y < ALIGNED_FACE_SIZE; y++) {
      for (let x = 0; x < ALIGNED_FACE_SIZE; x++)
        rgb.fill(pixel(x, y), (y * ALIGNED_FACE_SIZE + x) * 3, (y * ALIGNED_FACE_SIZE + x) * 3 + 3);
    }
    return rgb;
  };

  it('is zero on a flat or linear crop and grows with fine detail', () => {
    expect(laplacianVariance(crop(() => 128))).toBeCloseTo(0, 6);
    expect(laplacianVariance(crop((x) => x * 2))).toBeCloseTo(0, 3);
    const sharp = laplacianVariance(crop((x, y) => (((x >> 1) + (y >> 1)) % 2 ? 200 : 50)));
    const soft = laplacianVariance(crop((x, y) => 125 + 75 * Math.sin(x / 6) * Math.sin(y / 6)));
    expect(sharp).toBeGreaterThan(soft * 10);
  });
});

describe('judgeQuality', () => {
  const gates = DEFAULT_FACE_ENGINE_CONFIG.quality;
  const good: QualityMeasurements = {
    score: 0.99,
    faceWidthPx: 80,
    interocularPx: 30,
    pose: { yawDeg: 5, pitchDeg: -3, rollDeg: 2 },
    sharpness: 300,
    liveness: null,
  };

  it('passes a good face with no reasons', () => {
    expect(judgeQuality(good, gates)).toMatchObject({ passed: true, reasons: [] });
  });

  it('names every failed gate', () => {
    const verdict = judgeQuality(
      {
        ...good,
        score: 0.75,
        faceWidthPx: 20,
        pose: { yawDeg: -60, pitchDeg: 50, rollDeg: 0 },
        sharpness: 5,
        liveness: 0.1,
      },
      gates,
    );
    expect(verdict.passed).toBe(false);
    expect(verdict.reasons).toEqual([
      'low_score',
      'too_small',
      'yaw',
      'pitch',
      'blurry',
      'not_live',
    ]);
  });

  it('ignores liveness when it was not measured', () => {
    expect(judgeQuality({ ...good, liveness: null }, gates).passed).toBe(true);
  });
});

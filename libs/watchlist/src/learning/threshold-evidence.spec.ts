import fc from 'fast-check';
import {
  candidateThresholds,
  DecidedHit,
  thresholdEvidence,
  wilsonInterval,
} from './threshold-evidence';

describe('wilsonInterval', () => {
  // reference values: R binom::binom.confint(x, n, method = "wilson") and
  // statsmodels proportion_confint(x, n, method="wilson")
  it.each([
    [8, 10, 0.4901625, 0.9433178],
    [0, 10, 0, 0.2775328],
    [10, 10, 0.7224672, 1],
    [50, 100, 0.4038315, 0.5961685],
    [1, 2, 0.0945312, 0.9054688],
  ])('%i of %i: [%f, %f]', (x, n, low, high) => {
    const interval = wilsonInterval(x, n)!;
    expect(interval.low).toBeCloseTo(low, 6);
    expect(interval.high).toBeCloseTo(high, 6);
  });

  it('knows nothing from no trials', () => {
    expect(wilsonInterval(0, 0)).toBeNull();
  });

  it('always holds the observed proportion, within [0, 1]', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (n, f) => {
          const x = Math.floor(f * n);
          const { low, high } = wilsonInterval(x, n)!;
          expect(low).toBeGreaterThanOrEqual(0);
          expect(high).toBeLessThanOrEqual(1);
          expect(low).toBeLessThanOrEqual(x / n + 1e-12);
          expect(high).toBeGreaterThanOrEqual(x / n - 1e-12);
        },
      ),
    );
  });
});

describe('thresholdEvidence', () => {
  // a hand-computed history: 20 decided hits of one list over 10 days, and 5 undecided
  const decided: DecidedHit[] = [
    ...[0.41, 0.42, 0.43, 0.44, 0.45, 0.46, 0.47, 0.48].map((s) => ({
      similarity: s,
      confirmed: false,
    })),
    ...[0.44, 0.52, 0.55, 0.58, 0.61, 0.64, 0.67, 0.7, 0.73, 0.76, 0.8, 0.9].map((s) => ({
      similarity: s,
      confirmed: true,
    })),
  ];
  const undecided = [0.41, 0.43, 0.5, 0.6, 0.95];
  const evidence = thresholdEvidence({
    current: 0.4,
    decided,
    hitSimilarities: [...decided.map((d) => d.similarity), ...undecided],
    days: 10,
    targetPrecision: 0.75,
    candidates: [0.45, 0.5],
  });

  it('counts at the current threshold', () => {
    // 12 confirmed, 8 rejected: 0.6; 25 hits in 10 days
    expect(evidence.current).toMatchObject({
      threshold: 0.4,
      confirmed: 12,
      rejected: 8,
      alertsPerDay: 2.5,
    });
    expect(evidence.current.precision).toBeCloseTo(0.6, 12);
    const w = wilsonInterval(12, 20)!;
    expect(evidence.current.interval).toEqual(w);
    expect(w.low).toBeCloseTo(0.386582, 5);
    expect(w.high).toBeCloseTo(0.781193, 5);
  });

  it('counts at the candidates and suggests the lowest that reaches the target', () => {
    const at = (t: number) => evidence.candidates.find((p) => p.threshold === t)!;
    // >= 0.45: rejected 0.45..0.48 (4), confirmed all but 0.44 (11); hits: 15 + 0.5, 0.6, 0.95
    expect(at(0.45)).toMatchObject({ confirmed: 11, rejected: 4, alertsPerDay: 1.8 });
    // >= 0.5: 11 confirmed, 0 rejected: lower bound of 11/11 is 0.7412 < 0.75...
    expect(at(0.5)).toMatchObject({ confirmed: 11, rejected: 0, precision: 1, alertsPerDay: 1.4 });
    expect(at(0.5).interval!.low).toBeCloseTo(0.741165, 5);
    expect(evidence.suggested).toBeNull();
    const lower = thresholdEvidence({
      current: 0.4,
      decided,
      hitSimilarities: [],
      days: 10,
      targetPrecision: 0.7,
      candidates: [0.45, 0.5],
    });
    expect(lower.suggested).toBe(0.5);
  });

  it('lists candidate thresholds from where hits were raised', () => {
    const c = candidateThresholds(0.42);
    expect(c[0]).toBe(0.42);
    expect(c[c.length - 1]).toBe(0.99);
    expect(c).toHaveLength(58);
  });
});

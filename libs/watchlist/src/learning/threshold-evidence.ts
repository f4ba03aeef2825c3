/** z for a two-sided 95% interval. */
export const Z_95 = 1.959963984540054;

export interface Interval {
  readonly low: number;
  readonly high: number;
}

/** Wilson score interval of a proportion: successes out of trials, at z (95% by default).
 * Null with no trials: nothing is known. */
export function wilsonInterval(successes: number, trials: number, z = Z_95): Interval | null {
  if (trials <= 0) return null;
  const p = successes / trials;
  const z2 = z * z;
  const denominator = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

export interface DecidedHit {
  readonly similarity: number;
  readonly confirmed: boolean;
}

export interface ThresholdPoint {
  readonly threshold: number;
  /** Decided hits at or above the threshold, confirmed and rejected. */
  readonly confirmed: number;
  readonly rejected: number;
  /** confirmed / (confirmed + rejected); null when none was decided. */
  readonly precision: number | null;
  readonly interval: Interval | null;
  /** Hits (decided or not) at or above the threshold per day of the window. */
  readonly alertsPerDay: number;
}

export interface ThresholdEvidenceInput {
  readonly current: number;
  readonly decided: readonly DecidedHit[];
  /** Similarities of every hit of the window, decided or not. */
  readonly hitSimilarities: readonly number[];
  readonly days: number;
  readonly targetPrecision: number;
  /** Thresholds to evaluate besides the current one. */
  readonly candidates: readonly number[];
}

export interface ThresholdEvidence {
  readonly current: ThresholdPoint;
  readonly candidates: readonly ThresholdPoint[];
  /** The lowest candidate whose precision's lower 95% bound reaches the target (the most
   * alerts for that precision); null when no candidate does. */
  readonly suggested: number | null;
}

export function thresholdPoint(
  threshold: number,
  decided: readonly DecidedHit[],
  hitSimilarities: readonly number[],
  days: number,
): ThresholdPoint {
  let confirmed = 0;
  let rejected = 0;
  for (const hit of decided) {
    if (hit.similarity < threshold) continue;
    if (hit.confirmed) confirmed += 1;
    else rejected += 1;
  }
  const decidedAbove = confirmed + rejected;
  const alerts = hitSimilarities.filter((s) => s >= threshold).length;
  return {
    threshold,
    confirmed,
    rejected,
    precision: decidedAbove > 0 ? confirmed / decidedAbove : null,
    interval: wilsonInterval(confirmed, decidedAbove),
    alertsPerDay: days > 0 ? alerts / days : 0,
  };
}

export function thresholdEvidence(input: ThresholdEvidenceInput): ThresholdEvidence {
  const thresholds = [...new Set([input.current, ...input.candidates])].sort((a, b) => a - b);
  const points = thresholds.map((t) =>
    thresholdPoint(t, input.decided, input.hitSimilarities, input.days),
  );
  const suggested =
    points.find((p) => p.interval !== null && p.interval.low >= input.targetPrecision)?.threshold ??
    null;
  return {
    current: points.find((p) => p.threshold === input.current)!,
    candidates: points,
    suggested,
  };
}

/** Candidate thresholds: every step of 0.01 from the lowest threshold hits were raised at up to
 * 0.99 (below it there is no evidence: those faces never became hits). */
export function candidateThresholds(lowestRaisedAt: number, step = 0.01): number[] {
  const out: number[] = [];
  const first = Math.ceil(lowestRaisedAt / step - 1e-9);
  for (let k = first; k * step < 1 - 1e-9; k++) out.push(Math.round(k * step * 100) / 100);
  return out;
}

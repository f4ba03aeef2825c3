/** How a list uses the negative examples its operators gave ("not this person"). */
export interface SuppressionPolicy {
  /** False: negatives are kept but never suppress (a supervisor's switch). */
  readonly enabled: boolean;
  /** How much closer to a negative than to the enrolled photos a probe must be. */
  readonly margin: number;
  /** At or above this similarity to the person a probe always alerts. */
  readonly ceiling: number;
}

/** A list no one set a policy for: negatives are recorded but suppress nothing. Suppression is
 * opt-in per list (a supervisor of a main centre or a list administrator turns it on, audited):
 * one operator's "not this person" must not silently stop a wanted person's alerts. */
export const DEFAULT_SUPPRESSION_POLICY: SuppressionPolicy = Object.freeze({
  enabled: false,
  margin: 0.05,
  ceiling: 0.8,
});

export interface NegativeSimilarity {
  readonly negativeId: string;
  /** Cosine similarity of the probe to this negative example. */
  readonly similarity: number;
}

/** The negative that keeps a probe from alerting, or null when the probe must alert.
 *
 * similarity: the probe's best similarity to the person's enrolled photos. A probe is
 * suppressed only when suppression is on, it is below the ceiling (a near-certain match always
 * alerts), and its closest negative is closer than every enrolled photo by at least the margin
 * (strictly closer when the margin is 0). */
export function suppressingNegative(
  similarity: number,
  negatives: readonly NegativeSimilarity[],
  policy: SuppressionPolicy,
): NegativeSimilarity | null {
  if (!policy.enabled || !(similarity < policy.ceiling)) return null;
  let closest: NegativeSimilarity | null = null;
  for (const negative of negatives) {
    if (!closest || negative.similarity > closest.similarity) closest = negative;
  }
  if (!closest) return null;
  const lead = closest.similarity - similarity;
  return lead > 0 && lead >= policy.margin ? closest : null;
}

import fc from 'fast-check';
import { suppressingNegative, SuppressionPolicy } from './suppression';

const similarity = fc.double({ min: -1, max: 1, noNaN: true });
const policy = fc.record({
  enabled: fc.boolean(),
  margin: fc.double({ min: 0, max: 1, noNaN: true }),
  ceiling: fc.double({ min: 0.01, max: 1, noNaN: true }),
});
const negatives = fc.array(fc.record({ negativeId: fc.uuid(), similarity }), { maxLength: 20 });

describe('suppressingNegative', () => {
  it('never suppresses a probe at or above the ceiling, however close its negatives', () => {
    fc.assert(
      fc.property(
        policy,
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 5 }),
        (p, at, leads) => {
          // a probe between the ceiling and 1, negatives between it and 1 (closer than the photos)
          const sim = p.ceiling + at * (1 - p.ceiling);
          const negs = leads.map((lead, i) => ({
            negativeId: `n${i}`,
            similarity: sim + lead * (1 - sim),
          }));
          expect(suppressingNegative(sim, negs, p)).toBeNull();
          // the same negatives do suppress a probe far enough below the ceiling
          const below = Math.min(...negs.map((n) => n.similarity)) - p.margin - 0.01;
          if (
            p.enabled &&
            below < p.ceiling &&
            below > -1 &&
            negs.some((n) => n.similarity > below)
          )
            expect(suppressingNegative(below, negs, p)).not.toBeNull();
        },
      ),
    );
  });

  it('never suppresses when the list turned suppression off', () => {
    fc.assert(
      fc.property(similarity, negatives, policy, (sim, negs, p) => {
        expect(suppressingNegative(sim, negs, { ...p, enabled: false })).toBeNull();
      }),
    );
  });

  it('suppresses exactly when the closest negative leads the enrolled photos by the margin', () => {
    fc.assert(
      fc.property(similarity, negatives, policy, (sim, negs, p) => {
        const verdict = suppressingNegative(sim, negs, p);
        const closest = Math.max(-Infinity, ...negs.map((n) => n.similarity));
        const expected = p.enabled && sim < p.ceiling && closest > sim && closest - sim >= p.margin;
        expect(verdict !== null).toBe(expected);
        if (verdict) {
          // the suppressing negative is the closest one, and it is named
          expect(verdict.similarity).toBe(closest);
          expect(negs).toContainEqual(verdict);
        }
      }),
    );
  });

  it('keeps the examples of the rule', () => {
    const on: SuppressionPolicy = { enabled: true, margin: 0.05, ceiling: 0.8 };
    const neg = (s: number) => [{ negativeId: 'n', similarity: s }];
    expect(suppressingNegative(0.5, neg(0.9), on)?.negativeId).toBe('n');
    expect(suppressingNegative(0.5, neg(0.54), on)).toBeNull(); // not by the margin
    expect(suppressingNegative(0.5, neg(0.55), on)?.negativeId).toBe('n'); // exactly the margin
    expect(suppressingNegative(0.8, neg(1), on)).toBeNull(); // the ceiling
    expect(suppressingNegative(0.5, [], on)).toBeNull();
    expect(suppressingNegative(0.5, neg(0.5), { ...on, margin: 0 })).toBeNull(); // a tie alerts
  });
});

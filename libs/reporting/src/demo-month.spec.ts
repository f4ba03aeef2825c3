import fc from 'fast-check';
import { checkDemoMonthVolumes, DEMO_MONTH_DEFAULTS, DemoMonthError, spread } from './demo-month';

const refusal = (change: Partial<typeof DEMO_MONTH_DEFAULTS>) => {
  try {
    checkDemoMonthVolumes({ ...DEMO_MONTH_DEFAULTS, ...change });
  } catch (error) {
    if (error instanceof DemoMonthError) return { field: error.field, rule: error.rule };
    throw error;
  }
  return null;
};

describe('the demo month volumes', () => {
  it('takes the published month of Mangystau as it is', () => {
    expect(refusal({})).toBeNull();
  });

  it.each([
    [{ month: '2026-1' }, '--month', 'format'],
    [{ violations: -1 }, '--violations', 'range'],
    [{ plateReads: 1.5 }, '--plate-reads', 'range'],
    [{ faceHits: 20_000_000 }, '--face-hits', 'range'],
    [{ wantedIdentified: 15 }, '--wanted-identified', 'at_most'],
    [{ wantedBroughtIn: 11 }, '--wanted-brought-in', 'at_most'],
    [{ camerasConnected: 63_596 }, '--cameras-connected', 'at_most'],
    [{ sosButtons: 0, sosCalls: 1 }, '--sos-calls', 'needs_buttons'],
  ])('refuses %j naming the flag and the rule', (change, field, rule) => {
    expect(refusal(change)).toEqual({ field, rule });
  });
});

describe('spread', () => {
  it('splits a total over weights, the parts adding up to it', () => {
    fc.assert(
      fc.property(
        fc.nat(1_000_000),
        fc.array(fc.double({ min: 0, max: 10, noNaN: true }), { minLength: 1, maxLength: 20 }),
        (total, weights) => {
          const parts = spread(total, weights);
          expect(parts).toHaveLength(weights.length);
          expect(parts.reduce((s, p) => s + p, 0)).toBe(total);
          expect(parts.every((p) => Number.isInteger(p) && p >= 0)).toBe(true);
        },
      ),
    );
  });

  it('follows the weights', () => {
    expect(spread(10, [3, 1, 1])).toEqual([6, 2, 2]);
    expect(spread(63_595, [1])).toEqual([63_595]);
  });
});

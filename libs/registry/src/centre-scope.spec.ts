import fc from 'fast-check';
import {
  CentreScope,
  inCentreScope,
  ownCentreAdmits,
  ownCentreCondition,
  ownCentreScope,
} from './centre-scope';

// Mangystau's tree: two main centres, district centres below them
const PARENTS = new Map<string, string | null>([
  ['aktau', null],
  ['zhanaozen', null],
  ['munaily', 'aktau'],
  ['tupkaragan', 'aktau'],
  ['beineu', 'zhanaozen'],
]);
const CENTRES = [...PARENTS.keys()];

const scopes = fc.record({
  centreIds: fc.subarray(CENTRES),
  includeUnrouted: fc.boolean(),
  allCentres: fc.boolean(),
});
const recordCentres = fc.option(fc.constantFrom(...CENTRES, 'unregistered'), { nil: null });

/** docs/access-and-audit.md: the violation log stores only the centre a violation was logged
 * for, so its readers are matched by that centre and the district centres below theirs; that
 * must admit exactly what the alerts' rule (centre and parent) admits. */
describe('a scope over a record’s own centre', () => {
  it('admits what the rule by centre and parent admits, for every scope and record', () => {
    fc.assert(
      fc.property(scopes, recordCentres, (scope: CentreScope, centreId) => {
        const route = {
          centreId,
          parentCentreId: centreId ? (PARENTS.get(centreId) ?? null) : null,
        };
        expect(ownCentreAdmits(ownCentreScope(scope, PARENTS), centreId)).toBe(
          inCentreScope(scope, route),
        );
      }),
    );
  });

  it('admits nothing for a reader without centres, every centre only when granted', () => {
    const none = ownCentreScope(
      { centreIds: [], includeUnrouted: false, allCentres: false },
      PARENTS,
    );
    expect(CENTRES.some((c) => ownCentreAdmits(none, c))).toBe(false);
    expect(ownCentreAdmits(none, null)).toBe(false);
    const all = ownCentreScope({ centreIds: [], includeUnrouted: true, allCentres: true }, PARENTS);
    expect(CENTRES.every((c) => ownCentreAdmits(all, c))).toBe(true);
  });

  it('writes the condition with the centres as parameters, never into the SQL', () => {
    const regional = ownCentreCondition('v.centre_id', {
      centres: ["aktau'; DROP TABLE alert; --"],
      includeUnrouted: false,
    });
    expect(regional.sql).toBe('(FALSE OR v.centre_id IN (:...scopeCentres))');
    expect(regional.params).toEqual({ scopeCentres: ["aktau'; DROP TABLE alert; --"] });
    expect(ownCentreCondition('v.centre_id', { centres: [], includeUnrouted: false }).sql).toBe(
      '(FALSE)',
    );
    expect(ownCentreCondition('v.centre_id', { centres: null, includeUnrouted: true }).sql).toBe(
      '(FALSE OR v.centre_id IS NOT NULL OR v.centre_id IS NULL)',
    );
  });
});

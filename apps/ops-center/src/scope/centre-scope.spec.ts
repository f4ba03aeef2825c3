import { ALL_CENTRES, centreScopeOf as scopeOf, StaffPrincipal } from '@kuzet/auth';
import { inCentreScope as inScope } from '@kuzet/registry';

const staff = (roles: StaffPrincipal['roles'], centreIds: string[]): StaffPrincipal => ({
  userId: 'u',
  username: 'u',
  roles,
  centreIds,
});

const districtAlert = { centreId: 'munaily', parentCentreId: 'aktau' };
const mainAlert = { centreId: 'aktau', parentCentreId: null };
const otherMainAlert = { centreId: 'zhanaozen', parentCentreId: null };
const unrouted = { centreId: null, parentCentreId: null };

/** docs/access-and-audit.md: an operator sees their centres' alerts, a main centre also its
 * district centres'; a supervisor also those of cameras no centre owns. */
describe('alert scope', () => {
  it("lets a main centre's operator see its district centres' alerts", () => {
    expect(inScope(scopeOf(staff(['operator'], ['aktau'])), districtAlert)).toBe(true);
  });

  it("keeps a district centre's operator to its own alerts, not its main centre's", () => {
    const scope = scopeOf(staff(['operator'], ['munaily']));
    expect([districtAlert, mainAlert].map((alert) => inScope(scope, alert))).toEqual([true, false]);
  });

  it("keeps other centres' alerts from an operator", () => {
    const scope = scopeOf(staff(['operator'], ['aktau']));
    expect([mainAlert, otherMainAlert].map((alert) => inScope(scope, alert))).toEqual([
      true,
      false,
    ]);
    expect(inScope(scope, { centreId: 'beineu', parentCentreId: 'zhanaozen' })).toBe(false);
  });

  it('shows alerts of cameras no centre owns to supervisors only', () => {
    expect(scopeOf(staff(['supervisor'], ['aktau']))).toEqual({
      centreIds: ['aktau'],
      includeUnrouted: true,
      allCentres: false,
    });
    expect(inScope(scopeOf(staff(['supervisor'], ['aktau'])), unrouted)).toBe(true);
    expect(inScope(scopeOf(staff(['supervisor'], [])), unrouted)).toBe(true);
    expect(inScope(scopeOf(staff(['operator'], ['aktau'])), unrouted)).toBe(false);
    expect(inScope(scopeOf(staff(['operator', 'auditor'], ['aktau'])), unrouted)).toBe(false);
  });

  it('gives a user without centres nothing routed', () => {
    const scope = scopeOf(staff(['supervisor'], []));
    expect([districtAlert, mainAlert].map((alert) => inScope(scope, alert))).toEqual([
      false,
      false,
    ]);
  });

  it("gives an auditor their centres' records, nothing without centres, and every centre only with ALL_CENTRES", () => {
    const regional = scopeOf(staff(['auditor'], ['aktau']));
    expect(
      [districtAlert, mainAlert, otherMainAlert, unrouted].map((r) => inScope(regional, r)),
    ).toEqual([true, true, false, false]);
    const none = scopeOf(staff(['auditor'], []));
    expect(
      [districtAlert, mainAlert, otherMainAlert, unrouted].map((r) => inScope(none, r)),
    ).toEqual([false, false, false, false]);
    const national = scopeOf(staff(['auditor'], [ALL_CENTRES]));
    expect(
      [districtAlert, mainAlert, otherMainAlert, unrouted].map((r) => inScope(national, r)),
    ).toEqual([true, true, true, true]);
  });
});

import { StaffPrincipal } from '@kuzet/auth';
import { inScope, scopeOf } from './centre-scope';

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
});

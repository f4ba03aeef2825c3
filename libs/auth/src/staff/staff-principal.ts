export const STAFF_ROLES = [
  'operator',
  'supervisor',
  'watchlist-admin',
  'auditor',
  'system-admin',
] as const;

export type StaffRole = (typeof STAFF_ROLES)[number];

/** Who is signed in. centreIds: the operations centres an operator or supervisor is scoped to. */
export interface StaffPrincipal {
  readonly userId: string;
  readonly username: string;
  readonly roles: readonly StaffRole[];
  readonly centreIds: readonly string[];
}

export function isStaffRole(value: string): value is StaffRole {
  return (STAFF_ROLES as readonly string[]).includes(value);
}

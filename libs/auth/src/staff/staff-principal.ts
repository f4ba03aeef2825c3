import { z } from 'zod';

export const STAFF_ROLES = [
  'operator',
  'supervisor',
  'watchlist-admin',
  'auditor',
  'system-admin',
] as const;

export type StaffRole = (typeof STAFF_ROLES)[number];

/** Who is signed in. centreIds: the operations centres an operator, supervisor or auditor is
 * scoped to; ALL_CENTRES alone grants an auditor (or a watchlist or system administrator, who
 * are region-wide anyway) every centre. */
export const staffPrincipalSchema = z
  .object({
    userId: z.uuid(),
    username: z.string(),
    roles: z.array(z.enum(STAFF_ROLES)).readonly(),
    centreIds: z.array(z.string()).readonly(),
  })
  .readonly();
export type StaffPrincipal = z.infer<typeof staffPrincipalSchema>;

/** Who is signed in, as the API answers it (snake_case, docs/api-conventions.md). */
export const staffPrincipalBodySchema = z
  .object({
    user_id: z.uuid(),
    username: z.string(),
    roles: z.array(z.enum(STAFF_ROLES)).readonly(),
    centre_ids: z.array(z.string()).readonly(),
  })
  .readonly()
  .meta({ id: 'StaffPrincipal' });
export type StaffPrincipalBody = z.infer<typeof staffPrincipalBodySchema>;

export function staffPrincipalBody(principal: StaffPrincipal): StaffPrincipalBody {
  return {
    user_id: principal.userId,
    username: principal.username,
    roles: principal.roles,
    centre_ids: principal.centreIds,
  };
}

export function isStaffRole(value: string): value is StaffRole {
  return (STAFF_ROLES as readonly string[]).includes(value);
}

/** The centre grant of a region-wide (national) auditor: explicit, so that an auditor with no
 * centres sees nothing (default deny) rather than everything. */
export const ALL_CENTRES = '*';

/** Whose records a user sees by centre (the shape of @kuzet/registry's CentreScope, whose
 * rules admit records): their centres, everything with ALL_CENTRES, and what no centre owns
 * for supervisors and region-wide users. */
export function centreScopeOf(user: Pick<StaffPrincipal, 'roles' | 'centreIds'>): {
  readonly centreIds: readonly string[];
  readonly includeUnrouted: boolean;
  readonly allCentres: boolean;
} {
  const allCentres = user.centreIds.includes(ALL_CENTRES);
  return {
    centreIds: allCentres ? [] : user.centreIds,
    includeUnrouted: allCentres || user.roles.includes('supervisor'),
    allCentres,
  };
}

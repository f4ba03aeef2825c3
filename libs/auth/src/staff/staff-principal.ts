import { z } from 'zod';

export const STAFF_ROLES = [
  'operator',
  'supervisor',
  'watchlist-admin',
  'auditor',
  'system-admin',
] as const;

export type StaffRole = (typeof STAFF_ROLES)[number];

/** Who is signed in. centreIds: the operations centres an operator or supervisor is scoped to. */
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

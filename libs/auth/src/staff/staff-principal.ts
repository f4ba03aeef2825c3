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
  .readonly()
  .meta({ id: 'StaffPrincipal' });
export type StaffPrincipal = z.infer<typeof staffPrincipalSchema>;

export function isStaffRole(value: string): value is StaffRole {
  return (STAFF_ROLES as readonly string[]).includes(value);
}

import { z } from 'zod';
import { STAFF_ROLES, staffPrincipalSchema } from './staff-principal';

export const usernameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{1,63}$/, '2..64 of a-z 0-9 . _ -, starting with a letter or digit');
/** Long passphrases welcome; the upper bound only keeps hashing cheap to refuse. */
export const passwordSchema = z.string().min(12, 'at least 12 characters').max(256);
const centreId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/);

const rolesSchema = z.array(z.enum(STAFF_ROLES)).min(1).max(STAFF_ROLES.length);

/** Operators and supervisors work for operations centres: they need at least one. */
export function hasCentreWhereNeeded(user: {
  readonly roles: readonly string[];
  readonly centreIds: readonly string[];
}): boolean {
  const scoped = user.roles.some((role) => role === 'operator' || role === 'supervisor');
  return !scoped || user.centreIds.length > 0;
}
const CENTRE_NEEDED = {
  message: 'operators and supervisors need at least one centre',
  path: ['centreIds'],
};

export const loginSchema = z.strictObject({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(256),
});
export type LoginInput = z.infer<typeof loginSchema>;

export const createUserSchema = z
  .strictObject({
    username: usernameSchema,
    password: passwordSchema,
    roles: rolesSchema,
    centreIds: z.array(centreId).max(100).default([]),
  })
  .refine(hasCentreWhereNeeded, CENTRE_NEEDED);
export type CreateUserInput = z.infer<typeof createUserSchema>;

export const updateUserSchema = z
  .strictObject({
    password: passwordSchema.optional(),
    roles: rolesSchema.optional(),
    centreIds: z.array(centreId).max(100).optional(),
    status: z.enum(['active', 'disabled']).optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, { message: 'nothing to change' });
export type UpdateUserInput = z.infer<typeof updateUserSchema>;

export const staffUserSchema = z
  .object({
    id: z.uuid(),
    username: z.string(),
    roles: z.array(z.enum(STAFF_ROLES)).readonly(),
    centreIds: z.array(z.string()).readonly(),
    status: z.enum(['active', 'disabled']),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .readonly()
  .meta({ id: 'StaffUser' });
export type StaffUserDto = z.infer<typeof staffUserSchema>;

export const loginResultSchema = z
  .object({
    accessToken: z.string().describe('send as Authorization: Bearer <accessToken>'),
    expiresAt: z.iso.datetime(),
    user: staffPrincipalSchema,
  })
  .readonly()
  .meta({ id: 'LoginResult' });
export type LoginResult = z.infer<typeof loginResultSchema>;

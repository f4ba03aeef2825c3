import { z } from 'zod';
import { pageSchema } from '@kuzet/http';
import { ALL_CENTRES, STAFF_ROLES, StaffRole, staffPrincipalBodySchema } from './staff-principal';

export const usernameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{1,63}$/, '2..64 of a-z 0-9 . _ -, starting with a letter or digit');
/** Long passphrases welcome; the upper bound only keeps hashing cheap to refuse. */
export const passwordSchema = z.string().min(12, 'at least 12 characters').max(256);
const centreId = z.union([z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/), z.literal(ALL_CENTRES)]);

const rolesSchema = z.array(z.enum(STAFF_ROLES)).min(1).max(STAFF_ROLES.length);

/** Operators and supervisors work for operations centres: they need at least one. */
export function hasCentreWhereNeeded(user: {
  readonly roles: readonly string[];
  readonly centreIds: readonly string[];
}): boolean {
  const scoped = user.roles.some((role) => role === 'operator' || role === 'supervisor');
  return !scoped || user.centreIds.length > 0;
}
/** ALL_CENTRES is a grant of its own, for users who work region-wide: alone, and never for an
 * operator or supervisor (whose centres route alerts to them). */
export function allCentresWhereAllowed(user: {
  readonly roles: readonly string[];
  readonly centreIds: readonly string[];
}): boolean {
  if (!user.centreIds.includes(ALL_CENTRES)) return true;
  const scoped = user.roles.some((role) => role === 'operator' || role === 'supervisor');
  return !scoped && user.centreIds.length === 1;
}
const ALL_CENTRES_MISUSED = {
  message: `${ALL_CENTRES} (every centre) stands alone and is not for operators or supervisors`,
  path: ['centre_ids'],
  params: { rule: 'all_centres_not_allowed' },
};
const CENTRE_NEEDED = {
  message: 'operators and supervisors need at least one centre',
  path: ['centre_ids'],
  params: { rule: 'centre_required' },
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
    centre_ids: z.array(centreId).max(100).default([]),
  })
  .refine((user) => hasCentreWhereNeeded({ ...user, centreIds: user.centre_ids }), CENTRE_NEEDED)
  .refine(
    (user) => allCentresWhereAllowed({ ...user, centreIds: user.centre_ids }),
    ALL_CENTRES_MISUSED,
  )
  .transform(({ centre_ids, ...user }) => ({ ...user, centreIds: centre_ids }));
export type CreateUserInput = z.infer<typeof createUserSchema>;

export const updateUserSchema = z
  .strictObject({
    password: passwordSchema.optional(),
    roles: rolesSchema.optional(),
    centre_ids: z.array(centreId).max(100).optional(),
    status: z.enum(['active', 'disabled']).optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, { message: 'nothing to change' })
  .transform(({ centre_ids, ...patch }): UpdateUserInput => ({ ...patch, centreIds: centre_ids }));
/** A change to a user as the service takes it (the API's `centre_ids` is `centreIds`). */
export interface UpdateUserInput {
  readonly password?: string;
  readonly roles?: StaffRole[];
  readonly centreIds?: string[];
  readonly status?: 'active' | 'disabled';
}

export const staffUserSchema = z
  .object({
    id: z.uuid(),
    username: z.string(),
    roles: z.array(z.enum(STAFF_ROLES)).readonly(),
    centre_ids: z.array(z.string()).readonly(),
    status: z.enum(['active', 'disabled']),
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
  })
  .readonly()
  .meta({ id: 'StaffUser' });
export type StaffUserDto = z.infer<typeof staffUserSchema>;

/** GET /v1/users: a page of users, by username. */
export const staffUserPageSchema = pageSchema(staffUserSchema).meta({ id: 'StaffUserPage' });

export const loginResultSchema = z
  .object({
    access_token: z.string().describe('send as Authorization: Bearer <access_token>'),
    expires_at: z.iso.datetime(),
    user: staffPrincipalBodySchema,
  })
  .readonly()
  .meta({ id: 'LoginResult' });
export type LoginResult = z.infer<typeof loginResultSchema>;

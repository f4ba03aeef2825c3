import { INestApplication } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { ALL_CENTRES, StaffRole, StaffUserService } from '@kuzet/auth';

/** Signs staff sessions in every test app (distributed mode requires a shared secret). */
export const TEST_JWT_SECRET = 'test-jwt-secret-0123456789abcdef0123456789';
/** Signs the audit chain in every test app and CLI run (distributed mode requires a key). */
export const TEST_AUDIT_CHAIN_KEYS = 'test:test-audit-chain-key-0123456789abcdef01234';

/** Every test signs its users in from the same address (127.0.0.1), many in parallel: the
 * per-address sign-in limits would refuse that. The suites that test those limits set them. */
export const TEST_SIGN_IN_LIMITS = {
  AUTH_LOGINS_PER_ADDRESS_PER_MINUTE: 1_000_000,
  AUTH_LOGINS_IN_FLIGHT_PER_ADDRESS: 1_000,
} as const;

export interface SignedInStaff {
  readonly userId: string;
  readonly username: string;
  readonly token: string;
  /** `{ authorization: 'Bearer …' }` for app.inject or fetch. */
  readonly headers: { readonly authorization: string };
}

/** Creates a staff user with the roles (and centres) in the app's database, then signs in
 * through POST /v1/auth/login like a person would. By default operators and supervisors work
 * for Aktau and an auditor is a national one (ALL_CENTRES). */
export async function signInAs(
  app: INestApplication,
  roles: readonly StaffRole[],
  centreIds: readonly string[] = roles.some((r) => r === 'operator' || r === 'supervisor')
    ? ['aktau']
    : roles.includes('auditor')
      ? [ALL_CENTRES]
      : [],
): Promise<SignedInStaff> {
  const username = `${roles.join('-')}-${randomUUID().slice(0, 8)}`;
  const password = `pw-${randomUUID()}`;
  const user = await app
    .get(StaffUserService)
    .create({ username, password, roles: [...roles], centreIds: [...centreIds] }, 'test-setup');
  const response = await (app as NestFastifyApplication).inject({
    method: 'POST',
    url: '/v1/auth/login',
    payload: { username, password },
  });
  if (response.statusCode !== 200) throw new Error(`login failed: ${response.body}`);
  const token = response.json<{ access_token: string }>().access_token;
  return { userId: user.id, username, token, headers: { authorization: `Bearer ${token}` } };
}

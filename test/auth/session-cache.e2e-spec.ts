import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createTestDatabase, TestDatabase } from '../support/database';
import { startTestApp } from '../support/kuzet-app';
import { signInAs } from '../support/staff';
import { waitUntil } from '../support/wait';

/** AUTH_SESSION_CACHE_TTL_MS: each instance caches "this session is current" for that long.
 * A sign-out or a disabled user ends the session at once on the instance that took the change
 * and, once the cached answer expires, on every other instance of the same database. */
describe('a session ended on one instance ends on the others (AUTH_SESSION_CACHE_TTL_MS)', () => {
  const TTL_MS = 1_000;
  let database: TestDatabase;
  let one: NestFastifyApplication;
  let other: NestFastifyApplication;

  beforeAll(async () => {
    database = await createTestDatabase();
    const env = { DATABASE_URL: database.url, AUTH_SESSION_CACHE_TTL_MS: TTL_MS };
    ({ app: one } = await startTestApp([], env));
    ({ app: other } = await startTestApp([], env));
  });

  afterAll(async () => {
    await one?.close();
    await other?.close();
    await database?.drop();
  });

  const me = (app: NestFastifyApplication, headers: { authorization: string }) =>
    app.inject({ method: 'GET', url: '/v1/auth/me', headers }).then((r) => r.statusCode);

  /** The other instance answered 200 for this session, so it holds a cached "current". */
  async function cachedOnTheOther(headers: { authorization: string }): Promise<void> {
    expect(await me(other, headers)).toBe(200);
  }

  it('a sign-out', async () => {
    const auditor = await signInAs(one, ['auditor']);
    await cachedOnTheOther(auditor.headers);
    const out = await one.inject({
      method: 'POST',
      url: '/v1/auth/logout',
      headers: auditor.headers,
    });
    expect(out.statusCode).toBeLessThan(300);
    expect(await me(one, auditor.headers)).toBe(401);
    // the wait's own bound is many TTLs: this is no timing claim, a cache that never expires fails it
    await waitUntil(
      'the other instance to refuse the signed-out session',
      async () => (await me(other, auditor.headers)) === 401,
      { timeoutMs: 20 * TTL_MS },
    );
  });

  it('a disabled user', async () => {
    const admin = await signInAs(one, ['system-admin']);
    const operator = await signInAs(one, ['operator']);
    await cachedOnTheOther(operator.headers);
    const disabled = await one.inject({
      method: 'PATCH',
      url: `/v1/users/${operator.userId}`,
      headers: admin.headers,
      payload: { status: 'disabled' },
    });
    expect(disabled.statusCode).toBe(200);
    expect(await me(one, operator.headers)).toBe(401);
    await waitUntil(
      "the other instance to refuse the disabled user's session",
      async () => (await me(other, operator.headers)) === 401,
      { timeoutMs: 20 * TTL_MS },
    );
    // the administrator's own session is untouched on both
    expect(await me(other, admin.headers)).toBe(200);
  });
});

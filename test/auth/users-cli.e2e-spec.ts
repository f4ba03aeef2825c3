import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AuditLogService } from '@kuzet/audit-log';
import { kuzet } from '../support/cli';
import { createTestDatabase, TestDatabase } from '../support/database';
import { startTestApp } from '../support/kuzet-app';

/** The first administrator comes from `npx kuzet users create-admin`; the others from them. */
describe('kuzet users create-admin', () => {
  let database: TestDatabase;
  let app: NestFastifyApplication;

  beforeAll(async () => {
    database = await createTestDatabase();
    ({ app } = await startTestApp([], { DATABASE_URL: database.url, AUTH_MAX_FAILED_LOGINS: 3 }));
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('creates an administrator who signs in and creates an operator; both on the audit log', async () => {
    const env = { DATABASE_URL: database.url, KUZET_ADMIN_PASSWORD: 'first admin passphrase' };
    const created = await kuzet(['users', 'create-admin', '--username', 'root-admin'], env);
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({
      username: 'root-admin',
      roles: ['system-admin'],
    });
    expect(
      (await kuzet(['users', 'create-admin', '--username', 'root-admin'], env)).stderr,
    ).toMatch(/taken/);
    const tooShort = await kuzet(
      ['users', 'create-admin', '--username', 'x2', '--password', 'short'],
      env,
    );
    expect(tooShort.code).toBe(1);
    expect(tooShort.stderr).toMatch(/password: at least 12 characters/);

    const login = await app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { username: 'root-admin', password: 'first admin passphrase' },
    });
    expect(login.statusCode).toBe(200);
    const { access_token, user } = login.json<{
      access_token: string;
      user: { roles: string[] };
    }>();
    expect(user.roles).toEqual(['system-admin']);
    const headers = { authorization: `Bearer ${access_token}` };
    const operator = await app.inject({
      method: 'POST',
      url: '/v1/users',
      headers,
      payload: { username: 'dana', password: 'operator passphrase', roles: ['operator'] },
    });
    expect(operator.statusCode).toBe(400); // an operator needs a centre
    expect(operator.json()).toEqual({
      errors: [expect.objectContaining({ field: 'centre_ids', rule: 'centre_required' })],
    });
    const created2 = await app.inject({
      method: 'POST',
      url: '/v1/users',
      headers,
      payload: {
        username: 'dana',
        password: 'operator passphrase',
        roles: ['operator'],
        centre_ids: ['munaily'],
      },
    });
    expect(created2.statusCode).toBe(201);
    const wrong = await app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { username: 'dana', password: 'not the passphrase' },
    });
    expect(wrong.statusCode).toBe(401);

    const log = await app.get(AuditLogService).search({ subjectType: 'staff-user', limit: 10 });
    expect(log.map((e) => [e.actor, e.action])).toEqual([
      ['cli', 'user.created'],
      ['root-admin', 'auth.login'],
      ['root-admin', 'user.created'],
    ]);
  });

  it('refuses sign-ins from an address after repeated failures, not from elsewhere; the lock-out is audited', async () => {
    const attempt = (password: string, remoteAddress: string) =>
      app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        remoteAddress,
        payload: { username: 'root-admin', password },
      });
    for (let i = 0; i < 3; i++)
      expect((await attempt('a wrong guess', '10.0.0.9')).statusCode).toBe(401);
    const locked = await attempt('first admin passphrase', '10.0.0.9');
    expect(locked.statusCode).toBe(429);
    const [lockedError] = locked.json<{ errors: { rule: string; message: string }[] }>().errors;
    expect(lockedError!.message).toMatch(/too many failed sign-ins/);
    expect((await attempt('first admin passphrase', '10.0.0.10')).statusCode).toBe(200);
    const throttled = await app
      .get(AuditLogService)
      .search({ action: 'auth.login-throttled', limit: 10 });
    expect(throttled).toEqual([
      expect.objectContaining({
        subjectId: 'root-admin',
        details: { clientIp: '10.0.0.9', scope: 'address' },
      }),
    ]);
  });
});

import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { KuzetConfig, loadConfig } from '@kuzet/config';
import { StaffUserService } from '@kuzet/auth';
import { createTestDatabase, TestDatabase } from '../support/database';
import { startTestApp } from '../support/kuzet-app';
import { freePort } from '../support/process';
import { floodSignIn, postLogin } from '../support/sign-in';
import { waitUntil } from '../support/wait';

/** The sign-in's limits under attack, on the real PostgreSQL and real HTTP: attempts are
 * counted before the password is checked, and one address cannot crowd out the others. */
describe('sign-in limits', () => {
  let database: TestDatabase;
  const running: NestFastifyApplication[] = [];
  const PASSWORD = 'correct horse battery staple';

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    for (const app of running) await app.close();
    await database?.drop();
  });

  async function serve(overrides: Partial<KuzetConfig>): Promise<{
    app: NestFastifyApplication;
    base: string;
  }> {
    const { app } = await startTestApp([], { DATABASE_URL: database.url, ...overrides });
    running.push(app);
    const port = await freePort();
    await app.listen(port, '127.0.0.1');
    return { app, base: `http://127.0.0.1:${port}` };
  }

  async function createUser(app: NestFastifyApplication): Promise<string> {
    const username = `dana.${randomUUID().slice(0, 8)}`;
    await app
      .get(StaffUserService)
      .create({ username, password: PASSWORD, roles: ['operator'], centreIds: ['aktau'] }, 'test');
    return username;
  }

  it('counts parallel guesses before their passwords are checked: the right password comes too late', async () => {
    // the per-address limits out of the way: this is about the count per username
    const { app, base } = await serve({
      AUTH_LOGINS_PER_ADDRESS_PER_MINUTE: 1_000,
      AUTH_LOGINS_IN_FLIGHT_PER_ADDRESS: 1_000,
      AUTH_PASSWORD_CHECKS_QUEUED: 1_000,
    });
    const username = await createUser(app);
    const guesses = Array.from({ length: 60 }, (_, i) =>
      postLogin(base, { username, password: `wrong guess ${i}` }),
    );
    // all 60 are in flight, their password checks (about 0.6 s each) far from done: the old
    // count, taken after each check, stood at zero here
    const counted = async (): Promise<number> => {
      const rows = (await app
        .get(DataSource)
        .query(`SELECT attempts FROM sign_in_attempt WHERE username = $1 AND client_ip <> '*'`, [
          username,
        ])) as Array<{
        attempts: number;
      }>;
      return rows[0]?.attempts ?? 0;
    };
    await waitUntil('the ten guesses counted', async () => (await counted()) >= 10, {
      intervalMs: 5,
    });
    const right = await postLogin(base, { username, password: PASSWORD });
    const answers = await Promise.all(guesses);

    expect(right.status).toBe(429);
    expect(Number(right.retryAfter)).toBeGreaterThan(0);
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(10);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(50);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
    for (const answer of answers.filter((a) => a.status === 429))
      expect(Number(answer.retryAfter)).toBeGreaterThan(0);
    // the lock-out is on the audit log once
    const throttled = (await app
      .get(DataSource)
      .query(
        `SELECT count(*)::int AS n FROM audit_log WHERE action = 'auth.login-throttled' AND subject_id = $1`,
        [username],
      )) as Array<{ n: number }>;
    expect(throttled[0]!.n).toBe(1);
  });

  it('still signs in from another address, and after a success starts counting afresh', async () => {
    const { app, base } = await serve({});
    const username = await createUser(app);
    for (let i = 0; i < 3; i++)
      expect((await postLogin(base, { username, password: 'wrong' }, '127.0.0.3')).status).toBe(
        401,
      );
    expect((await postLogin(base, { username, password: PASSWORD }, '127.0.0.3')).status).toBe(200);
    const rows = (await app
      .get(DataSource)
      .query(`SELECT 1 FROM sign_in_attempt WHERE username = $1`, [username])) as unknown[];
    expect(rows).toEqual([]);
  });

  it('refuses a guess spread over many addresses once the username has too many from all of them', async () => {
    const { app, base } = await serve({
      AUTH_MAX_FAILED_LOGINS: 3,
      AUTH_MAX_FAILED_LOGINS_PER_USER: 8,
    });
    const username = await createUser(app);
    // four addresses, two wrong guesses each: under every address's own limit of 3
    for (const last of [11, 12, 13, 14])
      for (let i = 0; i < 2; i++)
        expect(
          (await postLogin(base, { username, password: `wrong ${i}` }, `127.0.0.${last}`)).status,
        ).toBe(401);
    // a fifth address, even with the right password, is refused for the username
    const refused = await postLogin(base, { username, password: PASSWORD }, '127.0.0.15');
    expect(refused.status).toBe(429);
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    const audited = (await app
      .get(DataSource)
      .query(
        `SELECT details FROM audit_log WHERE action = 'auth.login-throttled' AND subject_id = $1`,
        [username],
      )) as Array<{ details: { clientIp: string; scope: string } }>;
    expect(audited.map((row) => row.details)).toEqual([
      { clientIp: '127.0.0.15', scope: 'username' },
    ]);
    // another username from those addresses is not affected
    const other = await createUser(app);
    expect(
      (await postLogin(base, { username: other, password: PASSWORD }, '127.0.0.11')).status,
    ).toBe(200);
  });

  it('does not let one address lock the real user out: its refused attempts do not count for the username', async () => {
    const { app, base } = await serve({
      AUTH_MAX_FAILED_LOGINS: 3,
      AUTH_MAX_FAILED_LOGINS_PER_USER: 8,
    });
    const username = await createUser(app);
    const statuses: number[] = [];
    for (let i = 0; i < 15; i++)
      statuses.push(
        (await postLogin(base, { username, password: `wrong ${i}` }, '127.0.0.20')).status,
      );
    expect(statuses.filter((s) => s === 401)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(12);
    expect((await postLogin(base, { username, password: PASSWORD }, '127.0.0.21')).status).toBe(
      200,
    );
  });

  // how quickly the real sign-in is answered under the flood is measured by
  // npm run bench:hardening; here: it is answered, and the flood is held to its limits
  it('still signs a real user in while one address floods the sign-in with random usernames', async () => {
    const defaults = loadConfig({});
    const { app, base } = await serve({
      AUTH_LOGINS_PER_ADDRESS_PER_MINUTE: defaults.AUTH_LOGINS_PER_ADDRESS_PER_MINUTE,
      AUTH_LOGINS_IN_FLIGHT_PER_ADDRESS: defaults.AUTH_LOGINS_IN_FLIGHT_PER_ADDRESS,
    });
    const username = await createUser(app);
    const { result: real, flood } = await floodSignIn(base, '127.0.0.2', async () => {
      const answers = [];
      for (let i = 0; i < 3; i++) {
        answers.push(await postLogin(base, { username, password: PASSWORD }, '127.0.0.1'));
      }
      return answers;
    });

    expect(real.map((answer) => answer.status)).toEqual([200, 200, 200]);
    // the flood got its 30 attempts a minute and two at a time, the rest refused at once
    const refused = flood.filter((a) => a.status === 429);
    expect(refused.length).toBeGreaterThan(flood.length / 2);
    expect(refused.every((a) => Number(a.retryAfter) >= 1)).toBe(true);
    expect(flood.filter((a) => a.status === 401).length).toBeLessThanOrEqual(30);
  });
});

import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DataSource } from 'typeorm';
import { ApiKeyService } from '@kuzet/auth';
import { createTestDatabase, TestDatabase } from '../support/database';
import { everyAppModule, startTestApp } from '../support/kuzet-app';
import { SignedInStaff, signInAs } from '../support/staff';

interface ErrorBody {
  errors: Array<{ field: string; rule: string; message: string }>;
}

/** What every route refuses before a controller or the database sees it: control characters,
 * forged cursors and ids, oversize and deeply nested bodies, with 400/401/413 naming the field;
 * and the security headers on every answer. */
describe('request hardening', () => {
  let database: TestDatabase;
  let app: NestFastifyApplication;
  let dataDir: string;
  let auditor: SignedInStaff;
  let admin: SignedInStaff;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'kuzet-hardening-'));
    ({ app } = await startTestApp(everyAppModule(), {
      DATABASE_URL: database.url,
      KUZET_DATA_DIR: dataDir,
      RETENTION_PURGE_INTERVAL_MS: 0,
    }));
    auditor = await signInAs(app, ['auditor']);
    admin = await signInAs(app, ['system-admin']);
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const auditRows = async (): Promise<number> =>
    (
      (await app.get(DataSource).query(`SELECT count(*)::int AS n FROM audit_log`)) as [
        { n: number },
      ]
    )[0].n;

  it('refuses NUL and other control characters in queries, paths and bodies, naming the field, and records nothing', async () => {
    const before = await auditRows();
    const cases = [
      {
        method: 'GET',
        url: '/v1/audit/hits?camera_id=cam%00one',
        field: 'camera_id',
        who: auditor,
      },
      { method: 'GET', url: '/v1/audit/log?actor=a%1Bb', field: 'actor', who: auditor },
      { method: 'GET', url: '/v1/cameras/cam%00one', field: 'id', who: admin },
      {
        method: 'POST',
        url: '/v1/users',
        payload: { username: 'x\u0000y', password: 'long enough password', roles: ['operator'] },
        field: 'username',
        who: admin,
      },
    ] as const;
    for (const c of cases) {
      const response = await app.inject({
        method: c.method,
        url: c.url,
        headers: c.who.headers,
        ...('payload' in c ? { payload: c.payload } : {}),
      });
      expect({ url: c.url, status: response.statusCode }).toEqual({ url: c.url, status: 400 });
      expect(response.json<ErrorBody>().errors).toEqual([
        expect.objectContaining({ field: c.field, rule: 'control_character' }),
      ]);
    }
    // line breaks and tabs are text, not controls: a free-text field keeps them
    const withNewline = await app.inject({
      method: 'GET',
      url: '/v1/audit/log?action=a%0Ab',
      headers: auditor.headers,
    });
    expect(withNewline.statusCode).toBe(200);
    // only the one answered query reached the audit log
    expect(await auditRows()).toBe(before + 1);
  });

  it('answers forged paging cursors and malformed ids with 400, not a database error', async () => {
    const hitCursor = (capturedAt: string, hitId = '7c9e6679-7425-40de-944b-e07fc1f90ae7') =>
      Buffer.from(JSON.stringify([capturedAt, hitId])).toString('base64url');
    const violationCursor = (at: string, id = '7c9e6679-7425-40de-944b-e07fc1f90ae7') =>
      Buffer.from(`${at}|${id}`).toString('base64url');
    const urls = [
      `/v1/audit/hits?cursor=${hitCursor('0000-01-01T00:00:00.000000Z')}`,
      `/v1/audit/hits?cursor=${hitCursor('2026-13-01T00:00:00.000000Z')}`,
      `/v1/audit/hits?cursor=${hitCursor('2026-01-01T00:00:00.000000Z', '-'.repeat(36))}`,
      `/v1/violations?cursor=${violationCursor('0000-01-01T00:00:00.000Z')}`,
      `/v1/violations?cursor=${violationCursor('+275760-09-13T00:00:00.000Z')}`,
      `/v1/violations?cursor=${violationCursor('2026-01-01T00:00:00.000Z', 'f'.repeat(36))}`,
    ];
    for (const url of urls) {
      const response = await app.inject({ method: 'GET', url, headers: auditor.headers });
      expect({ url, status: response.statusCode }).toEqual({ url, status: 400 });
      expect(response.json<ErrorBody>().errors[0]).toMatchObject({ field: 'cursor' });
    }
    for (const url of ['/v1/cameras/-bad-', '/v1/api-keys/NOT-A-KEY/revoke']) {
      const method = url.endsWith('revoke') ? 'POST' : 'GET';
      const response = await app.inject({ method, url, headers: admin.headers });
      expect({ url, status: response.statusCode }).toEqual({ url, status: 400 });
      expect(response.json<ErrorBody>().errors[0]).toMatchObject({ field: 'id' });
    }
  });

  it('refuses oversize and deeply nested bodies before parsing them, and large ones without credentials before reading them', async () => {
    const nested = '['.repeat(100_000) + ']'.repeat(100_000);
    const deep = await app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: `{"username":${'['.repeat(40)}${']'.repeat(40)}}`,
    });
    expect(deep.statusCode).toBe(400);
    expect(deep.json<ErrorBody>().errors[0]).toMatchObject({ field: '$', rule: 'max_depth' });

    const oversize = await app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: nested,
    });
    expect(oversize.statusCode).toBe(413);
    expect(oversize.json<ErrorBody>().errors[0]).toMatchObject({ field: '$', rule: 'max_bytes' });

    // the ingest takes large bodies, but not from someone who presents no credentials
    const anonymous = await app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/json' },
      payload: nested,
    });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json<ErrorBody>().errors[0]).toMatchObject({ rule: 'required' });
    const withSomeKey = await app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/json', 'x-api-key': 'kzt_guess' },
      payload: nested,
    });
    expect(withSomeKey.statusCode).toBe(401);
    expect(withSomeKey.json<ErrorBody>().errors[0]).toMatchObject({ rule: 'api_key' });
    // with a real key, the nesting is refused by a scan before any parsing
    const { key } = await app.get(ApiKeyService).create(
      {
        integrator_id: 'vendor',
        label: 'depth test',
        camera_ids: [],
        district_ids: ['munaily'],
        rate_limit_per_minute: null,
      },
      'test',
    );
    const withKey = await app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      payload: nested,
    });
    expect(withKey.statusCode).toBe(400);
    expect(withKey.json<ErrorBody>().errors[0]).toMatchObject({ rule: 'max_depth' });
    // a large-body route's own limit is answered in the one shape too, naming the rule
    const badge = await app.get(ApiKeyService).create(
      {
        integrator_id: 'badges',
        label: 'body limit test',
        camera_ids: [],
        district_ids: ['munaily'],
        rate_limit_per_minute: null,
        identify: true,
      },
      'test',
    );
    const overLimit = await app.inject({
      method: 'POST',
      url: '/v1/devices/identify',
      headers: { 'content-type': 'application/json', 'x-api-key': badge.key },
      payload: `{"officer_id":"o-1","photo":"${'A'.repeat(8 * 1024 * 1024)}"}`,
    });
    expect(overLimit.statusCode).toBe(413);
    expect(overLimit.json()).toMatchObject({
      statusCode: 413,
      error: 'Payload Too Large',
      message: expect.stringMatching(/^\$: the body is \d+ bytes, more than \d+$/),
      errors: [{ field: '$', rule: 'max_bytes' }],
    });
    // chunked, with no Content-Length: Fastify stops reading at the limit; answered in the
    // one shape as well
    const chunked = await app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      payload: Readable.from([Buffer.alloc(9 * 1024 * 1024, 0x20)]),
    });
    expect(chunked.statusCode).toBe(413);
    expect(chunked.json()).toMatchObject({
      statusCode: 413,
      error: 'Payload Too Large',
      errors: [{ field: '$', rule: 'max_bytes' }],
    });
    expect(chunked.json()).not.toHaveProperty('code');
    expect(chunked.json<{ message: string }>().message).toMatch(/^\$: /);
    const csv = await app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      headers: { 'content-type': 'text/csv' },
      payload: 'username,password',
    });
    expect(csv.statusCode).toBe(415);
    expect(csv.json()).toEqual({
      errors: [{ field: '$', rule: 'media_type', message: expect.any(String) }],
    });

    const notJson = await app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"username": ',
    });
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json<ErrorBody>().errors[0]).toMatchObject({ field: '$', rule: 'json' });
  });

  it('sends the security headers on the console and the API', async () => {
    for (const url of ['/console', '/v1/auth/me', '/health/live']) {
      const response = await app.inject({ method: 'GET', url });
      const csp = String(response.headers['content-security-policy']);
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("object-src 'none'");
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['referrer-policy']).toBe('no-referrer');
      expect(response.headers['x-frame-options']).toBe('DENY');
    }
  });

  it('ends a session at sign-out: its token is refused from then on', async () => {
    const user = await signInAs(app, ['operator']);
    const me = () => app.inject({ method: 'GET', url: '/v1/auth/me', headers: user.headers });
    expect((await me()).statusCode).toBe(200);
    const out = await app.inject({ method: 'POST', url: '/v1/auth/logout', headers: user.headers });
    expect(out.statusCode).toBe(204);
    expect((await me()).statusCode).toBe(401);
    const again = await app.inject({
      method: 'POST',
      url: '/v1/auth/logout',
      headers: user.headers,
    });
    expect(again.statusCode).toBe(401);
    const logged = (await app
      .get(DataSource)
      .query(
        `SELECT count(*)::int AS n FROM audit_log WHERE action = 'auth.logout' AND subject_id = $1`,
        [user.userId],
      )) as [{ n: number }];
    expect(logged[0].n).toBe(1);
  });
});

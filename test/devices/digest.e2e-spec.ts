import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { register } from 'prom-client';
import { DataSource } from 'typeorm';
import { ApiKeyService, DigestAlgorithm, digestHa1, digestHash } from '@kuzet/auth';
import { IngestModule } from '../../apps/ingest/src/ingest.module';
import { createTestDatabase, TestDatabase } from '../support/database';
import { startTestApp } from '../support/kuzet-app';
import { freePort } from '../support/process';

const REGION_FILE = resolve(__dirname, '../../deploy/config/region.yaml');
const HEARTBEAT = resolve(__dirname, '../fixtures/hikvision/videoloss-heartbeat.xml');
const run = promisify(execFile);

/** HTTP Digest for devices that cannot do Basic: curl's own Digest client (as a camera's), and
 * headers made here where a test needs to hold one, against the real HTTP server; user name =
 * the API key id, password = the key, only for keys issued with `digest` (MD5: `digest_md5`). */
describe('device credentials over HTTP Digest', () => {
  let database: TestDatabase;
  let app: NestFastifyApplication;
  let dir: string;
  let url: string;
  let port: number;
  let key: { id: string; key: string };

  beforeAll(async () => {
    database = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'kuzet-digest-'));
    ({ app } = await startTestApp([IngestModule], {
      DATABASE_URL: database.url,
      KUZET_DATA_DIR: dir,
      KUZET_REGION_FILE: REGION_FILE,
    }));
    port = await freePort();
    await app.listen(port, '127.0.0.1');
    url = `http://127.0.0.1:${port}/v1/devices/hikvision/events`;
    key = await app.get(ApiKeyService).create(
      {
        integrator_id: 'hikvision-aktau',
        label: 'cameras without Basic',
        camera_ids: [],
        district_ids: ['aktau-city'],
        digest: true,
      },
      'test',
    );
    await app
      .get(DataSource)
      .query(
        `UPDATE camera SET device_id = 'bc:ba:c2:4e:11:0a', device_channel = 1 WHERE id = 'aktau-cam-0001'`,
      );
    writeFileSync(join(dir, 'heartbeat.xml'), readFileSync(HEARTBEAT));
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** curl --digest: the status line and the body of the final answer. */
  async function curlDigest(user: string, password: string, ...extra: string[]) {
    const { stdout } = await run(
      'curl',
      [
        '-sS',
        '--max-time',
        '20',
        '--digest',
        '-u',
        `${user}:${password}`,
        '-H',
        'Content-Type: application/xml',
        '--data-binary',
        `@${join(dir, 'heartbeat.xml')}`,
        '-w',
        '\n%{http_code}',
        ...extra,
        url,
      ],
      { timeout: 30_000 },
    );
    const lines = stdout.trimEnd().split('\n');
    return { status: Number(lines.pop()), body: lines.join('\n') };
  }

  const PATH = '/v1/devices/hikvision/events';

  /** A POST to the device route: the status, the body, and each WWW-Authenticate line. */
  function post(headers: Record<string, string>, body = readFileSync(HEARTBEAT)) {
    return new Promise<{ status: number; body: string; challenges: string[] }>((done, fail) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: PATH,
          headers: { 'content-type': 'application/xml', ...headers },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            done({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString('utf8'),
              // one header line per challenge (Node's res.headers would join them)
              challenges: res.rawHeaders.filter(
                (_, i, raw) => i % 2 === 1 && raw[i - 1]!.toLowerCase() === 'www-authenticate',
              ),
            }),
          );
        },
      );
      req.on('error', fail);
      req.end(body);
    });
  }

  async function freshNonce(): Promise<string> {
    const { challenges } = await post({}, Buffer.from('<x/>'));
    return /nonce="([^"]+)"/.exec(challenges.find((c) => c.startsWith('Digest'))!)![1]!;
  }

  /** What a device answers to the challenge (RFC 7616, qop=auth); algorithm null: the
   * parameter left out, as RFC 2069-era firmware does (which means MD5). */
  function digestAuthorization(
    user: string,
    password: string,
    nonce: string,
    algorithm: DigestAlgorithm | null,
    nc = '00000001',
  ): string {
    const alg = algorithm ?? 'MD5';
    const ha1 = digestHa1(alg, user, password).toString('hex');
    const cnonce = 'c0ffee';
    const ha2 = digestHash(alg, `POST:${PATH}`);
    const response = digestHash(alg, `${ha1}:${nonce}:${nc}:${cnonce}:auth:${ha2}`);
    return `Digest username="${user}", realm="kuzet", nonce="${nonce}", uri="${PATH}", response="${response}", qop=auth, nc=${nc}, cnonce="${cnonce}"${algorithm ? `, algorithm=${algorithm}` : ''}`;
  }

  async function failures(reason: string): Promise<number> {
    const metric = register.getSingleMetric('kuzet_digest_auth_failures_total');
    const values = (await metric?.get())?.values ?? [];
    return values.find((v) => v.labels['reason'] === reason)?.value ?? 0;
  }

  it('challenges with Basic and Digest SHA-256 only while no key takes MD5', async () => {
    const { status, challenges } = await post({}, Buffer.from('<x/>'));
    expect(status).toBe(401);
    expect(challenges).toEqual([
      expect.stringMatching(/^Basic realm="kuzet"/),
      expect.stringMatching(/^Digest realm="kuzet", qop="auth", algorithm=SHA-256, nonce="\d+\./),
    ]);
  });

  it('takes a heartbeat from a device answering the Digest challenge (SHA-256, curl)', async () => {
    const answer = await curlDigest(key.id, key.key);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ status: 'seen', camera_id: 'aktau-cam-0001' });
  });

  it('takes each nonce and count once: a copied header is refused, with a fresh challenge', async () => {
    const nonce = await freshNonce();
    const authorization = digestAuthorization(key.id, key.key, nonce, 'SHA-256');
    expect((await post({ authorization })).status).toBe(200);
    const before = await failures('replayed');
    // whoever saw the request sends its header again with a body of their own
    const replay = await post({ authorization }, Buffer.from(readFileSync(HEARTBEAT)));
    expect(replay.status).toBe(401);
    expect(JSON.parse(replay.body)).toMatchObject({
      errors: [{ field: 'Authorization', rule: 'stale_nonce' }],
    });
    expect(replay.challenges).toContainEqual(
      expect.stringMatching(/algorithm=SHA-256.*stale=true/),
    );
    expect(await failures('replayed')).toBe(before + 1);
    // the device itself goes on with the next count on the same nonce
    const next = digestAuthorization(key.id, key.key, nonce, 'SHA-256', '00000002');
    expect((await post({ authorization: next })).status).toBe(200);
    // the use is in PostgreSQL, which every ingest instance shares
    const [row] = await app
      .get(DataSource)
      .query(`SELECT count(*)::int AS n FROM digest_nonce_use WHERE key_id = $1 AND nonce = $2`, [
        key.id,
        nonce,
      ]);
    expect(row.n).toBe(2);
    // a use past its nonce's life is swept (every minute, @nestjs/schedule)
    await app
      .get(DataSource)
      .query(
        `UPDATE digest_nonce_use SET expires_at = now() - interval '1 second' WHERE nonce = $1 AND nc = '00000001'`,
        [nonce],
      );
    await app.get(ApiKeyService).sweepDigestNonces();
    const left = await app
      .get(DataSource)
      .query(`SELECT nc FROM digest_nonce_use WHERE nonce = $1`, [nonce]);
    expect(left).toEqual([{ nc: '00000002' }]);
  });

  it('refuses Digest for a key issued without digest, which still takes Basic and X-Api-Key', async () => {
    const service = app.get(ApiKeyService);
    const plain = await service.create(
      { integrator_id: 'plain', label: 'no Digest', camera_ids: [], district_ids: ['aktau-city'] },
      'test',
    );
    expect(plain).toMatchObject({ digest: false, digest_md5: false });
    const [stored] = await app
      .get(DataSource)
      .query(`SELECT digest_ha1_md5, digest_ha1_sha256 FROM integrator_api_key WHERE id = $1`, [
        plain.id,
      ]);
    expect(stored).toEqual({ digest_ha1_md5: null, digest_ha1_sha256: null });
    const before = await failures('unknown_key');
    const nonce = await freshNonce();
    const digest = await post({
      authorization: digestAuthorization(plain.id, plain.key, nonce, 'SHA-256'),
    });
    expect(digest.status).toBe(401);
    expect(await failures('unknown_key')).toBe(before + 1);
    expect((await curlDigest(plain.id, plain.key)).status).toBe(401);
    const basic = Buffer.from(`${plain.id}:${plain.key}`).toString('base64');
    expect((await post({ authorization: `Basic ${basic}` })).status).toBe(200);
    expect((await post({ 'x-api-key': plain.key })).status).toBe(200);
  });

  it('takes MD5 only for a key issued with digest_md5, and offers it only then', async () => {
    const before = await failures('algorithm');
    let nonce = await freshNonce();
    // a man in the middle who strips the SHA-256 challenge gains nothing
    for (const algorithm of ['MD5', null] as const) {
      const md5 = await post({
        authorization: digestAuthorization(key.id, key.key, nonce, algorithm),
      });
      expect(md5.status).toBe(401);
    }
    expect(await failures('algorithm')).toBe(before + 2);
    const service = app.get(ApiKeyService);
    const old = await service.create(
      {
        integrator_id: 'old-firmware',
        label: 'MD5 cameras',
        camera_ids: [],
        district_ids: ['aktau-city'],
        digest: true,
        digest_md5: true,
      },
      'test',
    );
    expect(old).toMatchObject({ digest: true, digest_md5: true });
    nonce = await freshNonce();
    const algorithms = ['MD5', null, 'SHA-256'] as const;
    for (const [i, algorithm] of algorithms.entries()) {
      const answer = await post({
        authorization: digestAuthorization(old.id, old.key, nonce, algorithm, `0000000${i + 1}`),
      });
      expect(answer.status).toBe(200);
    }
    const { challenges } = await post({}, Buffer.from('<x/>'));
    expect(challenges).toEqual([
      expect.stringMatching(/^Basic realm="kuzet"/),
      expect.stringMatching(/^Digest realm="kuzet", qop="auth", algorithm=SHA-256, nonce="\d+\./),
      expect.stringMatching(/^Digest realm="kuzet", qop="auth", algorithm=MD5, nonce="\d+\./),
    ]);
    expect((await curlDigest(old.id, old.key)).status).toBe(200);
    // still not for the SHA-256 key
    nonce = await freshNonce();
    expect(
      (await post({ authorization: digestAuthorization(key.id, key.key, nonce, 'MD5') })).status,
    ).toBe(401);
  });

  it('refuses a wrong password, another key id, and a revoked key', async () => {
    expect((await curlDigest(key.id, `${key.key}x`)).status).toBe(401);
    expect((await curlDigest('aaaaaaaaaaaaaaaa', key.key)).status).toBe(401);
    const other = await app.get(ApiKeyService).create(
      {
        integrator_id: 'x',
        label: 'revoked',
        camera_ids: [],
        district_ids: ['aktau-city'],
        digest: true,
      },
      'test',
    );
    expect((await curlDigest(other.id, other.key)).status).toBe(200);
    await app.get(ApiKeyService).revoke(other.id, 'test');
    const revoked = await curlDigest(other.id, other.key);
    expect(revoked.status).toBe(401);
    expect(JSON.parse(revoked.body)).toMatchObject({
      errors: [{ field: 'Authorization', rule: 'digest' }],
    });
  });

  it('refuses wrong Digest credentials before reading the body', async () => {
    const nonce = `${Date.now()}.forged`;
    const authorization = `Digest username="${key.id}", realm="kuzet", nonce="${nonce}", uri="/v1/devices/hikvision/events", response="00000000000000000000000000000000", qop=auth, nc=00000001, cnonce="abc"`;
    // 4 MiB announced, 1 KiB sent and the rest held back: only an answer from the headers comes
    const answer = await new Promise<number>((done, fail) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/v1/devices/hikvision/events',
          headers: {
            authorization,
            'content-type': 'application/xml',
            'content-length': 4 * 1024 * 1024,
          },
        },
        (res) => {
          res.resume();
          done(res.statusCode ?? 0);
          req.destroy();
        },
      );
      req.on('error', fail);
      req.write(Buffer.alloc(1024, 0x20));
    });
    expect(answer).toBe(401);
  });
});

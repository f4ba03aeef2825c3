import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { DataSource } from 'typeorm';
import { ApiKeyService } from '@kuzet/auth';
import { IngestModule } from '../../apps/ingest/src/ingest.module';
import { createTestDatabase, TestDatabase } from '../support/database';
import { startTestApp } from '../support/kuzet-app';
import { freePort } from '../support/process';

const REGION_FILE = resolve(__dirname, '../../deploy/config/region.yaml');
const HEARTBEAT = resolve(__dirname, '../fixtures/hikvision/videoloss-heartbeat.xml');
const run = promisify(execFile);

/** HTTP Digest for devices that cannot do Basic: curl's own Digest client (as a camera's)
 * against the real HTTP server, user name = the API key id, password = the key. */
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

  it('takes a heartbeat from a device answering the Digest challenge (MD5, as curl does)', async () => {
    const answer = await curlDigest(key.id, key.key);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ status: 'seen', camera_id: 'aktau-cam-0001' });
  });

  it('refuses a wrong password, another key id, and a revoked key', async () => {
    expect((await curlDigest(key.id, `${key.key}x`)).status).toBe(401);
    expect((await curlDigest('aaaaaaaaaaaaaaaa', key.key)).status).toBe(401);
    const other = await app
      .get(ApiKeyService)
      .create(
        { integrator_id: 'x', label: 'revoked', camera_ids: [], district_ids: ['aktau-city'] },
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

  it('challenges with Basic and Digest (SHA-256 and MD5) and a nonce kuzet signed', async () => {
    const challenge = await new Promise<string[]>((done, fail) => {
      const req = request(
        { host: '127.0.0.1', port, method: 'POST', path: '/v1/devices/hikvision/events' },
        (res) => {
          res.resume();
          // one header line per challenge (Node's res.headers would join them)
          done(
            res.rawHeaders.filter(
              (_, i, raw) => i % 2 === 1 && raw[i - 1]!.toLowerCase() === 'www-authenticate',
            ),
          );
        },
      );
      req.on('error', fail);
      req.setHeader('content-type', 'application/xml');
      req.end('<x/>');
    });
    expect(challenge).toEqual([
      expect.stringMatching(/^Basic realm="kuzet"/),
      expect.stringMatching(/^Digest realm="kuzet", qop="auth", algorithm=SHA-256, nonce="\d+\./),
      expect.stringMatching(/^Digest realm="kuzet", qop="auth", algorithm=MD5, nonce="\d+\./),
    ]);
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

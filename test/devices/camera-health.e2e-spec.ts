import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { ApiKeyService } from '@kuzet/auth';
import { createTestDatabase, TestDatabase } from '../support/database';
import { everyAppModule, startTestApp } from '../support/kuzet-app';
import { SignedInStaff, signInAs } from '../support/staff';
import { waitFor } from '../support/wait';

const REGION_FILE = resolve(__dirname, '../../deploy/config/region.yaml');
const HEARTBEAT = resolve(__dirname, '../fixtures/hikvision/videoloss-heartbeat.xml');
/** Short for the test; above the registry's 10 s between two writes of one camera's last sign. */
const SILENT_AFTER_MS = 12_000;

interface DistrictHealth {
  district_id: string;
  centre_id: string;
  online: number;
  offline: number;
  never_seen: number;
}

/** A camera that stops its heartbeats goes offline, and comes back with the next one: per
 * district for the dashboards, by camera for the console, each centre seeing its own. */
describe('camera health from heartbeats', () => {
  let database: TestDatabase;
  let app: NestFastifyApplication;
  let dataDir: string;
  let aktau: SignedInStaff;
  let zhanaozen: SignedInStaff;
  let basic: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'kuzet-health-'));
    ({ app } = await startTestApp(everyAppModule(), {
      DATABASE_URL: database.url,
      KUZET_DATA_DIR: dataDir,
      KUZET_REGION_FILE: REGION_FILE,
      RETENTION_PURGE_INTERVAL_MS: 0,
      CAMERA_SILENT_AFTER_MS: SILENT_AFTER_MS,
    }));
    aktau = await signInAs(app, ['operator'], ['aktau']);
    zhanaozen = await signInAs(app, ['operator'], ['zhanaozen']);
    const key = await app.get(ApiKeyService).create(
      {
        integrator_id: 'hikvision-aktau',
        label: 'x',
        camera_ids: [],
        district_ids: ['aktau-city'],
      },
      'test',
    );
    basic = `Basic ${Buffer.from(`admin:${key.key}`).toString('base64')}`;
    await app
      .get(DataSource)
      .query(
        `UPDATE camera SET device_id = 'bc:ba:c2:4e:11:0a', device_channel = 1 WHERE id = 'aktau-cam-0001'`,
      );
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const get = async <T>(who: SignedInStaff, url: string): Promise<T> => {
    const response = await app.inject({ method: 'GET', url, headers: who.headers });
    expect(response.statusCode).toBe(200);
    return response.json<T>();
  };
  const heartbeat = async () => {
    const local = new Date(Date.now() + 5 * 3600_000).toISOString().slice(0, 19);
    const response = await app.inject({
      method: 'POST',
      url: '/v1/devices/hikvision/events',
      headers: { 'content-type': 'application/xml', authorization: basic },
      payload: readFileSync(HEARTBEAT, 'utf8').replace(
        /<dateTime>[^<]*<\/dateTime>/,
        `<dateTime>${local}+05:00</dateTime>`,
      ),
    });
    expect(response.statusCode).toBe(200);
  };
  const aktauCity = async () =>
    (
      await get<{ items: DistrictHealth[] }>(aktau, '/v1/camera-health/districts?limit=100')
    ).items.find((d) => d.district_id === 'aktau-city')!;
  const offline = async () =>
    (
      await get<{ items: { camera_id: string; silent_seconds: number }[] }>(
        aktau,
        '/v1/camera-health/offline',
      )
    ).items.map((c) => c.camera_id);

  it('counts a camera online after its heartbeat, offline when it stops, online when it is back', async () => {
    const before = await aktauCity();
    expect(before).toMatchObject({ centre_id: 'aktau', online: 0, offline: 0 });
    const cameras = before.never_seen;
    expect(cameras).toBeGreaterThan(1);

    await heartbeat();
    expect(await aktauCity()).toMatchObject({ online: 1, offline: 0, never_seen: cameras - 1 });
    expect(await offline()).toEqual([]);

    // the camera says nothing more
    await waitFor(
      'aktau-cam-0001 offline',
      async () => (await offline()).includes('aktau-cam-0001'),
      {
        timeoutMs: SILENT_AFTER_MS + 30_000,
        intervalMs: 500,
      },
    );
    expect(await aktauCity()).toMatchObject({ online: 0, offline: 1, never_seen: cameras - 1 });

    await heartbeat();
    expect(await offline()).toEqual([]);
    expect(await aktauCity()).toMatchObject({ online: 1, offline: 0 });
  });

  it('shows each centre its own districts only', async () => {
    const theirs = await get<{ items: DistrictHealth[] }>(
      zhanaozen,
      '/v1/camera-health/districts?limit=100',
    );
    expect(theirs.items.length).toBeGreaterThan(0);
    // Zhanaozen's and its district centres' districts, none of Aktau's
    const ids = theirs.items.map((d) => d.district_id);
    expect(ids).toContain('zhanaozen-city');
    expect(ids).not.toContain('aktau-city');
    expect(theirs.items.some((d) => d.centre_id === 'aktau')).toBe(false);
    const paged = await get<{ items: DistrictHealth[]; next_cursor: string | null }>(
      aktau,
      '/v1/camera-health/districts?limit=1',
    );
    expect(paged.items).toHaveLength(1);
    expect(paged.next_cursor).not.toBeNull();
    const bad = await app.inject({
      method: 'GET',
      url: '/v1/camera-health/offline?limit=0',
      headers: aktau.headers,
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ errors: [{ field: 'limit' }] });
  });
});

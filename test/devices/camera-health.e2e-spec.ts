import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { ApiKeyService } from '@kuzet/auth';
import { CameraHealthService } from '../../apps/ops-center/src/health/camera-health.service';
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
  let admin: SignedInStaff;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'kuzet-health-'));
    ({ app } = await startTestApp(everyAppModule(), {
      DATABASE_URL: database.url,
      KUZET_DATA_DIR: dataDir,
      KUZET_REGION_FILE: REGION_FILE,
      RETENTION_PURGE_INTERVAL_MS: 0,
      CAMERA_SILENT_AFTER_MS: SILENT_AFTER_MS,
      CAMERA_HEALTH_INTERVAL_MS: 1_000,
    }));
    aktau = await signInAs(app, ['operator'], ['aktau']);
    zhanaozen = await signInAs(app, ['operator'], ['zhanaozen']);
    admin = await signInAs(app, ['system-admin']);
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

  interface OfflineAlert {
    id: string;
    kind: string;
    state: string;
    centre_id: string;
    camera_id: string;
    camera_name: string | null;
    district_name: string | null;
    last_seen_at: string;
    decided_by: string | null;
  }
  const offlineAlerts = async (who: SignedInStaff, cameraId: string) =>
    (
      await get<{ items: OfflineAlert[] }>(
        who,
        `/v1/alerts?kind=camera_offline&camera_id=${cameraId}&limit=100`,
      )
    ).items;

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

  it('raises one camera offline alert to the camera’s centre when its heartbeats stop, and resolves it when they return', async () => {
    const db = app.get(DataSource);
    await heartbeat();
    const seen = (
      await db.query<{ last_seen_at: Date }[]>(
        `SELECT last_seen_at FROM camera WHERE id = 'aktau-cam-0001'`,
      )
    )[0]!.last_seen_at;
    // the outage of the test before, resolved
    const earlier = new Set((await offlineAlerts(aktau, 'aktau-cam-0001')).map((a) => a.id));
    const fresh = async () =>
      (await offlineAlerts(aktau, 'aktau-cam-0001')).filter((a) => !earlier.has(a.id));
    expect(await fresh()).toEqual([]);

    // the heartbeats stop
    const [raised] = await waitFor(
      'the offline alert',
      async () => {
        const alerts = await fresh();
        return alerts.length > 0 ? alerts : undefined;
      },
      { timeoutMs: SILENT_AFTER_MS + 30_000, intervalMs: 500 },
    );
    expect(raised).toMatchObject({
      kind: 'camera_offline',
      state: 'new',
      centre_id: 'aktau',
      camera_name: 'Microdistrict 14, Mangilik El avenue',
      district_name: 'Aktau city',
      last_seen_at: seen.toISOString(),
    });
    // Zhanaozen's operators do not see Aktau's camera
    expect(await offlineAlerts(zhanaozen, 'aktau-cam-0001')).toEqual([]);
    const other = await app.inject({
      method: 'GET',
      url: `/v1/alerts/${raised!.id}`,
      headers: zhanaozen.headers,
    });
    expect(other.statusCode).toBe(404);
    // a camera offline alert is not confirmed: it is resolved when the camera is back
    const confirm = await app.inject({
      method: 'POST',
      url: `/v1/alerts/${raised!.id}/decisions`,
      headers: aktau.headers,
      payload: { action: 'confirm' },
    });
    expect(confirm.statusCode).toBe(400);
    expect(confirm.json()).toMatchObject({ errors: [{ field: 'action', rule: 'alert_kind' }] });

    // more passes, from several callers at once: still one alert for this outage
    const health = app.get(CameraHealthService);
    await Promise.all([health.tick(), health.raiseSilent(), health.raiseSilent()]);
    expect(await fresh()).toHaveLength(1);

    // the heartbeats return
    await heartbeat();
    const resolved = await waitFor(
      'the alert resolved',
      async () => {
        const [alert] = await fresh();
        return alert?.state === 'resolved' ? alert : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(resolved).toMatchObject({ id: raised!.id, decided_by: 'camera-health' });
    const audit = await db.query<{ action: string; details: Record<string, unknown> }[]>(
      `SELECT action, details FROM audit_log
        WHERE (subject_id = $1 AND action = 'alert.resolved')
           OR (subject_id = 'aktau-cam-0001' AND action = 'camera.offline-raised'
               AND details->>'alertId' = $1::text)
        ORDER BY seq`,
      [raised!.id],
    );
    expect(audit.map((a) => a.action)).toEqual(['camera.offline-raised', 'alert.resolved']);
    expect(audit[1]!.details).toMatchObject({ reason: 'camera_back_online' });
    expect(
      (
        await db.query<{ n: number }[]>(
          `SELECT count(*)::int AS n FROM camera_outage WHERE camera_id = 'aktau-cam-0001' AND cleared_at IS NULL`,
        )
      )[0]!.n,
    ).toBe(0);
  });

  it('takes a camera’s own interval before the global one', async () => {
    const db = app.get(DataSource);
    const patch = await app.inject({
      method: 'PATCH',
      url: '/v1/cameras/aktau-cam-0003',
      headers: admin.headers,
      payload: { silent_after_seconds: 3600 },
    });
    expect(patch.statusCode).toBe(200);
    expect(patch.json()).toMatchObject({ silent_after_seconds: 3600 });
    const tooShort = await app.inject({
      method: 'PATCH',
      url: '/v1/cameras/aktau-cam-0003',
      headers: admin.headers,
      payload: { silent_after_seconds: 5 },
    });
    expect(tooShort.statusCode).toBe(400);
    expect(tooShort.json()).toMatchObject({ errors: [{ field: 'silent_after_seconds' }] });
    // both silent for a minute: beyond the global 12 s, within aktau-cam-0003's own hour
    await db.query(
      `UPDATE camera SET last_seen_at = now() - interval '60 seconds' WHERE id IN ('aktau-cam-0002', 'aktau-cam-0003')`,
    );
    const health = app.get(CameraHealthService);
    await health.raiseSilent();
    expect(await offlineAlerts(aktau, 'aktau-cam-0002')).toHaveLength(1);
    expect(await offlineAlerts(aktau, 'aktau-cam-0003')).toEqual([]);
    const listed = (
      await get<{ items: { camera_id: string; camera_name: string; district_name: string }[] }>(
        aktau,
        '/v1/camera-health/offline',
      )
    ).items;
    expect(listed.map((c) => c.camera_id)).toContain('aktau-cam-0002');
    expect(listed.map((c) => c.camera_id)).not.toContain('aktau-cam-0003');
    expect(listed.find((c) => c.camera_id === 'aktau-cam-0002')).toMatchObject({
      camera_name: 'Aktau sea port entrance',
      district_name: 'Aktau city',
    });
    await db.query(
      `UPDATE camera SET last_seen_at = NULL WHERE id IN ('aktau-cam-0002', 'aktau-cam-0003')`,
    );
  });

  it('counts no badge among the cameras and raises no offline alert for one', async () => {
    const before = await aktauCity();
    const created = await app.inject({
      method: 'POST',
      url: '/v1/cameras',
      headers: admin.headers,
      payload: {
        id: 'aktau-badge-0001',
        name: 'Badge 1',
        district_id: 'aktau-city',
        kind: 'badge',
      },
    });
    expect(created.statusCode).toBe(201);
    expect(await aktauCity()).toEqual(before);
    // a badge seen once, then carried off duty
    await app
      .get(DataSource)
      .query(
        `UPDATE camera SET last_seen_at = now() - interval '1 hour' WHERE id = 'aktau-badge-0001'`,
      );
    await app.get(CameraHealthService).raiseSilent();
    expect(await offlineAlerts(aktau, 'aktau-badge-0001')).toEqual([]);
    expect(await offline()).not.toContain('aktau-badge-0001');
    expect(await aktauCity()).toEqual(before);
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

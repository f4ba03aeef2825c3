import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
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
const FIXTURES = resolve(__dirname, '../fixtures/hikvision');

/** A centre turns an analytics type off: its detections raise no alert there, the others do;
 * turned on again, they do again. */
describe('analytics types on and off per centre', () => {
  let database: TestDatabase;
  let app: NestFastifyApplication;
  let dataDir: string;
  let admin: SignedInStaff;
  let operator: SignedInStaff;
  let basic: string;
  let db: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'kuzet-analytics-'));
    ({ app } = await startTestApp(everyAppModule(), {
      DATABASE_URL: database.url,
      KUZET_DATA_DIR: dataDir,
      KUZET_REGION_FILE: REGION_FILE,
      RETENTION_PURGE_INTERVAL_MS: 0,
      REGISTRY_CACHE_TTL_MS: 1,
    }));
    admin = await signInAs(app, ['system-admin']);
    operator = await signInAs(app, ['operator'], ['aktau']);
    const key = await app
      .get(ApiKeyService)
      .create(
        { integrator_id: 'hikvision', label: 'x', camera_ids: [], district_ids: ['aktau-city'] },
        'test',
      );
    basic = `Basic ${Buffer.from(`admin:${key.key}`).toString('base64')}`;
    db = app.get(DataSource);
    // both alarms from one camera: one partition, so the second is handled after the first
    await db.query(
      `UPDATE camera SET device_id = 'bc:ba:c2:4e:11:71', device_channel = 1 WHERE id = 'aktau-cam-0002'`,
    );
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const post = async (fixture: string): Promise<string> => {
    const local = new Date(Date.now() + 5 * 3600_000 - 2000).toISOString().slice(0, 19);
    const xml = readFileSync(join(FIXTURES, fixture), 'utf8')
      .replace(/<dateTime>[^<]*<\/dateTime>/, `<dateTime>${local}+05:00</dateTime>`)
      .replace(/<macAddress>[^<]*<\/macAddress>/, '<macAddress>bc:ba:c2:4e:11:71</macAddress>')
      .replace(/<channelID>[^<]*<\/channelID>/, '<channelID>1</channelID>')
      .replace(/<UUID>[^<]*<\/UUID>/, '')
      .replace('<eventType>', `<UUID>${randomUUID()}</UUID><eventType>`);
    const response = await app.inject({
      method: 'POST',
      url: '/v1/devices/hikvision/events',
      headers: { 'content-type': 'application/xml', authorization: basic },
      payload: xml,
    });
    expect(response.statusCode).toBe(202);
    return response.json<{ event_id: string }>().event_id;
  };
  const alerted = async (eventId: string) =>
    (await db.query(`SELECT 1 FROM alert WHERE event_id = $1`, [eventId])).length > 0;
  const put = (who: SignedInStaff, off: unknown) =>
    app.inject({
      method: 'PUT',
      url: '/v1/centres/aktau/analytics',
      headers: who.headers,
      payload: { off },
    });

  it('raises no alert for a type the centre turned off, and does again once it is on', async () => {
    const turned = await put(admin, ['crowd', 'loitering']);
    expect(turned.statusCode).toBe(200);
    expect(turned.json()).toEqual({ centre_id: 'aktau', off: ['crowd', 'loitering'] });
    const read = await app.inject({
      method: 'GET',
      url: '/v1/centres/aktau/analytics',
      headers: admin.headers,
    });
    expect(read.json()).toEqual({ centre_id: 'aktau', off: ['crowd', 'loitering'] });

    const crowd = await post('crowd.xml');
    const intrusion = await post('fielddetection.xml');
    await waitFor('the intrusion alert', () => alerted(intrusion), { timeoutMs: 60_000 });
    expect(await alerted(crowd)).toBe(false);

    expect((await put(admin, [])).statusCode).toBe(200);
    const again = await post('crowd.xml');
    await waitFor('the crowd alert once crowds are on', () => alerted(again), {
      timeoutMs: 60_000,
    });

    const [audit] = await db.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM audit_log WHERE action = 'registry.centre-analytics-changed' AND subject_id = 'aktau'`,
    );
    expect(audit!.n).toBe(2);
  });

  it("lets a supervisor read only the switches of the user's centres and their district centres", async () => {
    const aktauSupervisor = await signInAs(app, ['supervisor'], ['aktau']);
    const zhanaozenSupervisor = await signInAs(app, ['supervisor'], ['zhanaozen']);
    const read = (who: SignedInStaff, centre: string) =>
      app.inject({ method: 'GET', url: `/v1/centres/${centre}/analytics`, headers: who.headers });
    expect((await read(aktauSupervisor, 'aktau')).statusCode).toBe(200);
    // Munaily is a district centre below Aktau
    expect((await read(aktauSupervisor, 'munaily')).statusCode).toBe(200);
    // another main centre's and its district centre's switches: the answer for an unknown centre
    for (const centre of ['aktau', 'munaily']) {
      const refused = await read(zhanaozenSupervisor, centre);
      expect(refused.statusCode).toBe(404);
      expect(refused.json()).not.toHaveProperty('off');
    }
    expect((await read(zhanaozenSupervisor, 'zhanaozen')).statusCode).toBe(200);
    expect((await read(admin, 'zhanaozen')).statusCode).toBe(200);
  });

  it('refuses an unknown type naming it, an unknown centre, and an operator', async () => {
    const bad = await put(admin, ['crowds']);
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ errors: [{ field: 'off.0', rule: expect.any(String) }] });
    const unknown = await app.inject({
      method: 'PUT',
      url: '/v1/centres/nowhere/analytics',
      headers: admin.headers,
      payload: { off: [] },
    });
    expect(unknown.statusCode).toBe(404);
    expect((await put(operator, [])).statusCode).toBe(403);
  });
});

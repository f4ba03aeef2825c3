import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomInt, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DataSource } from 'typeorm';
import {
  create,
  CameraEventSchema,
  encodeCameraEvent,
  timestampFromMs,
  VehicleDirection,
} from '@kuzet/contracts';
import { MESSAGE_BUS, MessageBus, TOPICS } from '@kuzet/messaging';
import { PlateIndex, VehicleListRepository } from '@kuzet/vehicles';
import { PlateIndexSync } from '../../apps/matcher/src/vehicles/plate-index.sync';
import { createTestDatabase, TestDatabase } from '../support/database';
import { everyAppModule, startTestApp } from '../support/kuzet-app';
import { SignedInStaff, signInAs } from '../support/staff';
import { eventually } from '../support/transports';

const REGION_FILE = resolve(__dirname, '../../deploy/config/region.yaml');
/** This run's plate digits (other suites read plates on the same shared topic). */
const D = String(100 + randomInt(900));

/** A watchlist administrator edits and archives a vehicle list; every matcher's plate index
 * follows (a change republishes the list's plates, an archive takes them out), on the real
 * broker and PostgreSQL. */
describe('vehicle lists: edit and archive', () => {
  let database: TestDatabase;
  let app: NestFastifyApplication;
  let dataDir: string;
  let admin: SignedInStaff;
  let operator: SignedInStaff;
  let bus: MessageBus;
  let db: DataSource;
  let index: PlateIndex;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'kuzet-vehicle-lists-'));
    ({ app } = await startTestApp(everyAppModule(), {
      DATABASE_URL: database.url,
      KUZET_DATA_DIR: dataDir,
      KUZET_REGION_FILE: REGION_FILE,
      RETENTION_PURGE_INTERVAL_MS: 0,
    }));
    admin = await signInAs(app, ['watchlist-admin']);
    operator = await signInAs(app, ['operator'], ['aktau']);
    bus = app.get<MessageBus>(MESSAGE_BUS);
    db = app.get(DataSource);
    index = app.get(PlateIndex);
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const call = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) =>
    app.inject({ method, url, headers: admin.headers, payload });

  async function listWithPlate(name: string, plate: string) {
    const list = await call('POST', '/v1/vehicle-lists', {
      name,
      category: 'stolen',
      priority: 50,
      match_policy: 'exact',
    });
    expect(list.statusCode).toBe(201);
    const listId = list.json<{ id: string }>().id;
    const added = await call('POST', `/v1/vehicle-lists/${listId}/entries`, { plate });
    expect(added.statusCode).toBe(200);
    const entryId = added.json<{ entry: { id: string } }>().entry.id;
    await eventually(async () => index.get(entryId) !== undefined, 'the plate indexed', 30_000);
    return { listId, entryId };
  }

  function read(plate: string) {
    return create(CameraEventSchema, {
      eventId: randomUUID(),
      cameraId: 'aktau-cam-0002',
      capturedAt: timestampFromMs(Date.now() - 500),
      sourceId: 'anpr-vendor',
      payload: {
        case: 'plateRead',
        value: { plate, confidence: 0.95, country: 'KZ', direction: VehicleDirection.APPROACHING },
      },
    });
  }

  it('changes name, category, priority, policy and expiry; matchers apply it; audited', async () => {
    const { listId, entryId } = await listWithPlate('Wanted cars', `${D} KZA 01`);
    const expiresAt = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const patched = await call('PATCH', `/v1/vehicle-lists/${listId}`, {
      name: 'Wanted cars (regional)',
      category: 'wanted',
      priority: 85,
      match_policy: 'confusion',
      expires_at: expiresAt,
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({
      name: 'Wanted cars (regional)',
      category: 'wanted',
      priority: 85,
      match_policy: 'confusion',
      expires_at: expiresAt,
      archived_at: null,
    });
    await eventually(
      async () => index.get(entryId)?.priority === 85,
      'the matcher has the new priority',
      30_000,
    );
    expect(index.get(entryId)).toMatchObject({
      category: 'wanted',
      policy: 'confusion',
      expiresAtMs: Date.parse(expiresAt),
    });
    const logged = await db.query<{ actor: string; details: Record<string, unknown> }[]>(
      `SELECT actor, details FROM audit_log WHERE action = 'vehicle-list.updated' AND subject_id = $1`,
      [listId],
    );
    expect(logged).toEqual([
      {
        actor: admin.username,
        details: {
          republished: 1,
          changed: expect.objectContaining({
            priority: { from: 50, to: 85 },
            match_policy: { from: 'exact', to: 'confusion' },
          }),
        },
      },
    ]);

    // the expiry taken away again
    const cleared = await call('PATCH', `/v1/vehicle-lists/${listId}`, { expires_at: null });
    expect(cleared.json()).toMatchObject({ expires_at: null });
  });

  it('refuses bad changes naming each field, and changes nothing', async () => {
    const { listId } = await listWithPlate('Checked', `${D} KZA 02`);
    for (const [body, fields] of [
      [{ priority: 101, name: '' }, ['name', 'priority']],
      [{ match_policy: 'fuzzy' }, ['match_policy']],
      [{ category: 'Stolen Cars' }, ['category']],
      [{ expires_at: 'tomorrow' }, ['expires_at']],
      // a field lists do not have: refused as unknown
      [{ colour: '#ff0000' }, ['$']],
      [{}, ['$']],
    ] as const) {
      const response = await call('PATCH', `/v1/vehicle-lists/${listId}`, body);
      expect(response.statusCode).toBe(400);
      const named = response.json<{ errors: { field: string }[] }>().errors.map((e) => e.field);
      expect([...new Set(named)].sort()).toEqual([...fields].sort());
    }
    const list = (await call('GET', '/v1/vehicle-lists?limit=100')).json<{
      items: { id: string; name: string; priority: number }[];
    }>();
    expect(list.items.find((l) => l.id === listId)).toMatchObject({
      name: 'Checked',
      priority: 50,
    });
  });

  it('archives with a reason: its plates stop matching, it is kept, and audited', async () => {
    const archived = await listWithPlate('Closed case', `${D} KZA 03`);
    const live = await listWithPlate('Open case', `${D} KZA 04`);
    const short = await call('POST', `/v1/vehicle-lists/${archived.listId}/archive`, {
      reason: 'x',
    });
    expect(short.statusCode).toBe(400);
    expect(short.json<{ errors: { field: string }[] }>().errors[0]!.field).toBe('reason');

    const done = await call('POST', `/v1/vehicle-lists/${archived.listId}/archive`, {
      reason: 'case KUI-2026-0042 closed',
    });
    expect(done.statusCode).toBe(200);
    expect(done.json()).toMatchObject({
      archived_by: admin.username,
      archive_reason: 'case KUI-2026-0042 closed',
    });
    expect(done.json<{ archived_at: string | null }>().archived_at).not.toBeNull();
    await eventually(
      async () => index.get(archived.entryId) === undefined,
      'the archived plate leaves the index',
      30_000,
    );
    const logged = await db.query<{ actor: string; details: Record<string, unknown> }[]>(
      `SELECT actor, details FROM audit_log WHERE action = 'vehicle-list.archived' AND subject_id = $1`,
      [archived.listId],
    );
    expect(logged).toEqual([
      {
        actor: admin.username,
        details: { reason: 'case KUI-2026-0042 closed', republished: 1 },
      },
    ]);

    // kept as it was archived
    for (const [method, url, body] of [
      ['PATCH', `/v1/vehicle-lists/${archived.listId}`, { priority: 10 }],
      ['POST', `/v1/vehicle-lists/${archived.listId}/archive`, { reason: 'again, twice' }],
      ['POST', `/v1/vehicle-lists/${archived.listId}/entries`, { plate: `${D} KZA 05` }],
    ] as const) {
      const refused = await call(method, url, body);
      expect(refused.statusCode).toBe(409);
      expect(refused.json<{ errors: { rule: string }[] }>().errors[0]!.rule).toBe('archived');
    }

    // the archived plate read first, then the live one on the same camera (one partition, in
    // order): once the live one's alert is there, the archived one was matched against nothing
    await bus.publish(
      TOPICS.cameraEvents,
      [read(`${D}KZA03`), read(`${D}KZA04`)].map((e) => ({
        key: e.cameraId,
        value: encodeCameraEvent(e),
      })),
    );
    const plates = async () =>
      (await app.inject({ method: 'GET', url: '/v1/alerts?limit=100', headers: operator.headers }))
        .json<{ items: { kind: string; message: string | null }[] }>()
        .items.filter((a) => a.kind === 'vehicle_hit')
        .map((a) => a.message);
    await eventually(
      async () => (await plates()).includes(`${D}KZA04`),
      'the live list alert',
      60_000,
    );
    expect(await plates()).not.toContain(`${D}KZA03`);

    // a matcher starting now rebuilds without the archived list's plates
    const rebuilt = new PlateIndex();
    await new PlateIndexSync(rebuilt, app.get(VehicleListRepository), bus, db).onModuleInit();
    expect(rebuilt.get(archived.entryId)).toBeUndefined();
    expect(rebuilt.get(live.entryId)).toBeDefined();
  });
});

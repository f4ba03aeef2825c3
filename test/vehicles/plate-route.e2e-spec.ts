import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
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
import { STUB_JPEG } from '@kuzet/contracts/testing/samples';
import { MESSAGE_BUS, MessageBus, TOPICS } from '@kuzet/messaging';
import { PlateReadStore } from '@kuzet/vehicles';
import { createTestDatabase, TestDatabase } from '../support/database';
import { everyAppModule, startTestApp } from '../support/kuzet-app';
import { SignedInStaff, signInAs } from '../support/staff';
import { eventually } from '../support/transports';

const REGION_FILE = resolve(__dirname, '../../deploy/config/region.yaml');
const DAY_MS = 86_400_000;

interface RouteJson {
  plate: string;
  on_list: boolean;
  truncated: boolean;
  sightings: {
    event_id: string;
    camera_id: string;
    camera_name: string | null;
    latitude: number | null;
    longitude: number | null;
    seen_at: string;
    direction: string;
    seconds_since_previous: number | null;
  }[];
}

interface AuditEntryJson {
  actor: string;
  action: string;
  subject_type: string;
  subject_id: string;
  details: Record<string, unknown>;
}

/** Plate reads on the real broker into the day-partitioned plate_read table (idempotent,
 * expired reads not kept), the route of one plate, the purpose-bound history search of a car
 * on no list with its audit trail, and retention by dropping whole partitions. */
describe('plate reads: intake, route, audited history search, partition retention', () => {
  let database: TestDatabase;
  let app: NestFastifyApplication;
  let dataDir: string;
  let bus: MessageBus;
  let db: DataSource;
  let admin: SignedInStaff;
  let operator: SignedInStaff;
  let supervisor: SignedInStaff;
  let auditor: SignedInStaff;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'kuzet-plate-route-'));
    ({ app } = await startTestApp(everyAppModule(), {
      DATABASE_URL: database.url,
      KUZET_DATA_DIR: dataDir,
      KUZET_REGION_FILE: REGION_FILE,
      RETENTION_PURGE_INTERVAL_MS: 0,
      PLATE_READ_PARTITION_INTERVAL_MS: 0,
    }));
    bus = app.get<MessageBus>(MESSAGE_BUS);
    db = app.get(DataSource);
    admin = await signInAs(app, ['watchlist-admin']);
    operator = await signInAs(app, ['operator'], ['zhanaozen']);
    supervisor = await signInAs(app, ['supervisor'], ['aktau']);
    auditor = await signInAs(app, ['auditor']);
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  function read(cameraId: string, plate: string, atMs: number, eventId = randomUUID()) {
    return create(CameraEventSchema, {
      eventId,
      cameraId,
      capturedAt: timestampFromMs(atMs),
      sourceId: 'anpr-vendor',
      payload: {
        case: 'plateRead',
        value: {
          plate,
          confidence: 0.93,
          country: 'KZ',
          direction: VehicleDirection.APPROACHING,
          plateCropJpeg: STUB_JPEG,
          overviewJpeg: STUB_JPEG,
        },
      },
    });
  }

  async function produce(events: ReturnType<typeof read>[]) {
    await bus.publish(
      TOPICS.cameraEvents,
      events.map((e) => ({ key: e.cameraId, value: encodeCameraEvent(e) })),
    );
  }

  async function stored(eventIds: readonly string[]): Promise<number> {
    const [row] = await db.query<{ n: string }[]>(
      `SELECT count(*) AS n FROM plate_read WHERE event_id = ANY($1::uuid[])`,
      [eventIds],
    );
    return Number(row!.n);
  }

  async function partitions(): Promise<string[]> {
    const rows = await db.query<{ name: string }[]>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'plate_read' ORDER BY 1`,
    );
    return rows.map((r) => r.name);
  }

  const dayName = (ms: number) =>
    `plate_read_p${new Date(ms).toISOString().slice(0, 10).replace(/-/g, '')}`;

  const route = (who: SignedInStaff, query: Record<string, string>) =>
    app.inject({
      method: 'GET',
      url: `/v1/vehicles/route?${new URLSearchParams(query).toString()}`,
      headers: who.headers,
    });

  async function auditEntries(action: string): Promise<AuditEntryJson[]> {
    const response = await app.inject({
      method: 'GET',
      url: `/v1/audit/log?action=${action}&limit=500`,
      headers: auditor.headers,
    });
    expect(response.statusCode).toBe(200);
    return response.json<{ items: AuditEntryJson[] }>().items;
  }

  it('keeps day partitions from yesterday to two days ahead, made before any read', async () => {
    const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
    const names = await partitions();
    for (let d = -1; d <= 2; d++) expect(names).toContain(dayName(today + d * DAY_MS));
    const [index] = await db.query<{ n: string }[]>(
      `SELECT count(*) AS n FROM pg_indexes WHERE tablename = $1 AND indexdef LIKE '%(plate_normalised, read_at)%'`,
      [dayName(today)],
    );
    expect(Number(index!.n)).toBe(1);
  });

  it('stores every read from Kafka once, however often it is delivered; expired reads are not kept', async () => {
    const now = Date.now();
    const fresh = Array.from({ length: 40 }, (_, i) =>
      read('munaily-cam-0001', `${String(100 + i)}KZT12`, now - i * 60_000),
    );
    // four days ago: a partition made on demand for a late read
    const late = read('munaily-cam-0002', '555LAT12', now - 4 * DAY_MS);
    const expired = read('munaily-cam-0002', '555OLD12', now - 45 * DAY_MS);
    await produce([...fresh, late, expired]);
    await produce(fresh.slice(0, 10)); // a redelivery
    const ids = [...fresh, late].map((e) => e.eventId);
    await eventually(async () => (await stored(ids)) === ids.length, 'the reads stored', 60_000);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await stored(ids)).toBe(ids.length);
    expect(await stored([expired.eventId])).toBe(0);
    expect(await partitions()).toContain(dayName(now - 4 * DAY_MS));
    const [row] = await db.query<{ plate_normalised: string; plate_read: string }[]>(
      `SELECT plate_normalised, plate_read FROM plate_read WHERE event_id = $1`,
      [fresh[3]!.eventId],
    );
    expect(row).toEqual({ plate_normalised: '103KZT12', plate_read: '103KZT12' });
  });

  it("answers a listed car's route to operators of any centre, in order, with positions and the time between cameras", async () => {
    const list = await app.inject({
      method: 'POST',
      url: '/v1/vehicle-lists',
      headers: admin.headers,
      payload: { name: 'Stolen', category: 'stolen', priority: 90, match_policy: 'confusion' },
    });
    expect(list.statusCode).toBe(201);
    const listId = list.json<{ id: string }>().id;
    const added = await app.inject({
      method: 'POST',
      url: `/v1/vehicle-lists/${listId}/entries`,
      headers: admin.headers,
      payload: { plate: '777 BOS 12', case_reference: 'KUI-2026-0117' },
    });
    expect(added.statusCode).toBe(200);
    const t = Date.now() - 3_600_000;
    const crossing = [
      read('aktau-cam-0001', '777BOS12', t),
      read('aktau-cam-0002', '777-BOS-12', t + 600_000),
      read('tupkaragan-cam-0001', '777BOS12', t + 2_400_000),
    ];
    await produce(crossing);
    const ids = crossing.map((e) => e.eventId);
    await eventually(async () => (await stored(ids)) === 3, 'the crossing stored', 60_000);
    const window = {
      plate: '777 bos 12',
      from: new Date(t - 60_000).toISOString(),
      to: new Date().toISOString(),
    };
    // a Zhanaozen operator sees a car that Aktau and Tupkaragan cameras read
    const response = await route(operator, window);
    expect(response.statusCode).toBe(200);
    const body = response.json<RouteJson>();
    expect(body).toMatchObject({ plate: '777BOS12', on_list: true, truncated: false });
    expect(body.sightings.map((s) => [s.camera_id, s.seconds_since_previous])).toEqual([
      ['aktau-cam-0001', null],
      ['aktau-cam-0002', 600],
      ['tupkaragan-cam-0001', 1800],
    ]);
    expect(body.sightings[2]).toMatchObject({
      camera_name: 'Fort-Shevchenko, town entrance',
      latitude: 44.5086,
      longitude: 50.2632,
      direction: 'APPROACHING',
      seen_at: new Date(t + 2_400_000).toISOString(),
    });
    // the newest sightings when the window holds more than the limit
    const capped = (await route(operator, { ...window, limit: '2' })).json<RouteJson>();
    expect(capped.truncated).toBe(true);
    expect(capped.sightings.map((s) => s.camera_id)).toEqual([
      'aktau-cam-0002',
      'tupkaragan-cam-0001',
    ]);
    const entries = await auditEntries('vehicle.history-searched');
    expect(entries.filter((e) => e.actor === operator.username)).toHaveLength(2);
    expect(entries.find((e) => e.actor === operator.username)).toMatchObject({
      subject_type: 'plate',
      subject_id: '777BOS12',
      details: { onList: true, reason: null, returned: 3, userId: operator.userId },
    });
  });

  it("refuses an unlisted car's history to operators and without a reason; a supervisor's search is audited with the reason", async () => {
    const t = Date.now() - 7_200_000;
    const trips = [
      read('beineu-cam-0001', '321XYZ12', t),
      read('mangystau-cam-0001', '321XYZ12', t + 1_800_000),
    ];
    await produce(trips);
    const ids = trips.map((e) => e.eventId);
    await eventually(async () => (await stored(ids)) === 2, 'the trip stored', 60_000);
    const window = {
      plate: '321XYZ12',
      from: new Date(t - 1_000).toISOString(),
      to: new Date().toISOString(),
    };
    const before = (await auditEntries('vehicle.history-searched')).length;

    const asOperator = await route(operator, { ...window, reason: 'KUI-2026-0200' });
    expect(asOperator.statusCode).toBe(403);
    expect(asOperator.json()).toMatchObject({
      errors: [{ field: 'plate', rule: 'plate_not_listed' }],
    });

    const noReason = await route(supervisor, window);
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json<{ errors: { field: string }[] }>().errors.map((e) => e.field)).toEqual([
      'reason',
    ]);
    const blankReason = await route(supervisor, { ...window, reason: '   ' });
    expect(blankReason.statusCode).toBe(400);
    expect(await route(auditor, { ...window, reason: 'KUI-2026-0200' })).toMatchObject({
      statusCode: 403,
    });
    // refusals return nothing and record no search
    expect((await auditEntries('vehicle.history-searched')).length).toBe(before);

    const allowed = await route(supervisor, { ...window, reason: 'KUI-2026-0200' });
    expect(allowed.statusCode).toBe(200);
    const body = allowed.json<RouteJson>();
    expect(body.on_list).toBe(false);
    expect(body.sightings.map((s) => s.camera_id)).toEqual([
      'beineu-cam-0001',
      'mangystau-cam-0001',
    ]);
    const searches = await auditEntries('vehicle.history-searched');
    expect(searches).toHaveLength(before + 1);
    expect(searches[searches.length - 1]).toMatchObject({
      actor: supervisor.username,
      subject_type: 'plate',
      subject_id: '321XYZ12',
      details: { reason: 'KUI-2026-0200', onList: false, returned: 2, userId: supervisor.userId },
    });
    // no images of a car on no list were kept
    const [evidence] = await db.query<{ n: string }[]>(
      `SELECT count(*) AS n FROM hit_evidence
       WHERE id IN (SELECT md5(e || k)::uuid FROM unnest($1::text[]) e, unnest(ARRAY['.crop', '.overview']) k)`,
      [ids],
    );
    expect(Number(evidence!.n)).toBe(0);
  });

  it('answers 400 naming the field for a bad plate or window', async () => {
    const to = new Date().toISOString();
    const bad = await route(supervisor, { plate: ' - ', from: to, to, reason: 'x' });
    expect(bad.statusCode).toBe(400);
    const fields = bad.json<{ errors: { field: string }[] }>().errors.map((e) => e.field);
    expect([...new Set(fields)].sort()).toEqual(['from', 'plate']);
  });

  // last: it drops every partition that holds this file's reads
  it('drops partitions past PLATE_READ_RETENTION_DAYS whole, each drop on the audit log', async () => {
    const store = app.get(PlateReadStore);
    const now = Date.now();
    const [before] = await db.query<{ n: string }[]>(`SELECT count(*) AS n FROM ${dayName(now)}`);
    expect(Number(before!.n)).toBeGreaterThan(0);
    // 35 days on with a 30-day retention: today's partition and those before it have expired
    const later = now + 35 * DAY_MS;
    const dropped = await store.maintain(new Date(later));
    expect(dropped.map((d) => d.partition)).toEqual(
      expect.arrayContaining([dayName(now), dayName(now - 4 * DAY_MS), dayName(now + DAY_MS)]),
    );
    const names = await partitions();
    expect(names).not.toContain(dayName(now));
    expect(names).toContain(dayName(later));
    expect(names).toContain(dayName(later + 2 * DAY_MS));
    const entries = (await auditEntries('retention.purged')).filter(
      (e) => e.subject_type === 'plate-read-partition',
    );
    const todays = entries.find((e) => e.details['partition'] === dayName(now));
    expect(todays).toMatchObject({
      actor: 'retention',
      details: { count: Number(before!.n), retentionDays: 30 },
    });
    expect(entries).toHaveLength(dropped.length);
    // nothing else to drop: a second run changes nothing
    expect(await store.maintain(new Date(later))).toEqual([]);
  });
});

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
import { STUB_JPEG } from '@kuzet/contracts/testing';
import { MESSAGE_BUS, MessageBus, TOPICS } from '@kuzet/messaging';
import { RetentionService } from '../../apps/audit/src/retention/retention.service';
import { createTestDatabase, TestDatabase } from '../support/database';
import { everyAppModule, startTestApp } from '../support/kuzet-app';
import { SignedInStaff, signInAs } from '../support/staff';
import { eventually } from '../support/transports';

const REGION_FILE = resolve(__dirname, '../../deploy/config/region.yaml');
/** This run's plate digits: other suites read plates on the same shared topic, and a fixed
 * plate of theirs would match this suite's list. */
const D = String(100 + randomInt(900));

interface AlertJson {
  id: string;
  kind: string;
  state: string;
  centre_id: string | null;
  camera_id: string;
  message: string | null;
  sighting_count: number;
  vehicle?: {
    plate_listed: string;
    match_kind: string;
    match_position: number | null;
    has_plate_crop: boolean;
    entry: { case_reference: string | null; category: string } | null;
    last_sightings: { camera_id: string }[];
    plate_crop_url: string | null;
    overview_url: string | null;
    plate_crop_ref: string | null;
    recent_reads: { items: { event_id: string }[]; next_cursor: string | null };
  };
}

/** The whole vehicle path on the real broker and PostgreSQL: a list entry, plate reads produced
 * to kuzet.camera-events.v1 as a VMS would, the hit, the alert at the centre that owns the
 * camera (and not at another), the operator's decision and its audit trail. */
describe('vehicle hits: read -> hit -> alert -> decision -> audit', () => {
  let database: TestDatabase;
  let app: NestFastifyApplication;
  let dataDir: string;
  let admin: SignedInStaff;
  let aktauOperator: SignedInStaff;
  let zhanaozenOperator: SignedInStaff;
  let bus: MessageBus;
  let db: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'kuzet-vehicles-'));
    ({ app } = await startTestApp(everyAppModule(), {
      DATABASE_URL: database.url,
      KUZET_DATA_DIR: dataDir,
      KUZET_REGION_FILE: REGION_FILE,
      RETENTION_PURGE_INTERVAL_MS: 0,
    }));
    admin = await signInAs(app, ['watchlist-admin']);
    aktauOperator = await signInAs(app, ['operator'], ['aktau']);
    zhanaozenOperator = await signInAs(app, ['operator'], ['zhanaozen']);
    bus = app.get<MessageBus>(MESSAGE_BUS);
    db = app.get(DataSource);
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const call = (
    who: SignedInStaff,
    method: 'GET' | 'POST' | 'DELETE',
    url: string,
    payload?: object,
  ) => app.inject({ method, url, headers: who.headers, payload });

  function read(cameraId: string, plate: string, characterConfidences: number[] = []) {
    return create(CameraEventSchema, {
      eventId: randomUUID(),
      cameraId,
      capturedAt: timestampFromMs(Date.now() - 500),
      sourceId: 'anpr-vendor',
      payload: {
        case: 'plateRead',
        value: {
          plate,
          confidence: 0.9,
          characterConfidences,
          country: 'KZ',
          direction: VehicleDirection.APPROACHING,
          lane: 2,
          speedKmh: 87.5,
          vehicleColour: 'white',
          vehicleMake: 'Toyota',
          plateCropJpeg: STUB_JPEG,
          overviewJpeg: STUB_JPEG,
        },
      },
    });
  }

  async function produce(...events: ReturnType<typeof read>[]) {
    await bus.publish(
      TOPICS.cameraEvents,
      events.map((e) => ({ key: e.cameraId, value: encodeCameraEvent(e) })),
    );
  }

  async function alertsOf(who: SignedInStaff): Promise<AlertJson[]> {
    const response = await call(who, 'GET', '/v1/alerts?limit=100');
    expect(response.statusCode).toBe(200);
    return response.json<{ items: AlertJson[] }>().items;
  }

  it('a stolen car read by an Aktau camera becomes an alert for Aktau, decided and audited', async () => {
    const list = await call(admin, 'POST', '/v1/vehicle-lists', {
      name: 'Stolen vehicles',
      category: 'stolen',
      priority: 90,
      match_policy: 'confusion',
    });
    expect(list.statusCode).toBe(201);
    const listId = list.json<{ id: string }>().id;
    const added = await call(admin, 'POST', `/v1/vehicle-lists/${listId}/entries`, {
      plate: `${D} BOS 12`,
      case_reference: 'KUI-2026-0117',
      description: 'white Toyota Camry',
    });
    expect(added.statusCode).toBe(200);
    expect(added.json()).toMatchObject({ outcome: 'added', entry: { plate: `${D}BOS12` } });
    // the same plate again, written another way, changes nothing
    const again = await call(admin, 'POST', `/v1/vehicle-lists/${listId}/entries`, {
      plate: `${D}-BOS-12`,
      case_reference: 'KUI-2026-0117',
      description: 'white Toyota Camry',
    });
    expect(again.json()).toMatchObject({ outcome: 'changed' });
    const bad = await call(admin, 'POST', `/v1/vehicle-lists/${listId}/entries`, {
      plate: '77ЖBOS12',
    });
    expect(bad.statusCode).toBe(400);
    // the admin's search of the list by plate is on the audit chain with what it answered
    const found = await call(admin, 'GET', `/v1/vehicle-lists/${listId}/entries?plate=${D}-BOS-12`);
    expect(found.statusCode).toBe(200);
    const entryIds = found.json<{ items: { id: string }[] }>().items.map((e) => e.id);
    expect(entryIds).toEqual([added.json<{ entry: { id: string } }>().entry.id]);
    const searched = await db.query<{ actor: string; details: Record<string, unknown> }[]>(
      `SELECT actor, details FROM audit_log
        WHERE action = 'vehicle-list.entries-searched' AND subject_id = $1`,
      [listId],
    );
    expect(searched).toEqual([
      {
        actor: admin.username,
        details: { limit: 100, plate: `${D}-BOS-12`, plateSearched: `${D}BOS12`, entryIds },
      },
    ]);

    // a car on no list, a confident read that differs by a confusion, then the car itself
    // read with a confusion the camera was unsure of (Cyrillic O for the zero-like O)
    await produce(
      read('aktau-cam-0001', '123 ABC 12'),
      read('aktau-cam-0001', `${D} B0S 12`, [1, 1, 1, 1, 1, 0.99, 1, 1, 1, 1]),
      read('aktau-cam-0001', `${D} В0S 12`, [1, 1, 1, 1, 1, 0.4, 1, 1, 1, 1]),
    );
    let alert: AlertJson | undefined;
    await eventually(
      async () => {
        alert = (await alertsOf(aktauOperator)).find((a) => a.kind === 'vehicle_hit');
        return alert !== undefined;
      },
      'the vehicle alert at Aktau',
      60_000,
    );
    expect(alert).toMatchObject({
      centre_id: 'aktau',
      camera_id: 'aktau-cam-0001',
      message: `${D}B0S12`,
    });
    expect((await alertsOf(zhanaozenOperator)).some((a) => a.id === alert!.id)).toBe(false);

    const detail = await call(aktauOperator, 'GET', `/v1/alerts/${alert!.id}`);
    expect(detail.statusCode).toBe(200);
    const vehicle = detail.json<AlertJson>().vehicle!;
    expect(vehicle).toMatchObject({
      plate_listed: `${D}BOS12`,
      has_plate_crop: true,
      entry: {
        case_reference: 'KUI-2026-0117',
        category: 'stolen',
        list_name: 'Stolen vehicles',
        description: 'white Toyota Camry',
        list_id: listId,
        priority: 90,
      },
      last_sightings: [{ camera_id: 'aktau-cam-0001' }],
      plate_read: `${D} В0S 12`,
      plate_normalised: `${D}B0S12`,
      match_kind: 'confusion',
      match_position: 4,
      direction: 'APPROACHING',
      lane: 2,
      speed_kmh: 87.5,
      vehicle_colour: 'white',
      vehicle_make: 'Toyota',
      camera: { id: 'aktau-cam-0001' },
      plate_crop_url: `/v1/alerts/${alert!.id}/plate-crop`,
      overview_url: `/v1/alerts/${alert!.id}/overview`,
    });
    // the card's images through the evidence endpoints, each fetch audited
    for (const url of [vehicle.plate_crop_url!, vehicle.overview_url!]) {
      const image = await call(aktauOperator, 'GET', url);
      expect(image.statusCode).toBe(200);
      expect(image.headers['content-type']).toBe('image/jpeg');
      expect(image.rawPayload.equals(Buffer.from(STUB_JPEG))).toBe(true);
      // another centre's operator cannot see it
      expect((await call(zhanaozenOperator, 'GET', url)).statusCode).toBe(404);
    }
    // only the one hit: the confident read and the car on no list matched nothing
    const [{ count }] = await db.query<{ count: string }[]>('SELECT count(*) FROM vehicle_hit');
    expect(Number(count)).toBe(1);

    // the same car again at the same camera within the window: the same alert, counted
    await produce(read('aktau-cam-0001', `${D}BOS12`));
    await eventually(
      async () =>
        (await alertsOf(aktauOperator)).find((a) => a.id === alert!.id)?.sighting_count === 2,
      'the second sighting',
      60_000,
    );

    // the listed car's stored reads, newest first, paged: the exact read of it only (the
    // confused reads are of the plate as read, which may be another car)
    const firstPage = await call(
      aktauOperator,
      'GET',
      `/v1/alerts/${alert!.id}/vehicle-reads?limit=1`,
    );
    expect(firstPage.statusCode).toBe(200);
    const page = firstPage.json<{
      items: { plate_normalised: string; camera_id: string; latitude: number | null }[];
      next_cursor: string | null;
    }>();
    expect(page.items).toEqual([
      expect.objectContaining({ plate_normalised: `${D}BOS12`, camera_id: 'aktau-cam-0001' }),
    ]);
    expect(page.next_cursor).toBeNull();
    expect(
      (await call(aktauOperator, 'GET', `/v1/alerts/${alert!.id}/vehicle-reads?cursor=nonsense`))
        .statusCode,
    ).toBe(400);

    const decided = await call(aktauOperator, 'POST', `/v1/alerts/${alert!.id}/decisions`, {
      action: 'confirm',
    });
    expect(decided.statusCode).toBeLessThan(300);
    expect(decided.json()).toMatchObject({ state: 'confirmed' });

    const audit = await db.query<{ action: string; actor: string }[]>(
      `SELECT action, actor FROM audit_log WHERE subject_id = ANY($1) ORDER BY seq`,
      [[alert!.id, added.json<{ entry: { id: string } }>().entry.id]],
    );
    expect(audit.map((a) => a.action)).toEqual([
      'vehicle-list.entry-added',
      'vehicle-list.entry-changed',
      'alert.viewed',
      'alert.vehicle-image-viewed',
      'alert.vehicle-image-viewed',
      'alert.vehicle-reads-viewed',
      'alert.confirm',
    ]);
    expect(audit.at(-1)!.actor).toBe(aktauOperator.username);

    // the hit's images are evidence: purged with EVIDENCE_RETENTION_DAYS, the purge audited
    const refs = await db.query<{ plate_crop_ref: string; overview_ref: string }[]>(
      'SELECT plate_crop_ref, overview_ref FROM vehicle_hit WHERE id = $1',
      [alert!.id],
    );
    const evidenceIds = [refs[0]!.plate_crop_ref, refs[0]!.overview_ref].map((r) =>
      r.slice('pg:'.length),
    );
    const later = new Date(Date.now() + 31 * 86_400_000);
    await app.get(RetentionService).purgeExpired(later);
    const [left] = await db.query<{ n: string }[]>(
      'SELECT count(*) AS n FROM hit_evidence WHERE id = ANY($1::uuid[])',
      [evidenceIds],
    );
    expect(Number(left!.n)).toBe(0);
    const purged = await db.query<{ details: { ids: string[] } }[]>(
      `SELECT details FROM audit_log WHERE action = 'retention.purged' AND subject_type = 'hit-evidence'`,
    );
    expect(purged.flatMap((p) => p.details.ids)).toEqual(expect.arrayContaining(evidenceIds));
    expect((await call(aktauOperator, 'GET', vehicle.plate_crop_url!)).statusCode).toBe(404);
  });
});

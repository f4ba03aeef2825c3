import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomInt, randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { DataSource } from 'typeorm';
import {
  CameraEventSchema,
  create,
  encodeCameraEvent,
  timestampFromMs,
  VehicleDirection,
} from '@kuzet/contracts';
import { MESSAGE_BUS, MessageBus, TOPICS } from '@kuzet/messaging';
import { PlateIndex, VehicleListService } from '@kuzet/vehicles';
import { MatcherModule } from '../../apps/matcher/src/matcher.module';
import { OpsCenterModule } from '../../apps/ops-center/src/ops-center.module';
import { createTestDatabase, TestDatabase } from '../support/database';
import { startTestApp } from '../support/kuzet-app';
import { SignedInStaff, signInAs } from '../support/staff';
import { eventually, uniqueName } from '../support/transports';

const REGION_FILE = resolve(__dirname, '../../deploy/config/region.yaml');
/** This run's plate digits: other suites read plates on the same shared topic. */
const D = String(100 + randomInt(900));

/** "Not this car" on the real broker and PostgreSQL: a rejected confusion read stops matching
 * the listed entry on the matcher; the listed plate itself still alerts. */
describe('learning from "not this car" end to end', () => {
  let database: TestDatabase;
  let app: NestFastifyApplication;
  let operator: SignedInStaff;
  let entryId: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    ({ app } = await startTestApp([MatcherModule, OpsCenterModule], {
      DATABASE_URL: database.url,
      KUZET_REGION_FILE: REGION_FILE,
      KUZET_INSTANCE_ID: uniqueName('car-matcher'),
    }));
    operator = await signInAs(app, ['operator'], ['aktau']);
    const service = app.get(VehicleListService);
    const list = await service.createList(
      { name: 'Stolen (learning)', category: 'stolen', priority: 90, match_policy: 'confusion' },
      'test',
    );
    const added = await service.addEntry(list.id, { plate: `${D}BOS12` }, 'test');
    entryId = added.entry.id;
    await eventually(() => app.get(PlateIndex).get(entryId) !== undefined, 'the entry indexed');
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  const read = (cameraId: string, plate: string) =>
    create(CameraEventSchema, {
      eventId: randomUUID(),
      cameraId,
      capturedAt: timestampFromMs(Date.now() - 500),
      sourceId: 'anpr-vendor',
      payload: {
        case: 'plateRead',
        value: { plate, confidence: 0.9, country: 'KZ', direction: VehicleDirection.APPROACHING },
      },
    });
  const produce = (...events: ReturnType<typeof read>[]) =>
    app.get<MessageBus>(MESSAGE_BUS).publish(
      TOPICS.cameraEvents,
      events.map((e) => ({ key: e.cameraId, value: encodeCameraEvent(e) })),
    );
  const hitOf = async (cameraId: string) => {
    const rows: { id: string; event_id: string; sighting_count: number; match_kind: string }[] =
      await app
        .get(DataSource)
        .query(
          `SELECT id, event_id, sighting_count, match_kind FROM vehicle_hit WHERE camera_id = $1 AND entry_id = $2`,
          [cameraId, entryId],
        );
    return rows;
  };

  it('stops the rejected confusion for that plate pair, and the listed plate still alerts', async () => {
    const confusion = read('aktau-cam-0002', `${D} B0S 12`);
    await produce(confusion);
    await eventually(async () => (await hitOf('aktau-cam-0002')).length > 0, 'the confusion hit');
    const [hit] = await hitOf('aktau-cam-0002');
    expect(hit).toMatchObject({ match_kind: 'confusion', event_id: confusion.eventId });
    await eventually(
      async () =>
        (await app.get(DataSource).query(`SELECT 1 FROM alert WHERE id = $1`, [hit!.id])).length >
        0,
      'the vehicle alert',
    );

    const rejected = await app.inject({
      method: 'POST',
      url: `/v1/alerts/${hit!.id}/decisions`,
      headers: operator.headers,
      payload: { action: 'reject', reason_code: 'not_this_car' },
    });
    expect(rejected.statusCode).toBe(201);
    await eventually(
      () => app.get(PlateIndex).get(entryId)?.rejectedReads?.has(`${D}B0S12`) === true,
      'the matcher to take the rejected read',
    );
    const audited: { action: string }[] = await app
      .get(DataSource)
      .query(`SELECT action FROM audit_log WHERE subject_id = $1`, [entryId]);
    expect(audited.map((a) => a.action)).toContain('vehicle-list.read-rejected');

    // the same confusion, then the listed plate, on one camera (one partition, in order): only
    // the listed plate is a hit, the first sighting of a new hit
    const again = read('aktau-cam-0003', `${D} B0S 12`);
    const exact = read('aktau-cam-0003', `${D} BOS 12`);
    await produce(again, exact);
    await eventually(async () => (await hitOf('aktau-cam-0003')).length > 0, 'the exact hit');
    expect(await hitOf('aktau-cam-0003')).toEqual([
      expect.objectContaining({ event_id: exact.eventId, sighting_count: 1, match_kind: 'exact' }),
    ]);
  });

  it('refuses "not this car" on a face or alarm alert naming reason_code', async () => {
    const alarmId = randomUUID();
    await app.get(DataSource).query(
      `INSERT INTO alert (id, kind, state, priority, centre_id, camera_id, event_id, captured_at, last_seen_at)
       VALUES ($1, 'alarm', 'new', 100, 'aktau', 'aktau-cam-0001', $1, now(), now())`,
      [alarmId],
    );
    const response = await app.inject({
      method: 'POST',
      url: `/v1/alerts/${alarmId}/decisions`,
      headers: operator.headers,
      payload: { action: 'reject', reason_code: 'not_this_car' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      errors: [{ field: 'reason_code', rule: 'alert_kind' }],
    });
  });
});

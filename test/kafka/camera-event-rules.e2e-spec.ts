import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { resolve } from 'node:path';
import { Admin, Kafka, logLevel, Producer, RecordMetadata } from 'kafkajs';
import { DataSource } from 'typeorm';
import {
  CameraEvent,
  CANONICAL_ENCODING_HEADERS,
  encodeCameraEvent,
  ViolationCode,
} from '@kuzet/contracts';
import {
  CAMERA_EVENT_GROUPS,
  DEAD_LETTER_HEADERS,
  InboundMessage,
  MESSAGE_BUS,
  MessageBus,
  Subscription,
  TOPICS,
} from '@kuzet/messaging';
import { AlertEntity, ViolationRecordEntity } from '@kuzet/persistence';
import { MatcherModule } from '../../apps/matcher/src/matcher.module';
import { OpsCenterModule } from '../../apps/ops-center/src/ops-center.module';
import { ViolationsModule } from '../../apps/violations/src/violations.module';
import { samplePlateReadEvent } from '@kuzet/contracts/testing';
import { randomUUID } from 'node:crypto';
import { sampleEvent } from '../ingest/sample-events';
import { registerCameras } from '../support/cameras';
import { kuzet } from '../support/cli';
import { createTestDatabase, TestDatabase } from '../support/database';
import { startTestApp } from '../support/kuzet-app';
import { eventually, kafkaBrokers, suiteGroup, uniqueName } from '../support/transports';

const REGION_FILE = resolve(__dirname, '../../deploy/config/region.yaml');
const GROUPS = Object.values(CAMERA_EVENT_GROUPS).map(suiteGroup);

/** Issue 13, part 3: a record produced straight to Kafka meets the rules of the HTTP ingest, in
 * every consumer group alike, and is dead-lettered once however many groups refuse it. */
describe('the same rules on kuzet.camera-events.v1 as over HTTP', () => {
  let app: NestFastifyApplication;
  let database: TestDatabase;
  let dataSource: DataSource;
  let producer: Producer;
  let admin: Admin;
  let reader: Subscription;
  const letters: InboundMessage[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    ({ app } = await startTestApp([MatcherModule, ViolationsModule, OpsCenterModule], {
      DATABASE_URL: database.url,
      KUZET_REGION_FILE: REGION_FILE,
    }));
    dataSource = app.get(DataSource);
    const kafka = new Kafka({ brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    admin = kafka.admin();
    await Promise.all([producer.connect(), admin.connect()]);
    reader = await app.get<MessageBus>(MESSAGE_BUS).subscribe({
      topic: TOPICS.deadLetter,
      groupId: uniqueName('dead-letter-reader'),
      handler: async (message) => {
        // every dead letter a group of this suite wrote, whichever group it was
        if (GROUPS.includes(message.headers[DEAD_LETTER_HEADERS.consumerGroup] ?? '')) {
          letters.push(message);
        }
      },
    });
  });

  afterAll(async () => {
    await reader?.close();
    await producer?.disconnect();
    await admin?.disconnect();
    await app?.close();
    await database?.drop();
  });

  const produceWith = (
    headers: Record<string, string> | undefined,
    events: CameraEvent[],
  ): Promise<RecordMetadata[]> =>
    producer.send({
      topic: TOPICS.cameraEvents,
      acks: -1,
      messages: events.map((e) => ({
        key: e.cameraId,
        value: Buffer.from(encodeCameraEvent(e)),
        headers,
      })),
    });
  const produce = (...events: CameraEvent[]) => produceWith(undefined, events);
  /** As the HTTP ingest and the adapters publish: marked as the canonical encoding. */
  const produceCanonical = (...events: CameraEvent[]) =>
    produceWith({ ...CANONICAL_ENCODING_HEADERS }, events);

  /** Until every group of the topic has committed past these records. */
  const handledByAll = async (sent: RecordMetadata[]): Promise<void> => {
    for (const group of GROUPS) {
      await eventually(
        async () => {
          const [topic] = await admin.fetchOffsets({
            groupId: group,
            topics: [TOPICS.cameraEvents],
          });
          return sent.every((s) => {
            const committed = topic?.partitions.find((p) => p.partition === s.partition);
            return committed !== undefined && BigInt(committed.offset) > BigInt(s.baseOffset!);
          });
        },
        `${group} past the records`,
        90_000,
      );
    }
  };

  const lettersOf = (key: string): InboundMessage[] => letters.filter((l) => l.key === key);
  const violation = (cameraId: string, plate = '123ABC12'): CameraEvent =>
    sampleEvent('violation', (e) => {
      e.cameraId = cameraId;
      if (e.payload.case === 'violation') {
        e.payload.value.code = ViolationCode.RED_LIGHT;
        e.payload.value.measuredSpeedKmh = undefined;
        e.payload.value.limitSpeedKmh = undefined;
        e.payload.value.plate = plate;
      }
    });
  const alarm = (cameraId: string, message = 'SOS'): CameraEvent =>
    sampleEvent('alarm', (e) => {
      e.cameraId = cameraId;
      if (e.payload.case === 'alarm') e.payload.value.message = message;
    });

  it('refuses a violation and an alarm of an unregistered camera: one dead letter each, naming every group', async () => {
    const cameraId = uniqueName('nowhere-cam');
    const [v, a] = [violation(cameraId), alarm(cameraId)];
    const sent = await produce(v, a);
    await handledByAll(sent);
    await eventually(() => lettersOf(cameraId).length >= 2, 'two dead letters', 60_000);

    expect(
      await dataSource.getRepository(ViolationRecordEntity).findOneBy({ eventId: v.eventId }),
    ).toBeNull();
    expect(await dataSource.getRepository(AlertEntity).findOneBy({ id: a.eventId })).toBeNull();
    const mine = lettersOf(cameraId);
    expect(mine).toHaveLength(2);
    for (const letter of mine) {
      expect(letter.headers[DEAD_LETTER_HEADERS.reason]).toBe('unregistered_camera');
      expect(JSON.parse(letter.headers[DEAD_LETTER_HEADERS.details]!)).toEqual([
        {
          field: 'camera_id',
          rule: 'registered',
          message: `camera ${cameraId} is not in the camera registry`,
        },
      ]);
      expect(letter.headers[DEAD_LETTER_HEADERS.refusedBy]!.split(',').sort()).toEqual(
        [...GROUPS].sort(),
      );
    }
  });

  it('refuses an event_id reused with other content (HTTP: 409): the first stays, one dead letter', async () => {
    const first = violation('aktau-cam-0003', '111AAA11');
    const second = violation('aktau-cam-0003', '999ZZZ99');
    second.eventId = first.eventId;
    const firstAlarm = alarm('aktau-sos-0001', 'first');
    const secondAlarm = alarm('aktau-sos-0001', 'second');
    secondAlarm.eventId = firstAlarm.eventId;
    const again = violation('aktau-cam-0003');
    // fingerprinted re-encoded (no header) or as the bytes are (canonical): the same content
    const sent = [
      ...(await produce(first, firstAlarm)),
      ...(await produceCanonical(second, secondAlarm, first)),
      ...(await produce(again)),
    ];
    await handledByAll(sent);

    const logged = await dataSource
      .getRepository(ViolationRecordEntity)
      .findOneByOrFail({ eventId: first.eventId });
    expect(logged.plate).toBe('111AAA11');
    const alert = await dataSource
      .getRepository(AlertEntity)
      .findOneByOrFail({ id: firstAlarm.eventId });
    expect(alert.message).toBe('first');
    await eventually(
      () =>
        letters.filter((l) => l.headers[DEAD_LETTER_HEADERS.reason] === 'conflicting_event_id')
          .length >= 2,
      'the conflicts dead-lettered',
      60_000,
    );
    const conflicts = letters.filter(
      (l) => l.headers[DEAD_LETTER_HEADERS.reason] === 'conflicting_event_id',
    );
    // the very same record again (`first`, redelivered) is a retry, not a conflict
    expect(conflicts.map((l) => l.key).sort()).toEqual(['aktau-cam-0003', 'aktau-sos-0001']);
    expect(JSON.parse(conflicts[0]!.headers[DEAD_LETTER_HEADERS.details]!)).toEqual([
      expect.objectContaining({ field: 'event_id', rule: 'conflict' }),
    ]);
  });

  it('dead-letters an invalid violation once, with the reason every group shares', async () => {
    const cameraId = 'tupkaragan-cam-0001';
    const invalid = violation(cameraId);
    if (invalid.payload.case === 'violation') invalid.payload.value.plate = '';
    const sent = await produce(invalid);
    await handledByAll(sent);
    await eventually(() => letters.some((l) => l.key === cameraId), 'the dead letter', 60_000);
    const mine = lettersOf(cameraId);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.headers[DEAD_LETTER_HEADERS.reason]).toBe('invalid_camera_event');
    expect(mine[0]!.headers[DEAD_LETTER_HEADERS.refusedBy]!.split(',').sort()).toEqual(
      [...GROUPS].sort(),
    );
  });

  it('dead-letters absurd plate reads naming the field and the rule; the rest of the batch is stored', async () => {
    const cameraId = 'karakiya-cam-0002';
    const plateRead = (change: (r: { plate: string; confidence: number }) => void) => {
      const event = samplePlateReadEvent(new Date());
      event.eventId = randomUUID();
      event.cameraId = cameraId;
      if (event.payload.case !== 'plateRead') throw new Error('not a plate read');
      event.payload.value.characterConfidences = [];
      change(event.payload.value);
      return event;
    };
    const jpegTooLarge = new Uint8Array(600 * 1024);
    jpegTooLarge.set([0xff, 0xd8, 0xff, 0xe0]);
    const bad = [
      plateRead((r) => (r.plate = ' - - ')),
      plateRead((r) => (r.plate = 'A'.repeat(40))),
      plateRead((r) => (r.plate = '123\u0007ABC12')),
      plateRead((r) => (r.plate = '123ABЖ12')),
      plateRead((r) => (r.confidence = 1.2)),
      plateRead((r) => Object.assign(r, { plateCropJpeg: new TextEncoder().encode('GIF89a') })),
      plateRead((r) => Object.assign(r, { plateCropJpeg: jpegTooLarge })),
    ];
    const good = plateRead(() => undefined);
    await handledByAll(await produce(...bad, good));
    await eventually(
      () => lettersOf(cameraId).length === bad.length,
      'one dead letter per bad read',
      60_000,
    );
    const named = lettersOf(cameraId).map((l) => {
      const errors = JSON.parse(l.headers[DEAD_LETTER_HEADERS.details] ?? '[]') as {
        field: string;
        rule: string;
      }[];
      return errors.map((e) => `${e.field}:${e.rule}`).join(' ');
    });
    expect(named.sort()).toEqual(
      [
        'payload.plate_read.plate:charset',
        'payload.plate_read.plate:length',
        'payload.plate_read.plate:charset',
        'payload.plate_read.plate:mixed_script',
        'payload.plate_read.confidence:range',
        'payload.plate_read.plate_crop_jpeg:jpeg',
        'payload.plate_read.plate_crop_jpeg:max_bytes',
      ].sort(),
    );
    const stored = await dataSource.query<{ event_id: string }[]>(
      'SELECT event_id FROM plate_read WHERE event_id = ANY($1::uuid[])',
      [[...bad, good].map((e) => e.eventId)],
    );
    expect(stored.map((r) => r.event_id)).toEqual([good.eventId]);
  });

  it('replays a dead letter, once its cause is fixed, to the groups that refused it', async () => {
    const cameraId = uniqueName('late-cam');
    const [v, a] = [violation(cameraId), alarm(cameraId)];
    await handledByAll(await produce(v, a));
    await eventually(() => lettersOf(cameraId).length === 2, 'two dead letters', 60_000);

    await registerCameras(dataSource, [cameraId]);
    const run = await kuzet(['dead-letters', 'replay', '--key', cameraId], {
      KAFKA_BROKERS: kafkaBrokers().join(','),
    });
    expect(run.stderr).toContain('2 dead letters replayed');
    expect(run.code).toBe(0);

    await eventually(
      async () =>
        (await dataSource
          .getRepository(ViolationRecordEntity)
          .findOneBy({ eventId: v.eventId })) !== null &&
        (await dataSource.getRepository(AlertEntity).findOneBy({ id: a.eventId })) !== null,
      'the replayed violation logged and the alarm an alert',
      90_000,
    );
    expect(lettersOf(cameraId)).toHaveLength(2);
  });
});

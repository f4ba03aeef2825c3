import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { CameraEvent, encodeCameraEvent } from '@kuzet/contracts';
import {
  DEAD_LETTER_HEADERS,
  InboundMessage,
  MESSAGE_BUS,
  MessageBus,
  Subscription,
  TOPICS,
} from '@kuzet/messaging';
import { MATCHER_GROUP } from '../../apps/matcher/src/camera-events/camera-event.consumer';
import { MatcherModule } from '../../apps/matcher/src/matcher.module';
import { OpsCenterModule } from '../../apps/ops-center/src/ops-center.module';
import { VIOLATIONS_GROUP } from '../../apps/violations/src/violation-log/violation.consumer';
import { ViolationsModule } from '../../apps/violations/src/violations.module';
import { DataSource } from 'typeorm';
import { sampleEvent } from '../ingest/sample-events';
import { registerCameras } from '../support/cameras';
import { createTestDatabase, TestDatabase } from '../support/database';
import { startTestApp } from '../support/kuzet-app';
import { suiteGroup, uniqueName } from '../support/transports';
import { waitFor } from '../support/wait';

const FEATURE_MODEL = 'faceplugin-face-recognition-js/fr_feature';
/** Not a protobuf message: malformed_protobuf to the camera-event consumers, invalid to the
 * others (the violation log ignores it unless a header says it is a violation). */
const GARBAGE = Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]);

/** Every reason a consumer gives for a message it can never handle, on the real broker: each
 * bad message reaches kuzet.dead-letter.v1 with that reason and its own bytes, and the consumer
 * goes on with the next message of the partition. The signal that it went on is this test's
 * own: a second, malformed message on the same key (so the same partition, after the first)
 * that is dead-lettered too. A reason turned into a plain error would be retried for ever and
 * hold the partition: neither letter would come, and the wait names which was missing. */
describe('dead-letter reasons of the consumers', () => {
  let database: TestDatabase;
  let app: NestFastifyApplication;
  let bus: MessageBus;
  let reader: Subscription;
  const letters: InboundMessage[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    ({ app } = await startTestApp([MatcherModule, ViolationsModule, OpsCenterModule], {
      DATABASE_URL: database.url,
    }));
    bus = app.get<MessageBus>(MESSAGE_BUS);
    reader = await bus.subscribe({
      topic: TOPICS.deadLetter,
      groupId: uniqueName('dead-letter-reasons-reader'),
      handler: async (message) => {
        letters.push(message);
      },
    });
  });

  afterAll(async () => {
    await reader?.close();
    await app?.close();
    await database?.drop();
  });

  /** Publishes the bad message and another one behind it on the same key that the consumer
   * rejects as `next.reason`, and returns the dead letters the consumer group (or, without
   * one, any group) wrote for that key. */
  async function rejectedThenNext(
    topic: string,
    key: string,
    bad: Uint8Array,
    group: string | null,
    next: { value: Uint8Array; reason: string } = { value: GARBAGE, reason: 'malformed_protobuf' },
  ): Promise<[InboundMessage, InboundMessage]> {
    await bus.publish(topic, [
      { key, value: bad },
      { key, value: next.value },
    ]);
    const ofGroup = (letter: InboundMessage) =>
      letter.key === key &&
      (group === null || letter.headers[DEAD_LETTER_HEADERS.consumerGroup] === group);
    const [first, second] = await waitFor(
      `two dead letters for key ${key} from ${group ?? 'its consumer'} (the rejected message, then the one behind it)`,
      () => {
        const mine = letters.filter(ofGroup);
        return mine.length >= 2 && mine;
      },
      { timeoutMs: 60_000 },
    );
    expect(Buffer.from(first!.value).equals(Buffer.from(bad))).toBe(true);
    expect(first!.headers[DEAD_LETTER_HEADERS.sourceTopic]).toBe(topic);
    expect(second!.headers[DEAD_LETTER_HEADERS.reason]).toBe(next.reason);
    return [first!, second!];
  }

  const reasonOf = (letter: InboundMessage) => ({
    reason: letter.headers[DEAD_LETTER_HEADERS.reason],
    fields: (
      JSON.parse(letter.headers[DEAD_LETTER_HEADERS.details] ?? '[]') as { field: string }[]
    ).map((detail) => detail.field),
  });

  const observation = (change: (event: CameraEvent) => void = () => undefined) =>
    sampleEvent('observation', (event) => {
      event.cameraId = uniqueName('cam');
      if (event.payload.case === 'faceObservation') event.payload.value.modelId = FEATURE_MODEL;
      change(event);
    });

  it('matcher: key_mismatch for a camera event keyed by another camera', async () => {
    const event = observation();
    const [letter] = await rejectedThenNext(
      TOPICS.cameraEvents,
      uniqueName('other-cam'),
      encodeCameraEvent(event),
      suiteGroup(MATCHER_GROUP),
    );
    expect(reasonOf(letter)).toEqual({ reason: 'key_mismatch', fields: ['camera_id'] });
  });

  it('matcher: incompatible_model for an embedding of another model', async () => {
    const event = observation((e) => {
      if (e.payload.case === 'faceObservation') e.payload.value.modelId = 'vendor/other-model';
    });
    await registerCameras(app.get(DataSource), [event.cameraId]);
    const [letter] = await rejectedThenNext(
      TOPICS.cameraEvents,
      event.cameraId,
      encodeCameraEvent(event),
      suiteGroup(MATCHER_GROUP),
    );
    expect(reasonOf(letter)).toEqual({
      reason: 'incompatible_model',
      fields: ['payload.face_observation.model_id'],
    });
  });

  it('matcher: undecodable_image for a frame whose JPEG cannot be decoded', async () => {
    const event = sampleEvent('frame', (e) => {
      e.cameraId = uniqueName('cam');
      // a JPEG signature, then nothing a decoder can use: passes validation, fails decoding
      if (e.payload.case === 'faceFrame')
        e.payload.value.jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.alloc(64)]);
    });
    await registerCameras(app.get(DataSource), [event.cameraId]);
    const [letter] = await rejectedThenNext(
      TOPICS.cameraEvents,
      event.cameraId,
      encodeCameraEvent(event),
      suiteGroup(MATCHER_GROUP),
    );
    expect(reasonOf(letter)).toEqual({
      reason: 'undecodable_image',
      fields: ['payload.face_frame.jpeg'],
    });
  });

  it('violation log: a violation keyed by another camera is one dead letter, naming the violation log among the groups that refuse it', async () => {
    const key = uniqueName('other-cam');
    const mismatched = sampleEvent('violation');
    const behind = sampleEvent('violation', (e) => (e.cameraId = key));
    await registerCameras(app.get(DataSource), [key, mismatched.cameraId]);
    await bus.publish(TOPICS.cameraEvents, [
      { key, value: encodeCameraEvent(mismatched) },
      { key, value: encodeCameraEvent(behind) },
    ]);
    // the violation log skipped the refused record and went on with the one behind it
    await waitFor(
      `the violation behind the refused one (${behind.eventId}) in the log`,
      async () => {
        const rows = (await app
          .get(DataSource)
          .query(`SELECT event_id FROM violation_record WHERE event_id = ANY($1)`, [
            [mismatched.eventId, behind.eventId],
          ])) as { event_id: string }[];
        return rows.length > 0 && rows;
      },
    ).then((rows) => expect(rows.map((r) => r.event_id)).toEqual([behind.eventId]));
    const letter = await waitFor(`the dead letter for key ${key}`, () =>
      letters.find((l) => l.key === key),
    );
    expect(reasonOf(letter)).toEqual({ reason: 'key_mismatch', fields: ['camera_id'] });
    expect(letter.headers[DEAD_LETTER_HEADERS.refusedBy]?.split(',')).toEqual(
      expect.arrayContaining([suiteGroup(VIOLATIONS_GROUP), suiteGroup(MATCHER_GROUP)]),
    );
    expect(letters.filter((l) => l.key === key)).toHaveLength(1);
  });

  it('ops-center: invalid_watchlist_hit for a hit that fails validation', async () => {
    const key = uniqueName('cam');
    // a camera event is a valid protobuf but no valid watchlist hit
    const [letter] = await rejectedThenNext(
      TOPICS.watchlistHits,
      key,
      encodeCameraEvent(observation()),
      suiteGroup('kuzet-ops-center-hits'),
      { value: GARBAGE, reason: 'invalid_watchlist_hit' },
    );
    expect(letter.headers[DEAD_LETTER_HEADERS.reason]).toBe('invalid_watchlist_hit');
  });

  it("matcher's watchlist index: invalid_watchlist_change for a change that fails validation", async () => {
    const key = randomUUID();
    const [letter] = await rejectedThenNext(
      TOPICS.watchlistChanges,
      key,
      encodeCameraEvent(observation()),
      null,
      { value: GARBAGE, reason: 'invalid_watchlist_change' },
    );
    expect(letter.headers[DEAD_LETTER_HEADERS.reason]).toBe('invalid_watchlist_change');
    expect(letter.headers[DEAD_LETTER_HEADERS.consumerGroup]).toMatch(/kuzet-matcher-index\./);
  });
});

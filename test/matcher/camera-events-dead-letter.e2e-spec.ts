import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { encodeCameraEvent } from '@kuzet/contracts';
import { sampleFaceObservationEvent } from '@kuzet/contracts/testing';
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
import { createTestDatabase, TestDatabase } from '../support/database';
import { startTestApp } from '../support/kuzet-app';
import { registerCameras } from '../support/cameras';
import { suiteGroup, uniqueName } from '../support/transports';
import { waitFor } from '../support/wait';

/** The matcher's consumer on the real broker: bad events go to the dead-letter topic with a
 * reason, and the consumer carries on with the next event. */
describe('matcher camera-event consumer on Kafka', () => {
  let app: NestFastifyApplication;
  let database: TestDatabase;
  let bus: MessageBus;
  let deadLetterReader: Subscription;
  const letters: InboundMessage[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    ({ app } = await startTestApp([MatcherModule], { DATABASE_URL: database.url }));
    bus = app.get<MessageBus>(MESSAGE_BUS);
    deadLetterReader = await bus.subscribe({
      topic: TOPICS.deadLetter,
      groupId: uniqueName('dead-letter-reader'),
      handler: async (message) => {
        if (message.headers[DEAD_LETTER_HEADERS.consumerGroup] === suiteGroup(MATCHER_GROUP))
          letters.push(message);
      },
    });
  });

  afterAll(async () => {
    await deadLetterReader?.close();
    await app?.close();
    await database?.drop();
  });

  it('dead-letters a malformed protobuf and an invalid event, then handles the next valid one', async () => {
    const cameraId = uniqueName('cam');
    await registerCameras(app.get(DataSource), [cameraId]);
    const malformed = Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]);
    const invalid = sampleFaceObservationEvent();
    invalid.eventId = 'not-a-uuid';
    invalid.cameraId = cameraId;
    const valid = sampleFaceObservationEvent();
    valid.eventId = randomUUID();
    valid.cameraId = cameraId;
    if (valid.payload.case === 'faceObservation') {
      valid.payload.value.modelId = 'faceplugin-face-recognition-js/fr_feature';
    }
    // this test's own sign that the valid event was handled: a malformed one behind it on the
    // same partition is dead-lettered only after the valid one has been matched
    const marker = Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x02]);

    await bus.publish(TOPICS.cameraEvents, [
      { key: cameraId, value: malformed },
      { key: cameraId, value: encodeCameraEvent(invalid) },
      { key: cameraId, value: encodeCameraEvent(valid) },
      { key: cameraId, value: marker },
    ]);

    const [first, second, third] = await waitFor(
      'three dead letters for the camera: the malformed, the invalid and the marker after the valid event',
      () => {
        const mine = letters.filter((l) => l.key === cameraId);
        return mine.length >= 3 && mine;
      },
      { timeoutMs: 60_000 },
    );
    expect(third!.value.equals(marker)).toBe(true);
    expect(letters.filter((l) => l.key === cameraId)).toHaveLength(3); // none for the valid event

    expect(first!.value.equals(malformed)).toBe(true);
    expect(first!.headers[DEAD_LETTER_HEADERS.reason]).toBe('malformed_protobuf');
    expect(first!.headers[DEAD_LETTER_HEADERS.sourceTopic]).toBe(TOPICS.cameraEvents);
    expect(second!.headers[DEAD_LETTER_HEADERS.reason]).toBe('invalid_camera_event');
    const details = JSON.parse(second!.headers[DEAD_LETTER_HEADERS.details]!) as {
      field: string;
    }[];
    expect(details.map((d) => d.field)).toContain('event_id');
    expect(Buffer.from(second!.value).equals(Buffer.from(encodeCameraEvent(invalid)))).toBe(true);
  });
});

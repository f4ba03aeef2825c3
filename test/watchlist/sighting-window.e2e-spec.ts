import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import {
  CameraEventSchema,
  create,
  decodeWatchlistHit,
  encodeCameraEvent,
  timestampFromDate,
  WatchlistHit,
} from '@kuzet/contracts';
import { MESSAGE_BUS, MessageBus, Subscription, TOPICS } from '@kuzet/messaging';
import {
  AuditLogEntryEntity,
  EnrolledFaceEntity,
  MatchLogEntity,
  WatchlistHitEntity,
} from '@kuzet/persistence';
import { WatchlistIndex } from '@kuzet/watchlist';
import { MatcherModule } from '../../apps/matcher/src/matcher.module';
import { registerCameras } from '../support/cameras';
import { createTestDatabase, TestDatabase } from '../support/database';
import { fixture } from '../support/faces';
import { startTestApp } from '../support/kuzet-app';
import { signInAs } from '../support/staff';
import { uniqueName } from '../support/transports';
import { waitFor, waitUntil } from '../support/wait';

const FEATURE_MODEL = 'faceplugin-face-recognition-js/fr_feature';

/** The matcher as production runs it, with its default sighting window (MATCHER_DEDUP_WINDOW_MS
 * unset: 60 s): repeat sightings of a person at one camera within the window are one hit with
 * one hit_id and a growing sighting_count, each on the hits topic and on the audit chain as
 * `hit.sighting-added`; a sighting after the window, or at another camera, is a new hit. */
describe('sighting window of the matcher (production default)', () => {
  let database: TestDatabase;
  let app: NestFastifyApplication;
  let bus: MessageBus;
  let hitsReader: Subscription;
  let personId: string;
  let embedding: number[];
  let removePerson: (() => Promise<void>) | undefined;
  const hits: WatchlistHit[] = [];
  const cameraPrefix = uniqueName('sighting-cam');

  beforeAll(async () => {
    database = await createTestDatabase();
    ({ app } = await startTestApp([MatcherModule], { DATABASE_URL: database.url }));
    bus = app.get<MessageBus>(MESSAGE_BUS);
    hitsReader = await bus.subscribe({
      topic: TOPICS.watchlistHits,
      groupId: uniqueName('sighting-hits-reader'),
      handler: async (message) => {
        const decoded = decodeWatchlistHit(message.value);
        if (decoded.ok && decoded.value.cameraId.startsWith(cameraPrefix)) hits.push(decoded.value);
      },
    });
    const admin = await signInAs(app, ['watchlist-admin']);
    const list = await app.inject({
      method: 'POST',
      url: '/v1/watchlists',
      headers: admin.headers,
      payload: { name: 'Wanted (sightings)', category: 'wanted', similarity_threshold: 0.4 },
    });
    expect(list.statusCode).toBe(201);
    // Enrolments stay on the shared compacted change topic, which every later matcher of the
    // run replays into its index: a face no other suite enrols or sends (they use the
    // person photos and neutral.jpg), removed again in afterAll.
    const person = await app.inject({
      method: 'POST',
      url: `/v1/watchlists/${(list.json() as { id: string }).id}/persons`,
      headers: admin.headers,
      payload: {
        full_name: 'Sighting Window',
        photos: [{ name: 'happy.jpg', data: fixture('happy.jpg').toString('base64') }],
      },
    });
    expect(person.statusCode).toBe(201);
    personId = (person.json() as { person: { id: string } }).person.id;
    const face = await app
      .get(DataSource)
      .getRepository(EnrolledFaceEntity)
      .findOneByOrFail({ personId });
    embedding = Array.from(face.embedding);
    removePerson = async () => {
      await app.inject({
        method: 'DELETE',
        url: `/v1/persons/${personId}`,
        headers: admin.headers,
        payload: { reason: 'case closed' },
      });
    };
    // the matcher learns of the enrolment from the watchlist-changes topic: frames sent
    // before then would match nobody
    const index = app.get(WatchlistIndex);
    await waitUntil("the person in the matcher's index", () => index.versionOf(personId) > 0);
  });

  afterAll(async () => {
    await removePerson?.();
    await hitsReader?.close();
    await app?.close();
    await database?.drop();
  });

  /** The enrolled face seen by the camera `secondsAgo` before now (the embedding as a camera
   * with the same model would send it). */
  async function sighting(cameraId: string, secondsAgo: number): Promise<string> {
    await registerCameras(app.get(DataSource), [cameraId]);
    const eventId = randomUUID();
    const event = create(CameraEventSchema, {
      eventId,
      cameraId,
      capturedAt: timestampFromDate(new Date(Date.now() - secondsAgo * 1_000)),
      payload: {
        case: 'faceObservation',
        value: {
          embedding,
          modelId: FEATURE_MODEL,
          quality: 0.9,
          box: { x: 10, y: 10, width: 112, height: 140 },
        },
      },
    });
    await bus.publish(TOPICS.cameraEvents, [{ key: cameraId, value: encodeCameraEvent(event) }]);
    return eventId;
  }

  const matchLogged = (eventIds: readonly string[]) =>
    waitFor(`${eventIds.length} sightings in the match log`, async () => {
      const rows = await app
        .get(DataSource)
        .getRepository(MatchLogEntity)
        .findBy(eventIds.map((eventId) => ({ eventId })));
      return rows.length === eventIds.length && rows;
    });

  it('folds repeat sightings at one camera within 60 s into one hit, and opens a new one after', async () => {
    const camera = `${cameraPrefix}-1`;
    // one frame at a time: each sighting is matched before the next is sent
    const inWindow: string[] = [];
    for (const secondsAgo of [150, 130, 100]) {
      inWindow.push(await sighting(camera, secondsAgo));
      await matchLogged(inWindow);
    }
    // 70 s after the last sighting: beyond the window
    const afterWindow = await sighting(camera, 30);
    const logged = await matchLogged([...inWindow, afterWindow]);

    const hitOf = new Map(logged.map((row) => [row.eventId, row.hitId]));
    const first = hitOf.get(inWindow[0]!)!;
    expect(inWindow.map((eventId) => hitOf.get(eventId))).toEqual([first, first, first]);
    expect(hitOf.get(afterWindow)).not.toBe(first);
    expect(logged.every((row) => row.personId === personId)).toBe(true);

    const stored = await app
      .get(DataSource)
      .getRepository(WatchlistHitEntity)
      .findBy({ cameraId: camera });
    expect(
      stored
        .map((hit) => ({ hitId: hit.hitId, sightings: hit.sightingCount, event: hit.eventId }))
        .sort((a, b) => b.sightings - a.sightings),
    ).toEqual([
      { hitId: first, sightings: 3, event: inWindow[0] },
      { hitId: hitOf.get(afterWindow), sightings: 1, event: afterWindow },
    ]);

    // every sighting is published under the hit's id, with the count so far
    const published = await waitFor('four hits published for the camera', () => {
      const mine = hits.filter((hit) => hit.cameraId === camera);
      return mine.length >= 4 && mine;
    });
    expect(published.map((hit) => [hit.hitId, hit.sightingCount])).toEqual([
      [first, 1],
      [first, 2],
      [first, 3],
      [hitOf.get(afterWindow), 1],
    ]);

    // and each is on the audit chain, under the hit
    const audited = await app
      .get(DataSource)
      .getRepository(AuditLogEntryEntity)
      .find({
        where: [{ subjectId: first }, { subjectId: hitOf.get(afterWindow)! }],
        order: { seq: 'ASC' },
      });
    expect(audited.map((entry) => [entry.action, entry.subjectId])).toEqual([
      ['hit.recorded', first],
      ['hit.sighting-added', first],
      ['hit.sighting-added', first],
      ['hit.recorded', hitOf.get(afterWindow)],
    ]);
  });

  it('opens a hit of its own for the same person at another camera within the window', async () => {
    const [one, other] = [`${cameraPrefix}-2`, `${cameraPrefix}-3`];
    const events = [await sighting(one, 20)];
    await matchLogged(events);
    events.push(await sighting(other, 10));
    const logged = await matchLogged(events);
    const hitIds = events.map((eventId) => logged.find((row) => row.eventId === eventId)!.hitId);
    expect(new Set(hitIds).size).toBe(2);
    const stored = await app
      .get(DataSource)
      .getRepository(WatchlistHitEntity)
      .findBy(hitIds.map((hitId) => ({ hitId })));
    expect(stored.map((hit) => hit.sightingCount)).toEqual([1, 1]);
  });
});

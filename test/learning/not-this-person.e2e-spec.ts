import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { register } from 'prom-client';
import { DataSource } from 'typeorm';
import { CameraEventSchema, create, encodeCameraEvent, timestampFromDate } from '@kuzet/contracts';
import { cosineSimilarity, FaceEngine } from '@kuzet/face';
import { MESSAGE_BUS, MessageBus, TOPICS } from '@kuzet/messaging';
import { WatchlistIndex, WatchlistService } from '@kuzet/watchlist';
import { MatcherModule } from '../../apps/matcher/src/matcher.module';
import { OpsCenterModule } from '../../apps/ops-center/src/ops-center.module';
import { registerCameras } from '../support/cameras';
import { createTestDatabase, TestDatabase } from '../support/database';
import { asJpeg, personPhoto } from '../support/faces';
import { startTestApp } from '../support/kuzet-app';
import { SignedInStaff, signInAs } from '../support/staff';
import { eventually, uniqueName } from '../support/transports';

// stuart1 is enrolled; howard3 is the fixtures' closest look-alike of it (cosine 0.356 with the
// shipped fr_feature model), stuart4 a real probe below the ceiling (0.631) and stuart2 a
// near-certain one (0.885). The test measures them again and fails if the models change.
const THRESHOLD = 0.33;

/** "Not this person" on the real broker, PostgreSQL and ONNX models, with two matcher
 * instances, on a list whose supervisor turned suppression on: the negative suppresses nothing
 * until a supervisor approves it, then the rejected look-alike's next probe is suppressed and
 * recorded, the real person still alerts, the ceiling holds, and
 * removing the negative restores the alert. */
describe('learning from "not this person" end to end', () => {
  let database: TestDatabase;
  let one: NestFastifyApplication; // matcher + ops-center
  let two: NestFastifyApplication; // a second matcher
  let operator: SignedInStaff;
  let supervisor: SignedInStaff;
  let admin: SignedInStaff;
  let watchlistId: string;
  let stuartId: string;
  const jpeg = new Map<string, Buffer>();
  const embedding = new Map<string, Float32Array>();
  const cameraPrefix = uniqueName('learn-cam');
  let cameras = 0;

  const publish = async (photo: string): Promise<{ eventId: string; cameraId: string }> => {
    const eventId = randomUUID();
    const cameraId = `${cameraPrefix}-${++cameras}`;
    await registerCameras(one.get(DataSource), [cameraId]);
    const event = create(CameraEventSchema, {
      eventId,
      cameraId,
      capturedAt: timestampFromDate(new Date()),
      payload: { case: 'faceFrame', value: { jpeg: jpeg.get(photo)! } },
    });
    await one
      .get<MessageBus>(MESSAGE_BUS)
      .publish(TOPICS.cameraEvents, [{ key: cameraId, value: encodeCameraEvent(event) }]);
    return { eventId, cameraId };
  };

  const alertOf = async (eventId: string): Promise<{ id: string; similarity: number } | null> => {
    const rows: { id: string; similarity: number }[] = await one
      .get(DataSource)
      .query(`SELECT id, similarity FROM alert WHERE event_id = $1`, [eventId]);
    return rows[0] ?? null;
  };
  const suppressionOf = async (eventId: string) => {
    const rows: { negative_id: string; similarity: number }[] = await one
      .get(DataSource)
      .query(`SELECT negative_id, similarity FROM suppressed_match WHERE event_id = $1`, [eventId]);
    return rows[0] ?? null;
  };
  const settled = async (eventId: string) => {
    await eventually(
      async () => (await alertOf(eventId)) !== null || (await suppressionOf(eventId)) !== null,
      `event ${eventId} to alert or be suppressed`,
      90_000,
    );
    return { alert: await alertOf(eventId), suppression: await suppressionOf(eventId) };
  };
  const bothMatchers = (predicate: (index: WatchlistIndex) => boolean, what: string) =>
    eventually(
      () => predicate(one.get(WatchlistIndex)) && predicate(two.get(WatchlistIndex)),
      `both matchers to ${what}`,
      30_000,
    );
  const suppressedCount = async (cameraId: string): Promise<number> => {
    const metric = await register
      .getSingleMetric('kuzet_matcher_suppressions_by_camera_total')
      ?.get();
    return metric?.values.find((v) => v.labels.camera_id === cameraId)?.value ?? 0;
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    const env = { DATABASE_URL: database.url, MATCHER_DEDUP_WINDOW_MS: 0 };
    ({ app: one } = await startTestApp([MatcherModule, OpsCenterModule], {
      ...env,
      KUZET_INSTANCE_ID: uniqueName('matcher-one'),
    }));
    ({ app: two } = await startTestApp([MatcherModule], {
      ...env,
      KUZET_INSTANCE_ID: uniqueName('matcher-two'),
    }));
    operator = await signInAs(one, ['operator'], ['test-centre']);
    supervisor = await signInAs(one, ['supervisor'], ['test-centre']);
    admin = await signInAs(one, ['watchlist-admin']);
    const engine = one.get(FaceEngine);
    for (const photo of ['stuart1', 'stuart2', 'stuart4', 'howard3']) {
      const image = await asJpeg(personPhoto(photo.slice(0, -1) as 'stuart', Number(photo.at(-1))));
      jpeg.set(photo, image);
      const face = (await engine.analyze(image)).faces.find((f) => f.quality.passed)!;
      embedding.set(photo, face.embedding);
    }
    const similarity = (probe: string) =>
      cosineSimilarity(embedding.get('stuart1')!, embedding.get(probe)!);
    // the fixture pair still is what this test is built on
    expect(similarity('howard3')).toBeGreaterThan(THRESHOLD);
    expect(similarity('howard3')).toBeLessThan(0.8);
    expect(similarity('stuart4')).toBeGreaterThan(THRESHOLD);
    expect(similarity('stuart4')).toBeLessThan(0.8);
    expect(similarity('stuart2')).toBeGreaterThanOrEqual(0.8);

    const service = one.get(WatchlistService);
    const list = await service.createWatchlist({
      name: 'Wanted (learning)',
      category: 'wanted',
      similarity_threshold: THRESHOLD,
      priority: 0,
    });
    watchlistId = list.id;
    const enrolled = await service.enrolPerson(watchlistId, {
      full_name: 'Stuart',
      confirm_not_duplicate: false,
      photos: [{ name: 'stuart1.png', data: personPhoto('stuart', 1).toString('base64') }],
    });
    stuartId = enrolled.person.id;
    await bothMatchers((index) => index.versionOf(stuartId) === 1, 'enrol Stuart');
    // suppression is opt-in per list: a supervisor of a main centre turns it on (test-centre,
    // registered with the cameras, has no parent)
    await registerCameras(one.get(DataSource), []);
    const on = await one.inject({
      method: 'PUT',
      url: `/v1/watchlists/${watchlistId}/suppression-policy`,
      headers: supervisor.headers,
      payload: { enabled: true, margin: 0.05, ceiling: 0.8 },
    });
    expect(on.statusCode).toBe(200);
    await bothMatchers((index) => index.versionOf(stuartId) === 2, 'take the policy');
  });

  afterAll(async () => {
    await two?.close();
    await one?.close();
    await database?.drop();
  });

  it('suppresses the rejected look-alike, keeps alerting the real person, and undoes it', async () => {
    // 1. the look-alike alerts
    const first = await publish('howard3');
    const lookAlike = (await settled(first.eventId)).alert!;
    expect(lookAlike).not.toBeNull();

    // 2. the operator rejects it: not this person
    const rejected = await one.inject({
      method: 'POST',
      url: `/v1/alerts/${lookAlike.id}/decisions`,
      headers: operator.headers,
      payload: { action: 'reject', reason_code: 'not_this_person' },
    });
    expect(rejected.statusCode).toBe(201);
    expect(rejected.json()).toMatchObject({ state: 'rejected' });
    const negatives = await one.inject({
      method: 'GET',
      url: `/v1/watchlists/${watchlistId}/negatives`,
      headers: admin.headers,
    });
    expect(negatives.statusCode).toBe(200);
    const [negative] = (negatives.json() as { items: { id: string; alert_id: string }[] }).items;
    expect(negative).toMatchObject({ alert_id: lookAlike.id, state: 'pending' });

    // 2b. one operator's word suppresses nothing: until approved, the look-alike still alerts
    const unapproved = await settled((await publish('howard3')).eventId);
    expect(unapproved.suppression).toBeNull();
    expect(unapproved.alert).not.toBeNull();
    expect(one.get(WatchlistIndex).negativeCount(stuartId)).toBe(0);
    const approved = await one.inject({
      method: 'POST',
      url: `/v1/watchlists/${watchlistId}/negatives/${negative!.id}/approve`,
      headers: supervisor.headers,
    });
    expect(approved.statusCode).toBe(201);
    expect(approved.json()).toMatchObject({ state: 'approved', approved_by: supervisor.username });
    await bothMatchers((index) => index.negativeCount(stuartId) === 1, 'hold the negative');

    // 3. the same look-alike again: suppressed, recorded with its negative, no alert
    const again = await publish('howard3');
    const second = await settled(again.eventId);
    expect(second.alert).toBeNull();
    expect(second.suppression).toMatchObject({ negative_id: negative!.id });
    expect(await suppressedCount(again.cameraId)).toBe(1);
    const suppressions = await one.inject({
      method: 'GET',
      url: `/v1/watchlists/${watchlistId}/suppressions`,
      headers: supervisor.headers,
    });
    expect(suppressions.statusCode).toBe(200);
    expect(suppressions.json()).toMatchObject({
      items: [{ event_id: again.eventId, negative_id: negative!.id, person_id: stuartId }],
    });
    const audited: { action: string }[] = await one
      .get(DataSource)
      .query(`SELECT action FROM audit_log WHERE subject_id = $1 ORDER BY seq`, [stuartId]);
    expect(audited.map((a) => a.action)).toEqual(
      expect.arrayContaining([
        'watchlist.negative-added',
        'watchlist.negative-approved',
        'hit.suppressed',
      ]),
    );

    // 4. the real person still alerts (below the ceiling) and so does a near-certain probe
    for (const photo of ['stuart4', 'stuart2']) {
      const real = await settled((await publish(photo)).eventId);
      expect(real.suppression).toBeNull();
      expect(real.alert).not.toBeNull();
    }

    // 5. the ceiling holds: below the look-alike's similarity, the look-alike alerts again
    const ceiling = await one.inject({
      method: 'PUT',
      url: `/v1/watchlists/${watchlistId}/suppression-policy`,
      headers: supervisor.headers,
      payload: { enabled: true, margin: 0.05, ceiling: 0.34 },
    });
    expect(ceiling.statusCode).toBe(200);
    const ceilingVersion = one.get(WatchlistIndex).versionOf(stuartId);
    await bothMatchers((index) => index.versionOf(stuartId) >= ceilingVersion, 'take the ceiling');
    const aboveCeiling = await settled((await publish('howard3')).eventId);
    expect(aboveCeiling.suppression).toBeNull();
    expect(aboveCeiling.alert).not.toBeNull();

    // 6. back to the default ceiling, then the administrator removes the negative: alerts again
    await one.inject({
      method: 'PUT',
      url: `/v1/watchlists/${watchlistId}/suppression-policy`,
      headers: supervisor.headers,
      payload: { enabled: true, margin: 0.05, ceiling: 0.8 },
    });
    const removed = await one.inject({
      method: 'DELETE',
      url: `/v1/watchlists/${watchlistId}/negatives/${negative!.id}`,
      headers: admin.headers,
    });
    expect(removed.statusCode).toBe(200);
    await bothMatchers((index) => index.negativeCount(stuartId) === 0, 'drop the negative');
    const restored = await settled((await publish('howard3')).eventId);
    expect(restored.suppression).toBeNull();
    expect(restored.alert).not.toBeNull();
  });

  it('refuses a "not this person" code on a decision that is not a rejection', async () => {
    const response = await one.inject({
      method: 'POST',
      url: `/v1/alerts/${randomUUID()}/decisions`,
      headers: operator.headers,
      payload: { action: 'confirm', reason_code: 'not_this_person' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ errors: [{ field: 'reason_code' }] });
  });
});

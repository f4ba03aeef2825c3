import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { DataSource } from 'typeorm';
import { CameraEventSchema, create, encodeCameraEvent, timestampFromDate } from '@kuzet/contracts';
import { MESSAGE_BUS, MessageBus } from '@kuzet/messaging';
import { TOPICS } from '@kuzet/messaging';
import { AuditLogEntryEntity, EnrolledFaceEntity, MatchLogEntity } from '@kuzet/persistence';
import { FaceEngine } from '@kuzet/face';
import { WatchlistIndex } from '@kuzet/watchlist';
import { MatcherModule } from '../../apps/matcher/src/matcher.module';
import { registerCameras } from '../support/cameras';
import { createTestDatabase, TestDatabase } from '../support/database';
import { fixture, personPhoto } from '../support/faces';
import { startTestApp } from '../support/kuzet-app';
import { SignedInStaff, signInAs } from '../support/staff';
import { uniqueName } from '../support/transports';
import { waitFor, waitUntil } from '../support/wait';

const FEATURE_MODEL = 'faceplugin-face-recognition-js/fr_feature';

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}
interface PhotoCheckJson {
  verdict: string;
  faces: { box: Box; verdict: string; crop_jpeg: string }[];
  likely_duplicates: { person_id: string }[];
}
interface EnrolmentJson {
  person: { id: string; status: string; version: number; faces: { id: string }[] };
  photos: { photo: string; status: string; verdict: string; face_id: string | null }[];
  likely_duplicates: { person_id: string }[];
}
interface ErrorsJson {
  errors: { field: string; rule: string; params?: Record<string, unknown> }[];
}

/** The watchlist administrator's API on the matcher as production runs it (real Kafka and
 * PostgreSQL): the photo check's verdicts, enrolment from three photos (one blurred, one a
 * group photo with the face picked), the duplicate refusals, the search by name, and a
 * threshold change the matcher applies from the change topic. */
describe('watchlist administration', () => {
  let database: TestDatabase;
  let app: NestFastifyApplication;
  let admin: SignedInStaff;
  let listId: string;
  let leonard: EnrolmentJson;
  const cameraPrefix = uniqueName('admin-cam');

  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) =>
    app.inject({ method, url, headers: admin.headers, payload: payload as object });
  const b64 = (image: Buffer) => image.toString('base64');

  beforeAll(async () => {
    database = await createTestDatabase();
    ({ app } = await startTestApp([MatcherModule], { DATABASE_URL: database.url }));
    admin = await signInAs(app, ['watchlist-admin']);
    const list = await call('POST', '/v1/watchlists', {
      name: 'Wanted (admin)',
      category: 'wanted',
      similarity_threshold: 0.6,
      priority: 40,
      colour: '#c0392b',
    });
    expect(list.statusCode).toBe(201);
    listId = list.json<{ id: string }>().id;
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('checks a photo before enrolment: one face, a blurred one, a group photo with every box, not an image', async () => {
    const one = (
      await call('POST', '/v1/persons/photo-check', {
        name: 'leonard1.png',
        data: b64(personPhoto('leonard', 1)),
      })
    ).json<PhotoCheckJson>();
    expect(one.verdict).toBe('ok');
    expect(one.faces).toHaveLength(1);
    const crop = await sharp(Buffer.from(one.faces[0]!.crop_jpeg, 'base64')).metadata();
    expect([crop.format, crop.width, crop.height]).toEqual(['jpeg', 112, 112]);

    const blurred = await sharp(personPhoto('leonard', 2)).blur(3).toBuffer();
    const soft = (
      await call('POST', '/v1/persons/photo-check', { data: b64(blurred) })
    ).json<PhotoCheckJson>();
    expect(soft.verdict).toBe('blurred');

    const group = (
      await call('POST', '/v1/persons/photo-check', {
        data: b64(fixture('bbt1.jpg')),
      })
    ).json<PhotoCheckJson>();
    expect(group.verdict).toBe('several_faces');
    expect(group.faces.length).toBe(4);

    const card = await sharp({
      create: { width: 200, height: 200, channels: 3, background: '#888' },
    })
      .jpeg()
      .toBuffer();
    expect(
      (await call('POST', '/v1/persons/photo-check', { data: b64(card) })).json(),
    ).toMatchObject({ verdict: 'no_face', faces: [] });
    expect(
      (
        await call('POST', '/v1/persons/photo-check', { data: b64(Buffer.from('not an image')) })
      ).json(),
    ).toMatchObject({ verdict: 'unreadable' });
  });

  it('enrols from three photos: one refused as blurred, a group photo only with the face picked', async () => {
    const blurred = await sharp(personPhoto('leonard', 2)).blur(3).toBuffer();
    const group = b64(fixture('bbt1.jpg'));
    // without a choice the group photo is refused, never enrolled with whichever face came first
    const unpicked = await call('POST', `/v1/watchlists/${listId}/persons`, {
      full_name: 'Leonard Hofstadter',
      photos: [{ name: 'bbt1.jpg', data: group }],
    });
    expect(unpicked.statusCode).toBe(201);
    expect(unpicked.json<EnrolmentJson>()).toMatchObject({
      person: { status: 'pending', faces: [] },
      photos: [{ photo: 'bbt1.jpg', status: 'rejected', verdict: 'several_faces' }],
    });
    await call('DELETE', `/v1/persons/${unpicked.json<EnrolmentJson>().person.id}`, {
      reason: 'enrolled again with the face picked',
    });

    // the admin picks the face around Leonard (the labelled centre of bbt1.jpg)
    const check = (
      await call('POST', '/v1/persons/photo-check', { data: group })
    ).json<PhotoCheckJson>();
    const [cx, cy] = [520, 202];
    const picked = check.faces.find(
      ({ box }) =>
        box.x <= cx && cx <= box.x + box.width && box.y <= cy && cy <= box.y + box.height,
    )!;
    expect(picked).toBeDefined();
    const enrolled = await call('POST', `/v1/watchlists/${listId}/persons`, {
      full_name: 'Leonard Hofstadter',
      case_reference: 'KUI-2026-0777',
      photos: [
        { name: 'leonard1.png', data: b64(personPhoto('leonard', 1)) },
        { name: 'leonard2-blurred.png', data: b64(blurred) },
        { name: 'bbt1.jpg', data: group, face: picked.box },
      ],
    });
    expect(enrolled.statusCode).toBe(201);
    leonard = enrolled.json<EnrolmentJson>();
    expect(leonard.person.status).toBe('active');
    expect(leonard.photos.map((p) => [p.photo, p.status, p.verdict])).toEqual([
      ['leonard1.png', 'enrolled', 'ok'],
      ['leonard2-blurred.png', 'rejected', 'blurred'],
      ['bbt1.jpg', 'enrolled', 'ok'],
    ]);
    expect(leonard.person.faces).toHaveLength(2);

    // the face taken from the group photo is Leonard's: of the four men in it, it is closest to
    // Leonard's own portrait
    const [, fromGroup] = await app
      .get(DataSource)
      .getRepository(EnrolledFaceEntity)
      .find({ where: { personId: leonard.person.id }, order: { createdAt: 'ASC' } });
    const engine = app.get(FaceEngine);
    const closeness = new Map<string, number>();
    for (const person of ['raj', 'leonard', 'howard', 'sheldon'] as const) {
      const [portrait] = (await engine.analyze(personPhoto(person, 3))).faces;
      closeness.set(person, cosine(portrait!.embedding, fromGroup!.embedding));
    }
    const closest = [...closeness].sort((x, y) => y[1] - x[1])[0]![0];
    expect(closest).toBe('leonard');

    // a box on nobody is refused by name
    const nowhere = await call('POST', `/v1/persons/${leonard.person.id}/photos`, {
      photos: [{ name: 'bbt1.jpg', data: group, face: { x: 0, y: 600, width: 50, height: 50 } }],
    });
    expect(nowhere.json<EnrolmentJson>().photos[0]).toMatchObject({ verdict: 'face_not_found' });
  });

  it('refuses a repeated enrolment and names a likely duplicate; enrols it only when confirmed', async () => {
    const again = await call('POST', `/v1/watchlists/${listId}/persons`, {
      full_name: 'L. Hofstadter',
      case_reference: 'kui-2026-0777',
      photos: [{ data: b64(personPhoto('leonard', 3)) }],
    });
    expect(again.statusCode).toBe(409);
    expect(again.json<ErrorsJson>().errors[0]).toMatchObject({
      field: 'case_reference',
      rule: 'conflict',
      params: { person_id: leonard.person.id },
    });

    // the same portrait again under another name
    const lookalike = {
      full_name: 'Unknown man',
      photos: [{ name: 'portrait.png', data: b64(personPhoto('leonard', 1)) }],
    };
    const refused = await call('POST', `/v1/watchlists/${listId}/persons`, lookalike);
    expect(refused.statusCode).toBe(409);
    const [error] = refused.json<ErrorsJson>().errors;
    expect(error).toMatchObject({ field: 'photos', rule: 'likely_duplicate' });
    expect(error!.params!.candidates).toEqual([
      expect.objectContaining({ person_id: leonard.person.id, full_name: 'Leonard Hofstadter' }),
    ]);
    const check = (
      await call('POST', '/v1/persons/photo-check', {
        data: b64(personPhoto('leonard', 1)),
      })
    ).json<PhotoCheckJson>();
    expect(check.likely_duplicates.map((d) => d.person_id)).toEqual([leonard.person.id]);

    const confirmed = await call('POST', `/v1/watchlists/${listId}/persons`, {
      ...lookalike,
      confirm_not_duplicate: true,
    });
    expect(confirmed.statusCode).toBe(201);
    const other = confirmed.json<EnrolmentJson>();
    expect(other.likely_duplicates.map((d) => d.person_id)).toEqual([leonard.person.id]);
    const removed = await call('DELETE', `/v1/persons/${other.person.id}`, {
      reason: 'the same man as Leonard Hofstadter',
    });
    expect(removed.json()).toMatchObject({ status: 'removed' });
    // the reason is in the audit chain
    const entry = await app
      .get(DataSource)
      .getRepository(AuditLogEntryEntity)
      .findOneByOrFail({ action: 'watchlist.person-removed', subjectId: other.person.id });
    expect(entry.details).toMatchObject({ reason: 'the same man as Leonard Hofstadter' });
    // without a reason a removal changes nothing
    const bare = await call('DELETE', `/v1/persons/${leonard.person.id}`, {});
    expect(bare.statusCode).toBe(400);
    expect(bare.json<ErrorsJson>().errors.map((e) => e.field)).toEqual(['reason']);
  });

  it('finds people by part of the name or by case number, pages them, refuses an unknown parameter', async () => {
    // the first enrolment (removed) is kept and found too unless the status is asked for
    expect(
      (await call('GET', '/v1/persons?name=hofST')).json<{ items: unknown[] }>().items,
    ).toHaveLength(2);
    const byName = await call('GET', `/v1/persons?name=hofST&status=active`);
    expect(byName.json<{ items: { id: string }[] }>().items.map((p) => p.id)).toEqual([
      leonard.person.id,
    ]);
    const inList = await call(
      'GET',
      `/v1/watchlists/${listId}/persons?case_reference=KUI-2026-0777`,
    );
    expect(inList.json<{ items: { id: string }[] }>().items.map((p) => p.id)).toEqual([
      leonard.person.id,
    ]);
    expect((await call('GET', '/v1/persons?name=nobody')).json()).toEqual({
      items: [],
      next_cursor: null,
    });
    // a LIKE wildcard is a character, not everyone
    expect((await call('GET', '/v1/persons?name=%25')).json()).toMatchObject({ items: [] });
    const misspelt = await call('GET', `/v1/watchlists/${listId}/persons?nmae=leonard`);
    expect(misspelt.statusCode).toBe(400);
    expect(misspelt.json<ErrorsJson>().errors[0]).toMatchObject({ rule: 'unrecognized_keys' });

    const all: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { id: string }[]; next_cursor: string | null } = (
        await call('GET', `/v1/persons?limit=1${cursor ? `&cursor=${cursor}` : ''}`)
      ).json();
      all.push(...page.items.map((p) => p.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBeGreaterThanOrEqual(3);
  });

  it('edits a person and removes one photo; the person card lists every photo', async () => {
    const edited = await call('PATCH', `/v1/persons/${leonard.person.id}`, {
      notes: 'seen near the port',
    });
    expect(edited.json()).toMatchObject({
      notes: 'seen near the port',
      full_name: 'Leonard Hofstadter',
    });
    const faceId = leonard.person.faces[1]!.id;
    const after = await call('DELETE', `/v1/persons/${leonard.person.id}/faces/${faceId}`);
    expect(after.statusCode).toBe(200);
    const card = (await call('GET', `/v1/persons/${leonard.person.id}`)).json<
      EnrolmentJson['person']
    >();
    expect(card.faces.map((f) => f.id)).toEqual([leonard.person.faces[0]!.id]);
    expect(card.status).toBe('active');
  });

  it('applies a threshold change in the matcher: a probe between the old and new threshold hits only after it', async () => {
    const index = app.get(WatchlistIndex);
    const personId = leonard.person.id;
    await waitUntil('Leonard in the matcher', () => index.versionOf(personId) > 0);
    const [face] = await app.get(DataSource).getRepository(EnrolledFaceEntity).findBy({ personId });
    const probe = between(face!.embedding, 0.55);
    const bus = app.get<MessageBus>(MESSAGE_BUS);
    const send = async (cameraId: string, embedding: Float32Array): Promise<string> => {
      await registerCameras(app.get(DataSource), [cameraId]);
      const eventId = randomUUID();
      const event = create(CameraEventSchema, {
        eventId,
        cameraId,
        capturedAt: timestampFromDate(new Date()),
        payload: {
          case: 'faceObservation',
          value: {
            embedding: Array.from(embedding),
            modelId: FEATURE_MODEL,
            quality: 0.9,
            box: { x: 10, y: 10, width: 112, height: 140 },
          },
        },
      });
      await bus.publish(TOPICS.cameraEvents, [{ key: cameraId, value: encodeCameraEvent(event) }]);
      return eventId;
    };
    const logged = (eventId: string) =>
      app.get(DataSource).getRepository(MatchLogEntity).findBy({ eventId });

    // at 0.6 the probe (0.55) matches nobody: the face itself, sent after it on the same
    // camera (same partition, in order), is matched and the probe is not
    const camera = `${cameraPrefix}-1`;
    const early = await send(camera, probe);
    const sentinel = await send(camera, face!.embedding);
    await waitFor('the sentinel matched', async () => (await logged(sentinel)).length > 0);
    expect(await logged(early)).toEqual([]);

    const version = index.versionOf(personId);
    const patched = await call('PATCH', `/v1/watchlists/${listId}`, { similarity_threshold: 0.5 });
    expect(patched.json()).toMatchObject({ similarity_threshold: 0.5 });
    await waitUntil('the new threshold in the matcher', () => index.versionOf(personId) > version);

    const late = await send(`${cameraPrefix}-2`, probe);
    const [row] = await waitFor('the probe matched', async () => {
      const rows = await logged(late);
      return rows.length > 0 && rows;
    });
    expect(row).toMatchObject({ personId, threshold: 0.5 });
    expect(row!.similarity).toBeCloseTo(0.55, 2);

    const audit = await app
      .get(DataSource)
      .getRepository(AuditLogEntryEntity)
      .findOneByOrFail({ action: 'watchlist.updated', subjectId: listId });
    expect(audit.details).toMatchObject({
      before: { similarity_threshold: 0.6 },
      after: { similarity_threshold: 0.5 },
    });
  });

  it('archives a list with a reason: the matcher stops searching its people', async () => {
    const index = app.get(WatchlistIndex);
    const refused = await call('POST', `/v1/watchlists/${listId}/archive`, {});
    expect(refused.json<ErrorsJson>().errors.map((e) => e.field)).toEqual(['reason']);
    const archived = await call('POST', `/v1/watchlists/${listId}/archive`, {
      reason: 'operation closed',
    });
    expect(archived.json()).toMatchObject({ status: 'archived' });
    await waitUntil('Leonard out of the matcher', () => index.personCount === 0);
    expect((await call('GET', '/v1/watchlists?status=archived')).json()).toMatchObject({
      items: [{ id: listId, status: 'archived', colour: '#c0392b' }],
    });
  });
});

/** A unit vector at exactly `similarity` (cosine) from `face`. */
function between(face: Float32Array, similarity: number): Float32Array {
  const norm = Math.hypot(...face);
  const unit = face.map((v) => v / norm);
  // an orthogonal direction: a fixed vector minus its projection on the face
  const other = unit.map((_, i) => (i % 2 === 0 ? 1 : -1));
  const dot = other.reduce((sum, v, i) => sum + v * unit[i]!, 0);
  const orthogonal = other.map((v, i) => v - dot * unit[i]!);
  const on = Math.hypot(...orthogonal);
  const sine = Math.sqrt(1 - similarity * similarity);
  return unit.map((v, i) => similarity * v + (sine * orthogonal[i]!) / on);
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return dot / (Math.hypot(...a) * Math.hypot(...b));
}

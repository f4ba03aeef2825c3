import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { ApiKeyService, digestHa1, digestHash } from '@kuzet/auth';
import { FaceEngine } from '@kuzet/face';
import { AlertEntity, AuditLogEntryEntity } from '@kuzet/persistence';
import { WatchlistIndex } from '@kuzet/watchlist';
import { registerCameras } from '../support/cameras';
import { createTestDatabase, TestDatabase } from '../support/database';
import { asJpeg, fixture, personPhoto } from '../support/faces';
import { everyAppModule, startTestApp } from '../support/kuzet-app';
import { SignedInStaff, signInAs } from '../support/staff';
import { eventually, uniqueName } from '../support/transports';
import { buildOpenApiDocument, integratorDocument } from '../../apps/ingest/src/openapi';

const INSTRUCTIONS = 'Armed: do not detain alone, call the duty unit on channel 2';
const RATE_LIMIT = 8;

interface Answer {
  readonly request_id: string;
  readonly hits: readonly {
    person_id: string;
    full_name: string;
    watchlist_id: string;
    category: string;
    instructions: string | null;
    instructions_source: 'person' | 'list' | null;
    similarity: number;
    threshold: number;
  }[];
}

/** Smart badges of West Kazakhstan's patrol officers ask POST /v1/devices/identify: the whole
 * kuzet (ingest, matcher, ops-center) on the test broker and PostgreSQL. */
describe('badge identification end to end on Kafka and PostgreSQL', () => {
  let database: TestDatabase;
  let app: NestFastifyApplication;
  let admin: SignedInStaff;
  let badgeKey: string;
  let personId: string;
  const badge = uniqueName('badge');
  const otherBadge = uniqueName('badge');
  const busyBadge = uniqueName('badge');
  const strangerCamera = uniqueName('cam');
  const instructedBadge = uniqueName('badge');

  const identify = (payload: Record<string, unknown>, key = badgeKey) =>
    app.inject({
      method: 'POST',
      url: '/v1/devices/identify',
      headers: {
        authorization: `Basic ${Buffer.from(`badge:${key}`).toString('base64')}`,
        'content-type': 'application/json',
      },
      payload,
    });

  const embeddingOf = async (jpeg: Buffer): Promise<number[]> => {
    const analysis = await app.get(FaceEngine).analyze(jpeg);
    return Array.from(analysis.faces[0]!.embedding);
  };

  const model = (): string => app.get(FaceEngine).models.embedding.modelId;

  const audited = (): Promise<AuditLogEntryEntity[]> =>
    app
      .get(DataSource)
      .getRepository(AuditLogEntryEntity)
      .find({ where: { action: 'badge.identified' }, order: { seq: 'ASC' } });

  beforeAll(async () => {
    database = await createTestDatabase();
    ({ app } = await startTestApp(everyAppModule(), {
      DATABASE_URL: database.url,
      BADGE_RATE_LIMIT_PER_MINUTE: RATE_LIMIT,
    }));
    const db = app.get(DataSource);
    // badges are registry devices of kind badge; their district names the officer's centre
    await registerCameras(db, [badge, otherBadge, busyBadge, strangerCamera, instructedBadge]);
    await db.query(`UPDATE camera SET kind = 'badge' WHERE id = ANY($1)`, [
      [badge, otherBadge, busyBadge, instructedBadge],
    ]);
    badgeKey = (
      await app.get(ApiKeyService).create(
        {
          integrator_id: 'badges-wko',
          label: 'Uralsk patrol badges',
          camera_ids: [badge, busyBadge, strangerCamera, instructedBadge],
          district_ids: [],
          identify: true,
        },
        'test-setup',
      )
    ).key;
    admin = await signInAs(app, ['watchlist-admin']);
    const list = await app.inject({
      method: 'POST',
      url: '/v1/watchlists',
      headers: admin.headers,
      payload: {
        name: 'Wanted (badges e2e)',
        category: 'wanted',
        similarity_threshold: 0.4,
        instructions: INSTRUCTIONS,
      },
    });
    expect(list.statusCode).toBe(201);
    const enrolled = await app.inject({
      method: 'POST',
      url: `/v1/watchlists/${(list.json() as { id: string }).id}/persons`,
      headers: admin.headers,
      payload: {
        full_name: 'Amy',
        photos: [{ name: 'amy1.png', data: personPhoto('amy', 1).toString('base64') }],
      },
    });
    expect(enrolled.statusCode).toBe(201);
    personId = (enrolled.json() as { person: { id: string } }).person.id;
    // the enrolment reaches the index through the compacted watchlist topic
    await eventually(() => app.get(WatchlistIndex).personCount >= 1, 'the index holds Amy');
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('answers the hit for an enrolled face and nothing for an unknown one, both audited, and the officer’s centre sees the hit', async () => {
    const position = { lat: 51.2278, lon: 51.3865 };
    const known = await identify({
      officer_id: 'wko-0417',
      device_id: badge,
      position,
      embedding: await embeddingOf(await asJpeg(personPhoto('amy', 2))),
      model_id: model(),
    });
    expect(known.statusCode).toBe(200);
    const hit = known.json() as Answer;
    expect(hit.hits).toHaveLength(1);
    expect(hit.hits[0]).toMatchObject({
      person_id: personId,
      full_name: 'Amy',
      category: 'wanted',
      instructions: INSTRUCTIONS,
      threshold: 0.4,
    });
    expect(hit.hits[0]!.similarity).toBeGreaterThanOrEqual(0.4);

    const photo = await identify({
      officer_id: 'wko-0417',
      device_id: badge,
      photo: (await asJpeg(personPhoto('amy', 3))).toString('base64'),
    });
    expect(photo.statusCode).toBe(200);
    expect((photo.json() as Answer).hits.map((h) => h.person_id)).toEqual([personId]);

    const unknown = await identify({
      officer_id: 'wko-0417',
      device_id: badge,
      position,
      photo: fixture('neutral.jpg').toString('base64'),
    });
    expect(unknown.statusCode).toBe(200);
    const nothing = unknown.json() as Answer;
    expect(Object.keys(nothing).sort()).toEqual(['hits', 'request_id']);
    expect(nothing.hits).toEqual([]);

    const entries = await audited();
    expect(entries.map((e) => e.details['request_id'])).toEqual([
      hit.request_id,
      (photo.json() as Answer).request_id,
      nothing.request_id,
    ]);
    for (const entry of entries) {
      expect(entry.actor).toBe('officer:wko-0417');
      expect(entry.subjectId).toBe(badge);
      expect(entry.details).toMatchObject({ officer_id: 'wko-0417', device_id: badge });
    }
    expect(entries[0]!.details).toMatchObject({
      position,
      input: 'embedding',
      result: 'hit',
      hits: [expect.objectContaining({ person_id: personId })],
    });
    expect(entries[2]!.details).toMatchObject({
      position,
      input: 'photo',
      result: 'no_hit',
      hits: [],
    });
    // no face, embedding or photo of anybody in the chain
    for (const entry of entries) {
      expect(Object.keys(entry.details)).not.toEqual(
        expect.arrayContaining([expect.stringMatching(/^(embedding|photo|face)/)]),
      );
      expect(JSON.stringify(entry.details).length).toBeLessThan(1_000);
    }

    // the hit reaches the badge's centre through the hits topic, as a badge identification
    const alerts = app.get(DataSource).getRepository(AlertEntity);
    await eventually(
      async () => (await alerts.countBy({ cameraId: badge, kind: 'badge_identification' })) > 0,
      'the badge identification reaches the ops-center',
    );
    const alert = await alerts.findOneByOrFail({ cameraId: badge });
    expect(alert).toMatchObject({
      kind: 'badge_identification',
      centreId: 'test-centre',
      personId,
      message: 'wko-0417',
    });
    const operator = await signInAs(app, ['operator'], ['test-centre']);
    const feed = await app.inject({
      method: 'GET',
      url: '/v1/alerts?limit=50',
      headers: operator.headers,
    });
    expect(feed.statusCode).toBe(200);
    const items = (feed.json() as { items: { kind: string; camera_id: string }[] }).items;
    expect(items).toContainEqual(
      expect.objectContaining({ kind: 'badge_identification', camera_id: badge }),
    );
  });

  it('refuses a key without identify, a badge outside the key or the registry, and bad input, naming the field', async () => {
    const noIdentify = (
      await app
        .get(ApiKeyService)
        .create(
          { integrator_id: 'cams', label: 'cameras', camera_ids: [badge], district_ids: [] },
          'test-setup',
        )
    ).key;
    const embedding = await embeddingOf(await asJpeg(personPhoto('amy', 2)));
    const valid = { officer_id: 'wko-0417', device_id: badge, embedding, model_id: model() };
    const cases: [Record<string, unknown>, string | undefined, number, string, string][] = [
      [valid, noIdentify, 403, 'X-Api-Key', 'identify_scope'],
      [{ ...valid, device_id: otherBadge }, undefined, 403, 'device_id', 'scope'],
      [{ ...valid, device_id: strangerCamera }, undefined, 422, 'device_id', 'unknown_badge'],
      [{ ...valid, device_id: undefined }, undefined, 422, 'device_id', 'required'],
      [{ ...valid, model_id: 'other-model' }, undefined, 422, 'model_id', 'compatible_model'],
      [{ ...valid, photo: 'AAAA' }, undefined, 400, 'embedding', 'custom'],
      [{ ...valid, embedding: embedding.slice(1) }, undefined, 400, 'embedding', 'too_small'],
      [{ ...valid, officer_id: 'a b' }, undefined, 400, 'officer_id', 'invalid_format'],
      [
        {
          officer_id: 'wko-0417',
          device_id: badge,
          photo: Buffer.from('not a jpeg').toString('base64'),
        },
        undefined,
        422,
        'photo',
        'unsupported_format',
      ],
    ];
    const before = (await audited()).length;
    for (const [payload, key, status, field, rule] of cases) {
      const response = await identify(payload, key);
      expect({ payload: Object.keys(payload), status: response.statusCode }).toEqual({
        payload: Object.keys(payload),
        status,
      });
      const errors = (response.json() as { errors: { field: string; rule: string }[] }).errors;
      expect(errors).toContainEqual(expect.objectContaining({ field, rule }));
    }
    // a refused request identified nothing
    expect(await audited()).toHaveLength(before);
  });

  it('takes a badge’s HTTP Digest credentials (key id and key) as the device adapters do: challenged, answered, a copied header refused', async () => {
    const digestKey = await app.get(ApiKeyService).create(
      {
        integrator_id: 'badges-wko',
        label: 'badges without Basic',
        camera_ids: [badge],
        district_ids: [],
        identify: true,
        digest: true,
      },
      'test-setup',
    );
    const path = '/v1/devices/identify';
    const post = (headers: Record<string, string>, payload: Record<string, unknown>) =>
      app.inject({
        method: 'POST',
        url: path,
        headers: { 'content-type': 'application/json', ...headers },
        payload,
      });
    const challenges = (response: { headers: Record<string, unknown> }): string[] =>
      ([] as string[]).concat(response.headers['www-authenticate'] as string | string[]);
    const embedding = await embeddingOf(await asJpeg(personPhoto('amy', 3)));
    const payload = { officer_id: 'wko-0417', device_id: badge, embedding, model_id: model() };

    // no credentials: 401 before the body is read, with a Basic and a Digest challenge
    const challenged = await post({}, payload);
    expect(challenged.statusCode).toBe(401);
    const digestChallenge = challenges(challenged).find((line) => line.startsWith('Digest'))!;
    expect(challenges(challenged)).toContainEqual(expect.stringMatching(/^Basic realm="kuzet"/));
    expect(digestChallenge).toMatch(/algorithm=SHA-256/);
    const nonce = /nonce="([^"]+)"/.exec(digestChallenge)![1]!;

    const authorization = (user: string, password: string, nc: string): string => {
      const ha1 = digestHa1('SHA-256', user, password).toString('hex');
      const ha2 = digestHash('SHA-256', `POST:${path}`);
      const response = digestHash('SHA-256', `${ha1}:${nonce}:${nc}:beef:auth:${ha2}`);
      return `Digest username="${user}", realm="kuzet", nonce="${nonce}", uri="${path}", response="${response}", qop=auth, nc=${nc}, cnonce="beef", algorithm=SHA-256`;
    };
    const before = (await audited()).length;
    const answered = await post(
      { authorization: authorization(digestKey.id, digestKey.key, '00000001') },
      payload,
    );
    expect(answered.statusCode).toBe(200);
    expect((answered.json() as Answer).hits.map((hit) => hit.person_id)).toEqual([personId]);
    expect(await audited()).toHaveLength(before + 1);

    // the same header again (someone who saw it, with a body of their own): stale, challenged anew
    const replayed = await post(
      { authorization: authorization(digestKey.id, digestKey.key, '00000001') },
      payload,
    );
    expect(replayed.statusCode).toBe(401);
    expect((replayed.json() as { errors: unknown[] }).errors).toEqual([
      expect.objectContaining({ field: 'Authorization', rule: 'stale_nonce' }),
    ]);
    expect(challenges(replayed)).toContainEqual(expect.stringMatching(/stale=true/));
    // a wrong password, and an unknown key by Basic, are refused before the body is read
    const wrong = await post(
      { authorization: authorization(digestKey.id, `${digestKey.key}x`, '00000002') },
      payload,
    );
    expect((wrong.json() as { errors: unknown[] }).errors).toEqual([
      expect.objectContaining({ field: 'Authorization', rule: 'digest' }),
    ]);
    const unknownKey = await identify(payload, 'kz_unknown_key');
    expect(unknownKey.statusCode).toBe(401);
    expect((unknownKey.json() as { errors: unknown[] }).errors).toEqual([
      expect.objectContaining({ field: 'X-Api-Key', rule: 'api_key' }),
    ]);
    expect(await audited()).toHaveLength(before + 1);
  });

  it('answers 429 with retry_after_seconds past the limit of one badge, and not for another', async () => {
    const embedding = Array.from({ length: 512 }, (_, i) => Math.sin(i + 1));
    const ask = (device: string) =>
      identify({ officer_id: 'wko-0001', device_id: device, embedding, model_id: model() });
    for (let i = 0; i < RATE_LIMIT; i++) expect((await ask(busyBadge)).statusCode).toBe(200);
    const refused = await ask(busyBadge);
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect((refused.json() as { retry_after_seconds: number }).retry_after_seconds).toBeGreaterThan(
      0,
    );
    expect((await ask(badge)).statusCode).toBe(200);
  });

  it('answers the person’s own instructions over the list’s, shows them in the alert detail, and audits that they changed, never the text', async () => {
    const own = 'Minor: hand over to the juvenile unit, do not question';
    const setOwn = await app.inject({
      method: 'PATCH',
      url: `/v1/persons/${personId}`,
      headers: admin.headers,
      payload: { instructions: `  ${own} ` },
    });
    expect(setOwn.statusCode).toBe(200);
    expect(setOwn.json()).toMatchObject({ id: personId, instructions: own });
    const read = await app.inject({
      method: 'GET',
      url: `/v1/persons/${personId}`,
      headers: admin.headers,
    });
    expect(read.json()).toMatchObject({ instructions: own });
    const blank = await app.inject({
      method: 'PATCH',
      url: `/v1/persons/${personId}`,
      headers: admin.headers,
      payload: { instructions: '   ' },
    });
    expect(blank.statusCode).toBe(400);
    expect((blank.json() as { errors: { field: string }[] }).errors).toEqual([
      expect.objectContaining({ field: 'instructions' }),
    ]);

    const ask = async () =>
      identify({
        officer_id: 'wko-0417',
        device_id: instructedBadge,
        embedding: await embeddingOf(await asJpeg(personPhoto('amy', 2))),
        model_id: model(),
      });
    const answered = await ask();
    expect(answered.statusCode).toBe(200);
    expect((answered.json() as Answer).hits[0]).toMatchObject({
      person_id: personId,
      instructions: own,
      instructions_source: 'person',
    });

    // the operator's alert detail carries the same instructions
    const alerts = app.get(DataSource).getRepository(AlertEntity);
    await eventually(
      async () => (await alerts.countBy({ cameraId: instructedBadge })) > 0,
      'the identification reaches the ops-center',
    );
    const alert = await alerts.findOneByOrFail({ cameraId: instructedBadge });
    const operator = await signInAs(app, ['operator'], ['test-centre']);
    const detail = async () =>
      (
        await app.inject({
          method: 'GET',
          url: `/v1/alerts/${alert.id}`,
          headers: operator.headers,
        })
      ).json() as { instructions: string | null; instructions_source: string | null };
    expect(await detail()).toMatchObject({ instructions: own, instructions_source: 'person' });

    // cleared: the list's apply again, to the badge and in the detail
    const cleared = await app.inject({
      method: 'PATCH',
      url: `/v1/persons/${personId}`,
      headers: admin.headers,
      payload: { instructions: null },
    });
    expect(cleared.json()).toMatchObject({ instructions: null });
    expect(((await ask()).json() as Answer).hits[0]).toMatchObject({
      instructions: INSTRUCTIONS,
      instructions_source: 'list',
    });
    expect(await detail()).toMatchObject({
      instructions: INSTRUCTIONS,
      instructions_source: 'list',
    });

    const changes = await app
      .get(DataSource)
      .getRepository(AuditLogEntryEntity)
      .find({
        where: { action: 'watchlist.person-updated', subjectId: personId },
        order: { seq: 'ASC' },
      });
    expect(changes.map((entry) => entry.details['changed'])).toEqual([
      ['instructions'],
      ['instructions'],
    ]);
    expect(JSON.stringify(changes.map((entry) => entry.details))).not.toContain('juvenile');
  });

  it('documents every refusal of identify in the integrators’ OpenAPI document, in their error shape', async () => {
    // the document /docs serves (setupOpenApi), built from this app's routes
    const document = integratorDocument(buildOpenApiDocument(app)) as unknown as {
      paths: Record<string, { post: { responses: Record<string, { content?: object }> } }>;
    };
    const { responses } = document.paths['/v1/devices/identify']!.post;
    expect(Object.keys(responses).sort()).toEqual([
      '200',
      '400',
      '401',
      '403',
      '413',
      '422',
      '429',
    ]);
    for (const status of ['403', '413', '422', '429']) {
      expect(responses[status]!.content).toEqual({
        'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } },
      });
    }
  });
});

import { create, toBinary } from '@bufbuild/protobuf';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseRegionFile } from '@kuzet/registry';
import {
  AlarmPriority,
  CameraEventBatchSchema,
  encodeCameraEvent,
  FieldError,
} from '@kuzet/contracts';
import { STUB_JPEG } from '@kuzet/contracts/testing';
import { TOPICS } from '@kuzet/messaging';
import { eventually } from '../support/transports';
import { waitFor } from '../support/wait';
import { IngestHarness, REGION_FILE, startIngest } from './ingest-app';
import {
  EventJson,
  jsonHeaders,
  publishedIds,
  readable,
  sampleEvent,
  sampleJson,
} from './sample-events';

const REGION = parseRegionFile(REGION_FILE, readFileSync(REGION_FILE, 'utf8'));
const ALL_DISTRICTS = REGION.centres.flatMap((centre) =>
  centre.districts.map((district) => district.id),
);
/** Every camera of the region: keyed by camera id, their events land on every partition. */
const ALL_CAMERAS = REGION.centres.flatMap((centre) =>
  centre.districts.flatMap((district) => district.cameras.map((camera) => camera.id)),
);
/** The harness creates kuzet.camera-events.v1 with three partitions (KAFKA_TOPIC_PARTITIONS). */
const PARTITIONS = 3;
const PROTOBUF = 'application/x-protobuf';
const PROTOBUF_BATCH = `${PROTOBUF}; messageType=kuzet.v1.CameraEventBatch`;

interface ErrorBody {
  statusCode: number;
  errors: FieldError[];
}

/** The HTTP ingest on the real broker and PostgreSQL, through Fastify's request injection. */
describe('ingest API on Kafka and PostgreSQL', () => {
  let h: IngestHarness;
  let key: string;
  let integratorId: string;

  beforeAll(async () => {
    h = await startIngest();
    const created = await h.admin('POST', '/v1/api-keys', {
      integrator_id: 'vendor-all',
      label: 'every district',
      district_ids: ALL_DISTRICTS,
    });
    expect(created.statusCode).toBe(201);
    key = created.json<{ key: string }>().key;
    integratorId = 'vendor-all';
  });

  afterAll(async () => h?.close());

  const post = (payload: unknown, headers = jsonHeaders(key)) =>
    h.request({ method: 'POST', url: '/v1/events', headers, payload: JSON.stringify(payload) });

  /** Pushes one valid event from every camera of the region, and waits until all of them are
   * read: Kafka orders records within a partition only, so it takes one behind every partition
   * to know that every record this process published before them has been read (a sentinel on
   * one partition says nothing of a late record on another). */
  async function sentinel(): Promise<void> {
    const events = ALL_CAMERAS.map((cameraId) =>
      sampleJson('alarm', (e) => (e.cameraId = cameraId)),
    );
    const ids = new Set(events.map((e) => e.eventId));
    expect((await post({ events })).statusCode).toBe(202);
    const arrived = await waitFor(
      `the ${ids.size} sentinels, one per camera`,
      () => {
        const read = readable(h.published).filter((r) => ids.has(r.event.eventId));
        return new Set(read.map((r) => r.event.eventId)).size === ids.size && read;
      },
      { timeoutMs: 60_000, intervalMs: 50 },
    );
    const partitions = new Set(arrived.map((r) => r.record.partition));
    expect({ partitions: partitions.size }).toEqual({ partitions: PARTITIONS });
  }

  it('publishes a valid JSON batch to kuzet.camera-events.v1 keyed by camera id', async () => {
    const events = [
      sampleJson('violation'),
      sampleJson('alarm'),
      sampleJson('observation'),
      sampleJson('frame'),
    ];
    const response = await post({ events });
    expect(response.statusCode).toBe(202);
    const body = response.json<{
      accepted: number;
      results: { status: string; event_id: string }[];
    }>();
    expect(body.accepted).toBe(4);
    expect(body.results.map((r) => r.event_id)).toEqual(events.map((e) => e.eventId));

    const ids = events.map((e) => e.eventId);
    await eventually(
      () => ids.every((id) => publishedIds(h.published).includes(id)),
      'the four events on the topic',
      60_000,
    );
    for (const { record, event } of readable(h.published).filter((r) =>
      ids.includes(r.event.eventId),
    )) {
      expect(record.topic).toBe(TOPICS.cameraEvents);
      expect(record.key).toBe(event.cameraId);
      expect(event.sourceId).toBe(integratorId);
      if (event.payload.case === 'alarm') {
        expect(event.payload.value.priority).toBe(AlarmPriority.CRITICAL);
      }
    }
  });

  it('accepts one protobuf CameraEvent, a protobuf batch and a JPEG frame', async () => {
    const single = sampleEvent('violation');
    const one = await h.request({
      method: 'POST',
      url: '/v1/events',
      headers: { 'x-api-key': key, 'content-type': PROTOBUF },
      payload: Buffer.from(encodeCameraEvent(single)),
    });
    expect(one.statusCode).toBe(202);
    expect(one.json<{ event_id: string }>().event_id).toBe(single.eventId);

    const good = sampleEvent('observation');
    const bad = sampleEvent('violation', (e) => {
      e.cameraId = 'nowhere-cam-0001';
    });
    const batch = await h.request({
      method: 'POST',
      url: '/v1/events',
      headers: { 'x-api-key': key, 'content-type': PROTOBUF_BATCH },
      payload: Buffer.from(
        toBinary(CameraEventBatchSchema, create(CameraEventBatchSchema, { events: [good, bad] })),
      ),
    });
    expect(batch.statusCode).toBe(207);
    const results = batch.json<{
      results: { status: string; code?: number; errors?: FieldError[] }[];
    }>().results;
    expect(results[0]!.status).toBe('accepted');
    expect(results[1]).toMatchObject({ status: 'rejected', code: 422 });
    expect(results[1]!.errors![0]!.field).toBe('camera_id');

    const frameId = randomUUID();
    const frame = await h.request({
      method: 'POST',
      url: '/v1/cameras/aktau-cam-0001/frames',
      headers: {
        'x-api-key': key,
        'content-type': 'image/jpeg',
        'x-event-id': frameId,
        'x-captured-at': new Date(Date.now() - 2_000).toISOString(),
      },
      payload: Buffer.from(STUB_JPEG),
    });
    expect(frame.statusCode).toBe(202);
    await eventually(
      () =>
        [single.eventId, good.eventId, frameId].every((id) =>
          publishedIds(h.published).includes(id),
        ),
      'the protobuf events and the frame on the topic',
      60_000,
    );
    const published = readable(h.published).find((r) => r.event.eventId === frameId)!.event;
    expect(published.payload.case).toBe('faceFrame');
    expect(publishedIds(h.published)).not.toContain(bad.eventId);
  });

  it('answers every invalid field with a 4xx naming it, and publishes nothing', async () => {
    const rejectedIds: string[] = [];
    const expectRejected = async (
      send: () => Promise<{ statusCode: number; json: <T>() => T }>,
      status: number,
      field: string | RegExp,
      rule?: string,
    ): Promise<void> => {
      const response = await send();
      expect({ status: response.statusCode, body: response.json() }).toMatchObject({ status });
      const errors = response.json<ErrorBody>().errors;
      const named = errors.find((e) =>
        typeof field === 'string' ? e.field === field : field.test(e.field),
      );
      expect({ field, errors, named: named !== undefined }).toMatchObject({ named: true });
      if (rule) expect(named!.rule).toBe(rule);
    };
    const json = (
      change: (event: EventJson) => void,
      kind: Parameters<typeof sampleJson>[0] = 'violation',
    ) => {
      const event = sampleJson(kind);
      rejectedIds.push(event.eventId);
      change(event);
      return () => post(event);
    };

    await expectRejected(
      json((e) => delete (e as Partial<EventJson>).cameraId),
      400,
      'camera_id',
      'required',
    );
    await expectRejected(
      json((e) => (e.cameraId = 'nowhere-cam-0001')),
      422,
      'camera_id',
      'registered',
    );
    await expectRejected(
      json((e) => (e.capturedAt = '2026-13-45T99:00:00Z')),
      400,
      'captured_at',
      'timestamp',
    );
    await expectRejected(
      json((e) => (e.capturedAt = new Date(Date.now() + 3_600_000).toISOString())),
      400,
      'captured_at',
      'max_future_skew',
    );
    await expectRejected(
      json((e) => ((e.violation as Record<string, unknown>).code = 'VIOLATION_CODE_PARKING')),
      400,
      'payload.violation.code',
    );
    await expectRejected(
      json((e) => ((e.violation as Record<string, unknown>).code = 99)),
      400,
      'payload.violation.code',
      'enum',
    );
    await expectRejected(
      json(
        (e) => ((e.faceObservation as { embedding: unknown[] }).embedding[3] = 'Infinity'),
        'observation',
      ),
      400,
      'payload.face_observation.embedding[3]',
      'finite',
    );
    await expectRejected(
      json(
        (e) => ((e.faceObservation as { embedding: unknown[] }).embedding[5] = 'NaN'),
        'observation',
      ),
      400,
      'payload.face_observation.embedding[5]',
      'finite',
    );
    const oversize = Buffer.alloc(4 * 1024 * 1024 + 1024, 0x55);
    oversize.set(STUB_JPEG.subarray(0, 4));
    await expectRejected(
      json(
        (e) => ((e.faceFrame as Record<string, unknown>).jpeg = oversize.toString('base64')),
        'frame',
      ),
      413,
      'payload.face_frame.jpeg',
      'max_bytes',
    );
    const frameId = randomUUID();
    rejectedIds.push(frameId);
    const frame = (contentType: string, body: Buffer, capturedAt?: string) => () =>
      h.request({
        method: 'POST',
        url: '/v1/cameras/aktau-cam-0001/frames',
        headers: {
          'x-api-key': key,
          'content-type': contentType,
          'x-event-id': frameId,
          ...(capturedAt && { 'x-captured-at': capturedAt }),
        },
        payload: body,
      });
    await expectRejected(
      frame('image/jpeg', oversize),
      413,
      'payload.face_frame.jpeg',
      'max_bytes',
    );
    await expectRejected(
      frame('image/png', Buffer.from(STUB_JPEG)),
      415,
      'Content-Type',
      'media_type',
    );
    await expectRejected(
      frame('image/jpeg', Buffer.from('not a jpeg')),
      400,
      'payload.face_frame.jpeg',
      'jpeg',
    );
    await expectRejected(
      frame('image/jpeg', Buffer.from(STUB_JPEG), 'yesterday'),
      400,
      'captured_at',
      'timestamp',
    );
    const plain = sampleJson('violation');
    rejectedIds.push(plain.eventId);
    await expectRejected(
      () => post(plain, { 'x-api-key': key, 'content-type': 'text/plain' }),
      415,
      'Content-Type',
      'media_type',
    );
    await expectRejected(() => post({ events: [], extra: 1 }), 400, /^(events|extra)$/);
    await expectRejected(
      () =>
        h.request({
          method: 'POST',
          url: '/v1/events',
          headers: { 'x-api-key': key, 'content-type': PROTOBUF },
          payload: Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]),
        }),
      400,
      '$',
      'protobuf',
    );
    await expectRejected(
      () =>
        h.request({
          method: 'POST',
          url: '/v1/events',
          headers: jsonHeaders(key),
          payload: `{"events":[${'1,'.repeat(4_500_000)}1]}`,
        }),
      413,
      '$',
      'max_bytes',
    );

    await sentinel();
    const published = publishedIds(h.published);
    expect(rejectedIds.filter((id) => published.includes(id))).toEqual([]);
    const recorded = await h.dataSource.query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM ingested_event WHERE event_id = ANY($1::uuid[])',
      [rejectedIds],
    );
    expect(recorded[0]!.n).toBe(0);
  });

  it('names the failed events of a batch and publishes the others', async () => {
    const good = sampleJson('alarm');
    const bad = sampleJson('violation');
    (bad.violation as Record<string, unknown>).plate = '';
    const response = await post({ events: [good, bad, good] });
    expect(response.statusCode).toBe(207);
    const body = response.json<{
      accepted: number;
      rejected: number;
      results: { index: number; status: string; code?: number; errors?: FieldError[] }[];
    }>();
    expect(body).toMatchObject({ accepted: 1, rejected: 2 });
    expect(body.results[1]).toMatchObject({
      index: 1,
      status: 'rejected',
      code: 400,
      errors: [{ field: 'payload.violation.plate', rule: 'required' }],
    });
    expect(body.results[2]).toMatchObject({
      index: 2,
      status: 'rejected',
      code: 400,
      errors: [{ field: 'event_id', rule: 'unique' }],
    });
    await sentinel();
    expect(publishedIds(h.published)).toContain(good.eventId);
    expect(publishedIds(h.published)).not.toContain(bad.eventId);
  });

  it('answers 401 without a key, with an unknown key and with a revoked key, and 403 outside the scope', async () => {
    const event = sampleJson('violation');
    expect((await post(event, { 'content-type': 'application/json' })).statusCode).toBe(401);
    expect(
      (await post(event, jsonHeaders('kzt_0123456789abcdef_' + 'A'.repeat(43)))).statusCode,
    ).toBe(401);
    expect((await post(event, jsonHeaders('not-a-key'))).statusCode).toBe(401);

    const munaily = await h.createKey({
      district_ids: ['munaily'],
      camera_ids: ['aktau-cam-0003'],
    });
    const outside = sampleJson('violation', (e) => (e.cameraId = 'beineu-cam-0001'));
    const forbidden = await post(outside, jsonHeaders(munaily.key));
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json<ErrorBody>().errors).toEqual([
      expect.objectContaining({ field: 'camera_id', rule: 'scope' }),
    ]);
    const inDistrict = sampleJson('violation', (e) => (e.cameraId = 'munaily-cam-0002'));
    expect((await post(inDistrict, jsonHeaders(munaily.key))).statusCode).toBe(202);
    const listed = sampleJson('alarm', (e) => (e.cameraId = 'aktau-cam-0003'));
    expect((await post(listed, jsonHeaders(munaily.key))).statusCode).toBe(202);

    const revoked = await h.admin('POST', `/v1/api-keys/${munaily.id}/revoke`);
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json<{ revoked_at: string | null }>().revoked_at).not.toBeNull();
    const late = sampleJson('violation', (e) => (e.cameraId = 'munaily-cam-0001'));
    const afterRevoke = await post(late, jsonHeaders(munaily.key));
    expect(afterRevoke.statusCode).toBe(401);

    await sentinel();
    expect(publishedIds(h.published)).toEqual(
      expect.arrayContaining([inDistrict.eventId, listed.eventId]),
    );
    expect(publishedIds(h.published)).not.toContain(outside.eventId);
    expect(publishedIds(h.published)).not.toContain(late.eventId);
    const keys = await h.admin('GET', '/v1/api-keys');
    expect(keys.body).not.toContain(munaily.key.replace(/^kzt_[a-z0-9]{16}_/, ''));
  });

  it('refuses a key whose scope names a camera or district the registry lacks, naming each', async () => {
    const before = (await h.admin('GET', '/v1/api-keys?limit=500')).json<{ items: unknown[] }>();
    const refused = await h.admin('POST', '/v1/api-keys', {
      integrator_id: 'typo',
      label: 'scope with typos',
      district_ids: ['munaily', 'aktau'],
      camera_ids: ['aktau-cam-0003', 'aktau-cam-9999'],
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json<ErrorBody>().errors).toEqual([
      expect.objectContaining({ field: 'district_ids.1', rule: 'unknown_district' }),
      expect.objectContaining({ field: 'camera_ids.1', rule: 'unknown_camera' }),
    ]);
    const after = (await h.admin('GET', '/v1/api-keys?limit=500')).json<{ items: unknown[] }>();
    expect(after.items).toHaveLength(before.items.length);
  });

  it('stores and publishes a retried event_id once, and refuses the same id with other content', async () => {
    const event = sampleJson('violation');
    const first = await post(event);
    const retry = await post(event);
    expect(first.statusCode).toBe(202);
    expect(retry.statusCode).toBe(202);
    expect(retry.json()).toEqual(first.json());

    const changed = { ...event, violation: { ...(event.violation as object), plate: '999ZZZ01' } };
    const conflict = await post(changed);
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json<ErrorBody>().errors).toEqual([
      expect.objectContaining({ field: 'event_id', rule: 'conflict' }),
    ]);

    const rows = await h.dataSource.query<{ n: number; published: number }[]>(
      'SELECT count(*)::int AS n, count(published_at)::int AS published FROM ingested_event WHERE event_id = $1',
      [event.eventId],
    );
    expect(rows[0]).toEqual({ n: 1, published: 1 });
    await sentinel();
    expect(publishedIds(h.published).filter((id) => id === event.eventId)).toHaveLength(1);
  });

  it('answers concurrent copies of one event alike and records it once; of two contents at once, one is refused', async () => {
    const event = sampleJson('violation');
    const copies = await Promise.all(Array.from({ length: 8 }, () => post(event)));
    expect(copies.map((r) => r.statusCode)).toEqual(Array(8).fill(202));
    expect(new Set(copies.map((r) => r.json<{ event_id: string }>().event_id))).toEqual(
      new Set([event.eventId]),
    );
    const rows = await h.dataSource.query<{ n: number; published: number }[]>(
      'SELECT count(*)::int AS n, count(published_at)::int AS published FROM ingested_event WHERE event_id = $1',
      [event.eventId],
    );
    expect(rows[0]).toEqual({ n: 1, published: 1 });
    await sentinel();
    // copies in flight together may each publish it (consumers deduplicate by event_id)
    expect(publishedIds(h.published)).toContain(event.eventId);

    const original = sampleJson('violation');
    const changed = {
      ...original,
      violation: { ...(original.violation as object), plate: '999ZZZ01' },
    };
    const both = await Promise.all([post(original), post(changed)]);
    expect(both.map((r) => r.statusCode).sort()).toEqual([202, 409]);
  });

  it('publishes again a retry of an event whose publication was never confirmed', async () => {
    const event = sampleJson('alarm');
    expect((await post(event)).statusCode).toBe(202);
    // as if the process had died between Kafka's acknowledgement and marking it published
    await h.dataSource.query('UPDATE ingested_event SET published_at = NULL WHERE event_id = $1', [
      event.eventId,
    ]);
    expect((await post(event)).statusCode).toBe(202);
    await eventually(
      () => publishedIds(h.published).filter((id) => id === event.eventId).length === 2,
      'the event published a second time',
      60_000,
    );
    const rows = await h.dataSource.query<{ published_at: Date | null }[]>(
      'SELECT published_at FROM ingested_event WHERE event_id = $1',
      [event.eventId],
    );
    expect(rows[0]!.published_at).not.toBeNull();
  });

  it('limits the requests a minute of each key with 429 and Retry-After', async () => {
    const limited = await h.createKey({ district_ids: ['beineu'], rate_limit_per_minute: 3 });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const response = await post(
        sampleJson('alarm', (e) => (e.cameraId = 'beineu-sos-0003')),
        jsonHeaders(limited.key),
      );
      statuses.push(response.statusCode);
      if (response.statusCode === 429) {
        expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
        expect(response.json<ErrorBody>().errors[0]!.rule).toBe('rate_limit');
      }
    }
    expect(statuses).toEqual([202, 202, 202, 429]);
    expect((await post(sampleJson('alarm'))).statusCode).toBe(202);
  });

  it('serves the integrators an OpenAPI document generated from the controllers, with examples, and the whole API to staff only', async () => {
    const response = await h.request({ method: 'GET', url: '/docs/openapi.json' });
    expect(response.statusCode).toBe(200);
    const document = response.json<{
      paths: Record<
        string,
        Record<string, { requestBody?: { content: Record<string, { examples?: object }> } }>
      >;
    }>();
    // what an API key opens, and nothing of the staff API
    expect(Object.keys(document.paths).sort()).toEqual([
      '/v1/cameras/{cameraId}/frames',
      '/v1/devices/hikvision/events',
      '/v1/events',
      '/v1/integrator/cameras',
      '/v1/integrator/me',
    ]);
    // and only the schemas those operations use
    expect(
      Object.keys(response.json<{ components: { schemas: object } }>().components.schemas).sort(),
    ).toEqual(['Camera', 'CameraPage', 'ErrorBody', 'IntegratorSelf']);
    expect((await h.request({ method: 'GET', url: '/v1/openapi.json' })).statusCode).toBe(401);
    const whole = await h.admin('GET', '/v1/openapi.json');
    expect(whole.statusCode).toBe(200);
    expect(Object.keys(whole.json<{ paths: object }>().paths)).toEqual(
      expect.arrayContaining([
        '/v1/events',
        '/v1/cameras/{cameraId}/frames',
        '/v1/api-keys',
        '/v1/cameras',
        '/v1/auth/login',
      ]),
    );
    const body = document.paths['/v1/events']!.post!.requestBody!.content;
    expect(Object.keys(body)).toEqual(['application/json', PROTOBUF]);
    expect(Object.keys(body['application/json']!.examples!)).toEqual([
      'violation',
      'alarm',
      'batch',
    ]);
    expect((await h.request({ method: 'GET', url: '/docs' })).statusCode).toBe(200);
  });
});

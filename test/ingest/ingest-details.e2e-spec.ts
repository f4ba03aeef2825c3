import { create, toBinary } from '@bufbuild/protobuf';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseRegionFile } from '@kuzet/registry';
import { CameraEventBatchSchema, encodeCameraEvent, FieldError } from '@kuzet/contracts';
import { STUB_JPEG } from '@kuzet/contracts/testing/samples';
import { MESSAGE_BUS, MessageBus } from '@kuzet/messaging';
import { eventually } from '../support/transports';
import { IngestHarness, REGION_FILE, startIngest } from './ingest-app';
import { jsonHeaders, publishedIds, sampleEvent, sampleJson } from './sample-events';

interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  errors: FieldError[];
}

interface BatchBody {
  accepted: number;
  rejected: number;
  results: { index: number; event_id: string | null; status: string; code?: number }[];
}

const PUBLISH_TIMEOUT_MS = 1_500;
const ALL_DISTRICTS = parseRegionFile(
  REGION_FILE,
  readFileSync(REGION_FILE, 'utf8'),
).centres.flatMap((centre) => centre.districts.map((district) => district.id));

/** Issue 13, parts 4 and 5: the HTTP details an integrator trying kuzet with curl ran into. */
describe('ingest API details (issue 13)', () => {
  let h: IngestHarness;
  let key: string;

  beforeAll(async () => {
    h = await startIngest({ INGEST_PUBLISH_TIMEOUT_MS: String(PUBLISH_TIMEOUT_MS) });
    key = (await h.createKey({ district_ids: ALL_DISTRICTS })).key;
  });

  afterAll(async () => h?.close());

  const postText = (text: string, headers = jsonHeaders(key)) =>
    h.request({ method: 'POST', url: '/v1/events', headers, payload: text });

  it('names the event_id of every rejected event of a 207 batch that had a valid one', async () => {
    const good = sampleJson('alarm');
    const bad = sampleJson('violation');
    delete (bad['violation'] as Record<string, unknown>)['plate'];
    const unknownKey = { ...sampleJson('alarm'), colour: 'red' };
    const noId = sampleJson('alarm');
    noId.eventId = 'not-a-uuid';
    const response = await postText(JSON.stringify({ events: [good, bad, unknownKey, noId] }));
    expect(response.statusCode).toBe(207);
    const body = response.json<BatchBody>();
    expect(body.results.map((r) => [r.status, r.event_id])).toEqual([
      ['accepted', good.eventId],
      ['rejected', bad.eventId],
      ['rejected', unknownKey.eventId],
      ['rejected', null],
    ]);
  });

  it('answers a frame retried without X-Captured-At like the first time, and publishes it once', async () => {
    const eventId = randomUUID();
    const push = () =>
      h.request({
        method: 'POST',
        url: '/v1/cameras/aktau-cam-0001/frames',
        headers: { 'x-api-key': key, 'content-type': 'image/jpeg', 'x-event-id': eventId },
        payload: Buffer.from(STUB_JPEG),
      });
    const first = await push();
    expect(first.statusCode).toBe(202);
    await new Promise((r) => setTimeout(r, 20));
    const retry = await push();
    expect(retry.statusCode).toBe(202);
    expect(retry.json()).toEqual(first.json());
    await eventually(() => publishedIds(h.published).includes(eventId), 'the frame', 60_000);
    expect(publishedIds(h.published).filter((id) => id === eventId)).toHaveLength(1);
  });

  it('answers a body that is not JSON with the errors array', async () => {
    const response = await postText('{"eventId": ');
    expect(response.statusCode).toBe(400);
    const body = response.json<ErrorBody>();
    expect(body.errors).toEqual([expect.objectContaining({ field: '$', rule: 'json' })]);
    expect(body.statusCode).toBe(400);
  });

  it('refuses duplicate JSON keys, naming the key', async () => {
    const event = sampleJson('violation');
    const text = JSON.stringify(event).replace('"plate":', '"plate": "999ZZZ99", "plate":');
    const response = await postText(text);
    expect(response.statusCode).toBe(400);
    expect(response.json<ErrorBody>().errors).toContainEqual(
      expect.objectContaining({ field: 'violation.plate', rule: 'duplicate' }),
    );
    const inBatch = await postText(
      `{"events": [${JSON.stringify(sampleJson('alarm')).replace('{', '{"eventId": "x", ')}]}`,
    );
    expect(inBatch.statusCode).toBe(400);
    expect(inBatch.json<ErrorBody>().errors).toContainEqual(
      expect.objectContaining({ field: 'events[0].eventId', rule: 'duplicate' }),
    );
  });

  it('takes application/protobuf as well as application/x-protobuf', async () => {
    const event = sampleEvent('alarm');
    const response = await h.request({
      method: 'POST',
      url: '/v1/events',
      headers: { 'x-api-key': key, 'content-type': 'application/protobuf' },
      payload: Buffer.from(encodeCameraEvent(event)),
    });
    expect(response.statusCode).toBe(202);
    expect(response.json<{ event_id: string }>().event_id).toBe(event.eventId);
  });

  it('says what is missing when CameraEventBatch bytes come without messageType', async () => {
    const batch = toBinary(
      CameraEventBatchSchema,
      create(CameraEventBatchSchema, { events: [sampleEvent('alarm'), sampleEvent('alarm')] }),
    );
    const response = await h.request({
      method: 'POST',
      url: '/v1/events',
      headers: { 'x-api-key': key, 'content-type': 'application/x-protobuf' },
      payload: Buffer.from(batch),
    });
    expect(response.statusCode).toBe(400);
    const [error] = response.json<ErrorBody>().errors;
    expect(error).toMatchObject({ field: '$', rule: 'protobuf' });
    expect(error!.message).toContain('messageType=kuzet.v1.CameraEventBatch');
    expect(error!.message).not.toContain('utf-8');
  });

  it('names the allowed values of an enum', async () => {
    const event = sampleJson('violation');
    (event['violation'] as Record<string, unknown>)['code'] = 'SPEEDING';
    const response = await postText(JSON.stringify(event));
    expect(response.statusCode).toBe(400);
    const error = response.json<ErrorBody>().errors.find((e) => e.rule === 'enum');
    expect(error?.field).toBe('payload.violation.code');
    expect(error?.message).toContain('VIOLATION_CODE_SPEEDING');
    expect(error?.message).toContain('VIOLATION_CODE_RED_LIGHT');
  });

  it('reports JSON-level and contract errors of one event together', async () => {
    const event: Record<string, unknown> = { ...sampleJson('violation'), colour: 'red' };
    delete (event['violation'] as Record<string, unknown>)['plate'];
    (event['violation'] as Record<string, unknown>)['lane'] = 'two';
    const response = await postText(JSON.stringify(event));
    expect(response.statusCode).toBe(400);
    const rules = response.json<ErrorBody>().errors.map((e) => `${e.field} ${e.rule}`);
    expect(rules).toEqual(
      expect.arrayContaining([
        'colour unknown_field',
        'payload.violation.lane type',
        'payload.violation.plate required',
      ]),
    );
  });

  it('answers 401 with the errors array', async () => {
    const withoutKey: Record<string, string> = { 'content-type': 'application/json' };
    for (const headers of [withoutKey, { ...withoutKey, 'x-api-key': 'kzt_nope_nope' }]) {
      const response = await postText(JSON.stringify(sampleJson('alarm')), headers);
      expect(response.statusCode).toBe(401);
      const body = response.json<ErrorBody>();
      expect(body.errors).toEqual([expect.objectContaining({ field: 'X-Api-Key' })]);
    }
  });

  describe('while Kafka does not answer', () => {
    let publish: jest.SpyInstance;
    beforeEach(() => {
      const bus = h.app.get<MessageBus>(MESSAGE_BUS);
      // a broker that takes the request and fails it long after, like kafkajs in an outage
      publish = jest
        .spyOn(bus, 'publish')
        .mockImplementation(
          () =>
            new Promise((_, reject) =>
              setTimeout(() => reject(new Error('broker down')), PUBLISH_TIMEOUT_MS + 1_000),
            ),
        );
    });
    afterEach(() => publish.mockRestore());

    it('answers 503 after INGEST_PUBLISH_TIMEOUT_MS, and the retry gets the time it was accepted', async () => {
      const event = sampleJson('alarm');
      const started = Date.now();
      const refused = await postText(JSON.stringify(event));
      const waited = Date.now() - started;
      expect(refused.statusCode).toBe(503);
      expect(refused.json<ErrorBody>().errors[0]).toMatchObject({ rule: 'unavailable' });
      expect(waited).toBeGreaterThanOrEqual(PUBLISH_TIMEOUT_MS - 50);
      expect(waited).toBeLessThan(PUBLISH_TIMEOUT_MS + 3_000);

      publish.mockRestore();
      const beforeRetry = Date.now();
      const retry = await postText(JSON.stringify(event));
      expect(retry.statusCode).toBe(202);
      const acceptedAt = Date.parse(retry.json<{ accepted_at: string }>().accepted_at);
      expect(acceptedAt).toBeGreaterThanOrEqual(beforeRetry - 5);
      const again = await postText(JSON.stringify(event));
      expect(again.json()).toEqual(retry.json());
    });
  });
});

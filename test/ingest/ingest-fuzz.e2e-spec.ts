import { create, toBinary } from '@bufbuild/protobuf';
import fc from 'fast-check';
import {
  CameraEvent,
  CameraEventBatchSchema,
  cameraEventToJson,
  encodeCameraEvent,
} from '@kuzet/contracts';
import { arbCameraEvent } from '@kuzet/contracts/testing';
import { IngestHarness, startIngest } from './ingest-app';

const SEED_CAMERAS = [
  'aktau-cam-0001',
  'zhanaozen-cam-0042',
  'munaily-cam-0001',
  'beineu-sos-0003',
];
const JSON_RUNS = 5_000;
const PROTOBUF_RUNS = 4_500;
const FRAME_RUNS = 1_000;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Paths to every value of a JSON document (arrays: their first items only). */
function pathsOf(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) {
    return [prefix, ...value.slice(0, 3).flatMap((item, i) => pathsOf(item, [...prefix, i]))];
  }
  if (value !== null && typeof value === 'object') {
    return [prefix, ...Object.entries(value).flatMap(([k, v]) => pathsOf(v, [...prefix, k]))];
  }
  return [prefix];
}

/** The document with the value at `path` replaced, or removed when `replacement` is undefined. */
function mutate(document: Json, path: (string | number)[], replacement: Json | undefined): Json {
  if (path.length === 0) return replacement ?? null;
  const copy = structuredClone(document) as Record<string | number, Json>;
  let parent = copy;
  for (const step of path.slice(0, -1)) parent = parent[step] as Record<string | number, Json>;
  const last = path[path.length - 1]!;
  if (replacement === undefined) delete parent[last];
  else parent[last] = replacement;
  return copy as Json;
}

/** A valid event; violations and alarms half the time of a registered camera, so the publish
 * path is exercised too (face payloads are kept off the topic: other suites' matchers would
 * have to work through thousands of them). */
function arbEvent(now: Date): fc.Arbitrary<CameraEvent> {
  return fc
    .tuple(arbCameraEvent(now), fc.option(fc.constantFrom(...SEED_CAMERAS)))
    .map(([event, camera]) => {
      const cheap = event.payload.case === 'violation' || event.payload.case === 'alarm';
      if (camera !== null && cheap) event.cameraId = camera;
      return event;
    });
}

const arbMutatedJson = (now: Date): fc.Arbitrary<Json> =>
  fc
    .tuple(
      arbEvent(now),
      fc.nat(),
      fc.option(fc.jsonValue() as fc.Arbitrary<Json>, { freq: 4 }),
      fc.boolean(),
    )
    .map(([event, pick, replacement, mutateIt]) => {
      const document = cameraEventToJson(event) as Json;
      if (!mutateIt) return document;
      const paths = pathsOf(document);
      return mutate(document, paths[pick % paths.length]!, replacement ?? undefined);
    });

const arbJsonBody = (now: Date): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 4, arbitrary: arbMutatedJson(now).map((d) => JSON.stringify(d)) },
    {
      weight: 2,
      arbitrary: fc
        .array(arbMutatedJson(now), { minLength: 0, maxLength: 8 })
        .map((events) => JSON.stringify({ events })),
    },
    { weight: 1, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.jsonValue().map((v) => JSON.stringify({ events: v })) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
  );

const arbBytesMutation = (bytes: Uint8Array): fc.Arbitrary<Uint8Array> =>
  fc.oneof(
    fc.constant(bytes),
    fc.nat().map((n) => bytes.subarray(0, n % (bytes.length + 1))),
    fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map(([at, value]) => {
      const copy = Uint8Array.from(bytes);
      if (copy.length > 0) copy[at % copy.length] = value;
      return copy;
    }),
    fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 16 })).map(([at, inserted]) => {
      const cut = at % (bytes.length + 1);
      return Uint8Array.from([...bytes.subarray(0, cut), ...inserted, ...bytes.subarray(cut)]);
    }),
  );

const arbProtobufBody = (now: Date): fc.Arbitrary<{ contentType: string; body: Uint8Array }> =>
  fc.oneof(
    arbEvent(now)
      .chain((event) => arbBytesMutation(encodeCameraEvent(event)))
      .map((body) => ({ contentType: 'application/x-protobuf', body })),
    fc
      .array(arbEvent(now), { minLength: 0, maxLength: 6 })
      .chain((events) =>
        arbBytesMutation(
          toBinary(CameraEventBatchSchema, create(CameraEventBatchSchema, { events })),
        ),
      )
      .map((body) => ({
        contentType: 'application/x-protobuf; messageType=kuzet.v1.CameraEventBatch',
        body,
      })),
    fc
      .tuple(
        fc.uint8Array({ maxLength: 512 }),
        fc.constantFrom(
          'application/x-protobuf',
          'application/x-protobuf; messageType=kuzet.v1.CameraEventBatch',
          'application/x-protobuf; messageType=kuzet.v1.Nothing',
          'application/x-protobuf; messageType="kuzet.v1.CameraEvent"',
        ),
      )
      .map(([body, contentType]) => ({ contentType, body })),
  );

/** Property-based fuzzing of the HTTP bodies against the real server, Kafka and PostgreSQL:
 * whatever arrives, the answer is never a 5xx and the process keeps serving. */
describe('ingest API under fuzzed bodies', () => {
  let h: IngestHarness;
  let key: string;
  const statuses = new Map<number, number>();

  beforeAll(async () => {
    h = await startIngest();
    key = (
      await h.createKey({
        district_ids: ['aktau-city', 'zhanaozen-city', 'munaily', 'beineu'],
        rate_limit_per_minute: 1_000_000,
      })
    ).key;
  });

  afterAll(async () => h?.close());

  async function send(
    url: string,
    contentType: string,
    payload: string | Buffer,
    extra: Record<string, string> = {},
  ) {
    const response = await h.request({
      method: 'POST',
      url,
      headers: { 'x-api-key': key, 'content-type': contentType, ...extra },
      payload,
    });
    statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
    const body = response.json<Record<string, unknown>>();
    return { status: response.statusCode, body };
  }

  const noServerError = (r: { status: number; body: Record<string, unknown> }): boolean =>
    r.status < 500 && typeof r.body === 'object' && r.body !== null;

  it(`JSON bodies (${JSON_RUNS} cases)`, async () => {
    const now = new Date();
    await fc.assert(
      fc.asyncProperty(arbJsonBody(now), async (body) =>
        noServerError(await send('/v1/events', 'application/json', body)),
      ),
      { numRuns: JSON_RUNS },
    );
  }, 600_000);

  it(`protobuf bodies (${PROTOBUF_RUNS} cases)`, async () => {
    const now = new Date();
    await fc.assert(
      fc.asyncProperty(arbProtobufBody(now), async ({ contentType, body }) =>
        noServerError(await send('/v1/events', contentType, Buffer.from(body))),
      ),
      { numRuns: PROTOBUF_RUNS },
    );
  }, 600_000);

  it(`JPEG frames with fuzzed headers and bodies (${FRAME_RUNS} cases)`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 256 }).map((tail) => Buffer.from([0xff, 0xd8, 0xff, ...tail])),
        fc.option(fc.oneof(fc.uuid(), fc.string({ maxLength: 40 }))),
        fc.option(
          fc.oneof(
            fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
            fc.string({ maxLength: 40 }),
          ),
        ),
        fc.constantFrom(...SEED_CAMERAS, 'unknown-cam', 'bad%20id', 'x'.repeat(200)),
        async (jpeg, eventId, capturedAt, camera) => {
          const headers: Record<string, string> = {};
          // header values must be valid HTTP header text
          if (eventId !== null && /^[\x20-\x7e]*$/.test(eventId)) headers['x-event-id'] = eventId;
          if (capturedAt !== null && /^[\x20-\x7e]*$/.test(capturedAt))
            headers['x-captured-at'] = capturedAt;
          return noServerError(
            await send(`/v1/cameras/${camera}/frames`, 'image/jpeg', jpeg, headers),
          );
        },
      ),
      { numRuns: FRAME_RUNS },
    );
  }, 600_000);

  it('exercised acceptance as well as every kind of rejection', () => {
    const count = (status: number) => statuses.get(status) ?? 0;
    expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(
      JSON_RUNS + PROTOBUF_RUNS + FRAME_RUNS,
    );
    expect(count(202) + count(207)).toBeGreaterThan(500);
    expect(count(400)).toBeGreaterThan(500);
    expect(count(422)).toBeGreaterThan(100);
    expect([...statuses.keys()].every((s) => s < 500)).toBe(true);
  });
});

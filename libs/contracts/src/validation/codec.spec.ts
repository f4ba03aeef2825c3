import { create, equals, toBinary } from '@bufbuild/protobuf';
import {
  CameraEventSchema,
  ViolationCode,
  type CameraEvent,
} from '../gen/kuzet/v1/camera_event_pb';
import { WatchlistChangeSchema } from '../gen/kuzet/v1/watchlist_change_pb';
import { WatchlistHitSchema } from '../gen/kuzet/v1/watchlist_hit_pb';
import {
  sampleAlarmEvent,
  sampleFaceFrameEvent,
  sampleFaceObservationEvent,
  sampleViolationEvent,
  sampleWatchlistChange,
  sampleWatchlistHit,
  STUB_JPEG,
} from '../testing/samples';
import {
  cameraEventFromJson,
  cameraEventFromJsonString,
  cameraEventToJson,
  decodeCameraEvent,
  decodeWatchlistChange,
  decodeWatchlistHit,
  encodeCameraEvent,
  encodeWatchlistChange,
  encodeWatchlistHit,
  watchlistChangeFromJson,
  watchlistChangeFromJsonString,
  watchlistChangeToJson,
  watchlistHitFromJson,
  watchlistHitFromJsonString,
  watchlistHitToJson,
} from './api';
import { formatFieldErrors, type Validated } from './errors';
import { NOW, pairs } from './test-helpers';

function errorsOf<T>(r: Validated<T>): string[] {
  return r.ok ? [] : pairs(r.errors);
}
function valueOf<T>(r: Validated<T>): T {
  if (!r.ok) throw new Error(`expected ok, got ${formatFieldErrors(r.errors)}`);
  return r.value;
}

describe('binary encoding', () => {
  it.each([
    ['face frame', sampleFaceFrameEvent],
    ['face observation', sampleFaceObservationEvent],
    ['violation', sampleViolationEvent],
    ['alarm', sampleAlarmEvent],
  ])('round-trips a %s event', (_name, sample) => {
    const event = sample(NOW);
    const decoded = valueOf(decodeCameraEvent(encodeCameraEvent(event), NOW));
    expect(equals(CameraEventSchema, decoded, event)).toBe(true);
  });

  it('round-trips the other messages', () => {
    const change = sampleWatchlistChange(NOW);
    expect(
      equals(
        WatchlistChangeSchema,
        valueOf(decodeWatchlistChange(encodeWatchlistChange(change), NOW)),
        change,
      ),
    ).toBe(true);
    const hit = sampleWatchlistHit(NOW);
    expect(
      equals(WatchlistHitSchema, valueOf(decodeWatchlistHit(encodeWatchlistHit(hit), NOW)), hit),
    ).toBe(true);
  });

  it('decodes a Node Buffer that is a slice of a larger buffer (as kafkajs delivers values)', () => {
    const event = sampleFaceFrameEvent(NOW);
    const bytes = encodeCameraEvent(event);
    const pool = Buffer.alloc(bytes.length + 100, 0xee);
    pool.set(bytes, 37);
    const slice = pool.subarray(37, 37 + bytes.length);
    expect(equals(CameraEventSchema, valueOf(decodeCameraEvent(slice, NOW)), event)).toBe(true);
  });

  it('reports a malformed protobuf as "$: protobuf"', () => {
    for (const bytes of [
      Uint8Array.of(0xff, 0xff, 0xff),
      Uint8Array.of(0x0a, 0x10, 0x41),
      Uint8Array.of(0x07),
    ]) {
      expect(errorsOf(decodeCameraEvent(bytes, NOW))).toEqual(['$: protobuf']);
    }
    const truncated = encodeCameraEvent(sampleFaceFrameEvent(NOW)).subarray(0, 30);
    expect(errorsOf(decodeCameraEvent(truncated, NOW))).toEqual(['$: protobuf']);
    expect(errorsOf(decodeWatchlistHit(Uint8Array.of(0x0a, 0x05), NOW))).toEqual(['$: protobuf']);
  });

  it('rejects input larger than maxMessageBytes before parsing it', () => {
    expect(errorsOf(decodeCameraEvent(new Uint8Array(5 * 1024 * 1024 + 1), NOW))).toEqual([
      '$: max_bytes',
    ]);
    const bytes = encodeCameraEvent(sampleAlarmEvent(NOW));
    expect(errorsOf(decodeCameraEvent(bytes, NOW, { maxMessageBytes: bytes.length - 1 }))).toEqual([
      '$: max_bytes',
    ]);
    expect(decodeCameraEvent(bytes, NOW, { maxMessageBytes: bytes.length }).ok).toBe(true);
  });

  it('decodes empty bytes as an empty event and reports its missing fields', () => {
    expect(errorsOf(decodeCameraEvent(new Uint8Array(), NOW))).toEqual([
      'event_id: required',
      'camera_id: required',
      'captured_at: required',
      'payload: required',
    ]);
  });

  it('rejects enum numbers unknown to this schema version', () => {
    const event = sampleViolationEvent(NOW);
    if (event.payload.case === 'violation') event.payload.value.code = 42 as ViolationCode;
    expect(errorsOf(decodeCameraEvent(encodeCameraEvent(event), NOW))).toEqual([
      'payload.violation.code: enum',
    ]);
  });

  it('keeps fields unknown to this schema version and re-encodes them', () => {
    const bytes = encodeCameraEvent(sampleAlarmEvent(NOW));
    const withExtra = Uint8Array.from([...bytes, 0xf8, 0x06, 0x01]); // field 111, varint 1
    const decoded = valueOf(decodeCameraEvent(withExtra, NOW));
    expect(encodeCameraEvent(decoded)).toEqual(withExtra);
  });

  it('validates after decoding', () => {
    const event = sampleFaceFrameEvent(NOW);
    event.eventId = 'nope';
    expect(errorsOf(decodeCameraEvent(toBinary(CameraEventSchema, event), NOW))).toEqual([
      'event_id: uuid',
    ]);
    expect(
      errorsOf(
        decodeCameraEvent(
          encodeCameraEvent(sampleFaceFrameEvent(NOW)),
          new Date(NOW.getTime() - 3_600_000),
        ),
      ),
    ).toEqual(['captured_at: max_future_skew']);
  });
});

describe('proto3 JSON mapping', () => {
  it('round-trips every message through JSON values and JSON text', () => {
    for (const event of [
      sampleFaceFrameEvent(NOW),
      sampleFaceObservationEvent(NOW),
      sampleViolationEvent(NOW),
      sampleAlarmEvent(NOW),
    ]) {
      const json = cameraEventToJson(event);
      expect(equals(CameraEventSchema, valueOf(cameraEventFromJson(json, NOW)), event)).toBe(true);
      expect(
        equals(
          CameraEventSchema,
          valueOf(cameraEventFromJsonString(JSON.stringify(json), NOW)),
          event,
        ),
      ).toBe(true);
    }
    const change = sampleWatchlistChange(NOW);
    expect(
      equals(
        WatchlistChangeSchema,
        valueOf(watchlistChangeFromJson(watchlistChangeToJson(change), NOW)),
        change,
      ),
    ).toBe(true);
    expect(
      equals(
        WatchlistChangeSchema,
        valueOf(watchlistChangeFromJsonString(JSON.stringify(watchlistChangeToJson(change)), NOW)),
        change,
      ),
    ).toBe(true);
    const hit = sampleWatchlistHit(NOW);
    expect(
      equals(WatchlistHitSchema, valueOf(watchlistHitFromJson(watchlistHitToJson(hit), NOW)), hit),
    ).toBe(true);
    expect(
      equals(
        WatchlistHitSchema,
        valueOf(watchlistHitFromJsonString(JSON.stringify(watchlistHitToJson(hit)), NOW)),
        hit,
      ),
    ).toBe(true);
  });

  it('maps bytes to base64 and enums to their names', () => {
    const json = cameraEventToJson(sampleFaceFrameEvent(NOW));
    expect(json.faceFrame?.jpeg).toBe(Buffer.from(STUB_JPEG).toString('base64'));
    expect(cameraEventToJson(sampleViolationEvent(NOW)).violation?.code).toBe(
      'VIOLATION_CODE_SPEEDING',
    );
  });

  const frameJson = () => ({
    eventId: '0b8f6f4e-3c1a-4d2b-9e7f-1a2b3c4d5e6f',
    cameraId: 'aktau-cam-0001',
    capturedAt: '2025-06-01T11:59:00Z',
    faceFrame: { jpeg: Buffer.from(STUB_JPEG).toString('base64') },
  });

  it('accepts proto field names, URL-safe base64 and enum numbers', () => {
    const snake = {
      event_id: '0b8f6f4e-3c1a-4d2b-9e7f-1a2b3c4d5e6f',
      camera_id: 'aktau-cam-0001',
      captured_at: '2025-06-01T11:59:00.123456789+01:00',
      face_frame: { jpeg: Buffer.from(STUB_JPEG).toString('base64url') },
    };
    expect(errorsOf(cameraEventFromJson(snake, new Date('2025-06-01T11:00:00Z')))).toEqual([]);
    const violation = {
      ...frameJson(),
      faceFrame: undefined,
      violation: { code: 3, evidenceRef: 'https://evidence.example/1.jpg' },
    };
    expect(errorsOf(cameraEventFromJson(JSON.parse(JSON.stringify(violation)), NOW))).toEqual([]);
  });

  it.each<[string, unknown, string[]]>([
    ['an array', [], ['$: type']],
    ['null', null, ['$: type']],
    ['a string', 'event', ['$: type']],
    ['an unknown key', { ...frameJson(), colour: 'red' }, ['colour: unknown_field']],
    [
      'an unknown nested key',
      { ...frameJson(), faceFrame: { jpeg: '/9j/', dpi: 72 } },
      ['payload.face_frame.dpi: unknown_field'],
    ],
    ['a number for a string', { ...frameJson(), eventId: 12 }, ['event_id: type']],
    ['a string for a message', { ...frameJson(), faceFrame: 'jpeg' }, ['payload.face_frame: type']],
    ['a bad timestamp', { ...frameJson(), capturedAt: 'yesterday' }, ['captured_at: timestamp']],
    [
      'an epoch number as timestamp',
      { ...frameJson(), capturedAt: 1717243200 },
      ['captured_at: timestamp'],
    ],
    [
      'bad base64',
      { ...frameJson(), faceFrame: { jpeg: '!!not base64!!' } },
      ['payload.face_frame.jpeg: base64'],
    ],
    [
      'a number for bytes',
      { ...frameJson(), faceFrame: { jpeg: 7 } },
      ['payload.face_frame.jpeg: type'],
    ],
    [
      'a negative width',
      { ...frameJson(), faceFrame: { jpeg: '/9j/', width: -1 } },
      ['payload.face_frame.width: type'],
    ],
    [
      'a bad embedding item',
      {
        ...frameJson(),
        faceFrame: undefined,
        faceObservation: { embedding: [0.1, 0.2, 0.3, 'x'], modelId: 'm' },
      },
      ['payload.face_observation.embedding[3]: type'],
    ],
    [
      'an embedding that is not a list',
      { ...frameJson(), faceFrame: undefined, faceObservation: { embedding: 'x' } },
      ['payload.face_observation.embedding: type'],
    ],
    [
      'a bad nested box',
      { ...frameJson(), faceFrame: undefined, faceObservation: { box: { x: 'left' } } },
      ['payload.face_observation.box.x: type'],
    ],
    [
      'an unknown enum name',
      { ...frameJson(), faceFrame: undefined, violation: { code: 'VIOLATION_CODE_TELEPORT' } },
      ['payload.violation.code: enum'],
    ],
    [
      'two payloads',
      { ...frameJson(), alarm: { kind: 'ALARM_KIND_SOS_BUTTON' } },
      ['payload: oneof'],
    ],
    [
      'a field set twice',
      { ...frameJson(), event_id: '0b8f6f4e-3c1a-4d2b-9e7f-1a2b3c4d5e6f' },
      ['event_id: duplicate'],
    ],
    [
      'several problems',
      { ...frameJson(), eventId: false, cameraId: [], capturedAt: {}, extra: 1 },
      ['event_id: type', 'camera_id: type', 'captured_at: timestamp', 'extra: unknown_field'],
    ],
  ])('reports %s at the field', (_name, json, expected) => {
    const stripped: unknown = json === undefined ? json : JSON.parse(JSON.stringify(json));
    // JSON problems first; the contract's errors about the other fields may follow
    expect(errorsOf(cameraEventFromJson(stripped, NOW)).slice(0, expected.length)).toEqual(
      expected,
    );
  });

  it('reports the contract errors of the other fields with the JSON problems', () => {
    const json = {
      ...frameJson(),
      colour: 'red',
      faceFrame: undefined,
      violation: { code: 'VIOLATION_CODE_SPEEDING', lane: 'two', evidenceRef: 'https://x/1' },
    };
    expect(errorsOf(cameraEventFromJson(JSON.parse(JSON.stringify(json)), NOW))).toEqual([
      'colour: unknown_field',
      'payload.violation.lane: type',
      'payload.violation.plate: required',
      'payload.violation.measured_speed_kmh: required',
      'payload.violation.limit_speed_kmh: required',
    ]);
  });

  it('names the values of an enum', () => {
    const json = { ...frameJson(), faceFrame: undefined, violation: { code: 'SPEEDING' } };
    const result = cameraEventFromJson(JSON.parse(JSON.stringify(json)), NOW);
    expect(result.ok ? [] : result.errors[0]!.message).toBe(
      '"SPEEDING" is not a ViolationCode: use one of VIOLATION_CODE_SPEEDING, VIOLATION_CODE_RED_LIGHT, VIOLATION_CODE_ILLEGAL_DUMPING, VIOLATION_CODE_NO_SEAT_BELT, VIOLATION_CODE_WRONG_WAY_DRIVING (or its number)',
    );
  });

  it('validates what JSON decoding produced', () => {
    const json = {
      ...frameJson(),
      eventId: 'E',
      faceFrame: undefined,
      violation: {
        code: 'VIOLATION_CODE_SPEEDING',
        plate: 'A1',
        measuredSpeedKmh: 'NaN',
        limitSpeedKmh: 60,
        evidenceRef: 'https://x/1',
      },
    };
    expect(errorsOf(cameraEventFromJson(JSON.parse(JSON.stringify(json)), NOW))).toEqual([
      'event_id: uuid',
      'payload.violation.measured_speed_kmh: finite',
    ]);
  });

  it('reports text that is not JSON, and duplicate keys, as "$: json"', () => {
    expect(errorsOf(cameraEventFromJsonString('{"eventId":', NOW))).toEqual(['$: json']);
    expect(errorsOf(cameraEventFromJsonString('', NOW))).toEqual(['$: json']);
    const dup =
      '{"eventId":"0b8f6f4e-3c1a-4d2b-9e7f-1a2b3c4d5e6f","eventId":"1c9a7e5f-4d2b-4e3c-8f81-2b3c4d5e6f70"}';
    expect(errorsOf(cameraEventFromJsonString(dup, NOW))).toEqual(['$: json']);
    expect(errorsOf(cameraEventFromJsonString('{"eventId": 5}', NOW))).toEqual(['event_id: type']);
  });

  it('reports JSON errors of the other messages by field', () => {
    expect(
      errorsOf(
        watchlistChangeFromJson({ version: 'one', embeddings: [{ embedding: [1, null] }] }, NOW),
      ),
    ).toEqual(expect.arrayContaining(['version: type', 'embeddings[0].embedding[1]: type']));
    expect(errorsOf(watchlistHitFromJson({ similarity: 'high' }, NOW))[0]).toBe('similarity: type');
    expect(errorsOf(watchlistChangeFromJson({ kind: 'WATCHLIST_CHANGE_KIND_MAYBE' }, NOW))[0]).toBe(
      'kind: enum',
    );
  });
});

describe('formatFieldErrors', () => {
  it('joins errors into one line for logs and dead-letter reasons', () => {
    expect(
      formatFieldErrors([
        { field: 'event_id', rule: 'uuid', message: 'must be a UUID' },
        { field: '$', rule: 'protobuf', message: 'bad wire type' },
      ]),
    ).toBe('event_id: uuid (must be a UUID); $: protobuf (bad wire type)');
  });
});

describe('create', () => {
  it('builds a message the validators accept from a plain init object', () => {
    const event: CameraEvent = create(CameraEventSchema, {
      eventId: '0b8f6f4e-3c1a-4d2b-9e7f-1a2b3c4d5e6f',
      cameraId: 'c1',
      capturedAt: { seconds: BigInt(Math.floor(NOW.getTime() / 1000)), nanos: 0 },
      payload: { case: 'alarm', value: { kind: 1 } },
    });
    expect(errorsOf(decodeCameraEvent(encodeCameraEvent(event), NOW))).toEqual([]);
  });
});

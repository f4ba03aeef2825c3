import { clone, equals } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import fc from 'fast-check';
import {
  AlarmKind,
  CameraEventSchema,
  ViolationCode,
  type CameraEvent,
} from '../gen/kuzet/v1/camera_event_pb';
import { WatchlistChangeSchema } from '../gen/kuzet/v1/watchlist_change_pb';
import { WatchlistHitSchema } from '../gen/kuzet/v1/watchlist_hit_pb';
import {
  arbCameraEvent,
  arbDamaged,
  arbWatchlistChange,
  arbWatchlistHit,
} from '../testing/arbitraries';
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
} from './api';
import { validateCameraEvent } from './camera-event';
import type { FieldError, Validated } from './errors';
import { NOW } from './test-helpers';
import { validateWatchlistChange, validateWatchlistHit } from './watchlist';

function wellFormed<T>(r: Validated<T>): boolean {
  if (r.ok) return true;
  return (
    r.errors.length > 0 &&
    r.errors.every(
      (e: FieldError) =>
        typeof e.field === 'string' &&
        e.field !== '' &&
        typeof e.rule === 'string' &&
        e.message !== '',
    )
  );
}

describe('decoders never throw on arbitrary input', () => {
  it('decodeCameraEvent: random bytes (10,000 runs)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) =>
        wellFormed(decodeCameraEvent(bytes, NOW)),
      ),
      { numRuns: 10_000 },
    );
  });

  it('decodeCameraEvent: valid encodings with random bytes overwritten or cut (10,000 runs)', () => {
    const base = [0, 1, 2, 3].map((i) =>
      encodeCameraEvent(fc.sample(arbCameraEvent(NOW), { numRuns: 4, seed: 42 })[i]!),
    );
    const arb = arbDamaged(base, 8, 3);
    fc.assert(
      fc.property(arb, (bytes) => wellFormed(decodeCameraEvent(bytes, NOW))),
      { numRuns: 10_000 },
    );
  });

  it('the other decoders: random bytes (3,000 runs each)', () => {
    const bytes = fc.uint8Array({ maxLength: 256 });
    fc.assert(
      fc.property(bytes, (b) => wellFormed(decodeWatchlistChange(b, NOW))),
      { numRuns: 3_000 },
    );
    fc.assert(
      fc.property(bytes, (b) => wellFormed(decodeWatchlistHit(b, NOW))),
      { numRuns: 3_000 },
    );
  });

  it('cameraEventFromJson: arbitrary JSON values (10,000 runs)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (json) => wellFormed(cameraEventFromJson(json, NOW))),
      { numRuns: 10_000 },
    );
  });

  it('cameraEventFromJson: valid events with one key replaced by arbitrary JSON (3,000 runs)', () => {
    const keys = [
      'eventId',
      'cameraId',
      'capturedAt',
      'sourceId',
      'faceFrame',
      'faceObservation',
      'violation',
      'alarm',
      'extra',
    ];
    const arb = fc.tuple(arbCameraEvent(NOW), fc.constantFrom(...keys), fc.jsonValue());
    fc.assert(
      fc.property(arb, ([event, key, value]) => {
        const json = { ...(cameraEventToJson(event) as Record<string, unknown>), [key]: value };
        return (
          wellFormed(cameraEventFromJson(json, NOW)) &&
          wellFormed(cameraEventFromJsonString(JSON.stringify(json), NOW))
        );
      }),
      { numRuns: 3_000 },
    );
  });

  it('cameraEventFromJsonString: arbitrary strings (5,000 runs)', () => {
    fc.assert(
      fc.property(fc.string(), (text) => wellFormed(cameraEventFromJsonString(text, NOW))),
      { numRuns: 5_000 },
    );
  });
});

describe('valid messages from the arbitraries', () => {
  it('camera events validate and round-trip through binary and JSON (1,000 runs)', () => {
    fc.assert(
      fc.property(arbCameraEvent(NOW), (event) => {
        expect(validateCameraEvent(event, NOW)).toEqual([]);
        const bytes = encodeCameraEvent(event);
        const decoded = decodeCameraEvent(bytes, NOW);
        expect(decoded.ok && equals(CameraEventSchema, decoded.value, event)).toBe(true);
        // what CANONICAL_ENCODING_HEADER promises: these bytes are their own re-encoding
        expect(decoded.ok && Buffer.from(encodeCameraEvent(decoded.value)).equals(bytes)).toBe(
          true,
        );
        const fromJson = cameraEventFromJson(cameraEventToJson(event), NOW);
        expect(fromJson.ok && equals(CameraEventSchema, fromJson.value, event)).toBe(true);
      }),
      { numRuns: 1_000 },
    );
  });

  it('watchlist changes and hits validate and round-trip (500 runs each)', () => {
    fc.assert(
      fc.property(arbWatchlistChange(NOW), (m) => {
        expect(validateWatchlistChange(m, NOW)).toEqual([]);
        const d = decodeWatchlistChange(encodeWatchlistChange(m), NOW);
        expect(d.ok && equals(WatchlistChangeSchema, d.value, m)).toBe(true);
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(arbWatchlistHit(NOW), (m) => {
        expect(validateWatchlistHit(m, NOW)).toEqual([]);
        const d = decodeWatchlistHit(encodeWatchlistHit(m), NOW);
        expect(d.ok && equals(WatchlistHitSchema, d.value, m)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

/** Breaks one field of a valid event and says which field must be reported. */
interface Mutation {
  field: string;
  applies: (e: CameraEvent) => boolean;
  apply: (e: CameraEvent, n: number) => void;
}

const any = () => true;
const is = (c: CameraEvent['payload']['case']) => (e: CameraEvent) => e.payload.case === c;
const payload = <C extends NonNullable<CameraEvent['payload']['case']>>(e: CameraEvent, c: C) =>
  (e.payload.case === c ? e.payload.value : undefined) as Extract<
    CameraEvent['payload'],
    { case: C }
  >['value'];

const MUTATIONS: Mutation[] = [
  {
    field: 'event_id',
    applies: any,
    apply: (e) => (e.eventId = e.eventId.toUpperCase().replace(/-/g, '')),
  },
  { field: 'camera_id', applies: any, apply: (e) => (e.cameraId = `${e.cameraId} `) },
  {
    field: 'captured_at',
    applies: any,
    apply: (e, n) => (e.capturedAt = timestampFromMs(NOW.getTime() + 301_000 + n)),
  },
  {
    field: 'captured_at',
    applies: any,
    apply: (e, n) => (e.capturedAt = timestampFromMs(NOW.getTime() - 31 * 86_400_000 - n)),
  },
  { field: 'payload', applies: any, apply: (e) => (e.payload = { case: undefined }) },
  {
    field: 'payload.face_frame.jpeg',
    applies: is('faceFrame'),
    apply: (e) => payload(e, 'faceFrame').jpeg.fill(0, 0, 1),
  },
  {
    field: 'payload.face_observation.embedding[?]',
    applies: is('faceObservation'),
    apply: (e, n) => {
      const v = payload(e, 'faceObservation').embedding;
      v[n % v.length] = [NaN, Infinity, -Infinity][n % 3]!;
    },
  },
  {
    field: 'payload.face_observation.embedding',
    applies: is('faceObservation'),
    apply: (e) => payload(e, 'faceObservation').embedding.pop(),
  },
  {
    field: 'payload.face_observation.quality',
    applies: is('faceObservation'),
    apply: (e, n) => (payload(e, 'faceObservation').quality = 1 + (n % 100) + 0.5),
  },
  {
    field: 'payload.face_observation.model_id',
    applies: is('faceObservation'),
    apply: (e) => (payload(e, 'faceObservation').modelId = ''),
  },
  {
    field: 'payload.violation.code',
    applies: is('violation'),
    apply: (e, n) => (payload(e, 'violation').code = (6 + (n % 100)) as ViolationCode),
  },
  {
    field: 'payload.violation.evidence_ref',
    applies: is('violation'),
    apply: (e) => (payload(e, 'violation').evidenceRef = 'no scheme'),
  },
  {
    field: 'payload.violation.lane',
    applies: is('violation'),
    apply: (e) => (payload(e, 'violation').lane = 0),
  },
  {
    field: 'payload.alarm.kind',
    applies: is('alarm'),
    apply: (e) => (payload(e, 'alarm').kind = AlarmKind.UNSPECIFIED),
  },
  {
    field: 'payload.alarm.message',
    applies: is('alarm'),
    apply: (e) => (payload(e, 'alarm').message = 'x'.repeat(1025)),
  },
  {
    field: 'payload.plate_read.plate',
    applies: is('plateRead'),
    apply: (e, n) => {
      const read = payload(e, 'plateRead');
      read.plate = ['', '--', '1'.repeat(17 + (n % 30)), '12ЖA', 'A\u0001'][n % 5]!;
      read.characterConfidences = [];
    },
  },
  {
    field: 'payload.plate_read.confidence',
    applies: is('plateRead'),
    apply: (e, n) => (payload(e, 'plateRead').confidence = 1 + (n % 100) + 0.5),
  },
];

describe('a valid event with one broken field', () => {
  it('reports exactly that field, through validation and through decoding (2,000 runs)', () => {
    const arb = fc.tuple(
      arbCameraEvent(NOW),
      fc.nat({ max: MUTATIONS.length - 1 }),
      fc.nat({ max: 100_000 }),
    );
    fc.assert(
      fc.property(arb, ([event, which, n]) => {
        const m = MUTATIONS[which]!;
        fc.pre(m.applies(event));
        const broken = clone(CameraEventSchema, event);
        m.apply(broken, n);
        const matches = (e: FieldError) =>
          m.field.endsWith('[?]')
            ? new RegExp(`^${m.field.slice(0, -3).replace(/\./g, '\\.')}\\[\\d+\\]$`).test(e.field)
            : e.field === m.field;
        const errors = validateCameraEvent(broken, NOW);
        expect(errors.length).toBeGreaterThan(0);
        expect(errors.every(matches)).toBe(true);
        const decoded = decodeCameraEvent(encodeCameraEvent(broken), NOW);
        // Non-finite floats survive the wire, so decoding reports the same errors.
        expect(decoded.ok ? [] : decoded.errors).toEqual(errors);
      }),
      { numRuns: 2_000 },
    );
  });
});

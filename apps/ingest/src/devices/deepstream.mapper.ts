import { create } from '@bufbuild/protobuf';
import {
  AnalyticsDetectionSchema,
  AnalyticsType,
  BoundingBoxSchema,
  type CameraEvent,
  deterministicUuid,
  FaceObservationSchema,
  type FieldError,
  PlateReadSchema,
  VehicleType,
} from '@kuzet/contracts';

/** One nvmsgconv message is at most this large (the minimal schema lists a frame's objects). */
export const MAX_DEEPSTREAM_MESSAGE_BYTES = 1024 * 1024;
/** More objects than this in one minimal message is not a camera frame. */
export const MAX_DEEPSTREAM_OBJECTS = 512;

/** One event a DeepStream message becomes (a message may carry several objects). */
export interface MappedDeepStreamEvent {
  readonly eventId: string;
  readonly payload: CameraEvent['payload'];
}

export type MappedDeepStream =
  | {
      readonly ok: true;
      readonly schema: 'full' | 'minimal';
      /** sensor.id (full) or sensorId (minimal): a camera id or a device id in the registry */
      readonly sensorId: string;
      readonly capturedAt: Date;
      readonly events: readonly MappedDeepStreamEvent[];
    }
  | { readonly ok: false; readonly errors: FieldError[] };

type Json = Record<string, unknown>;

export interface DeepStreamOptions {
  /** The model a face's embedding is from when the message does not say (the minimal schema
   * never does; the full schema's `analyticsModule.id` does). */
  readonly faceModelId?: string;
}

const fail = (field: string, rule: string, message: string): MappedDeepStream => ({
  ok: false,
  errors: [{ field, rule, message }],
});

/** Maps one DeepStream `nvmsgconv` message, full schema (`messageid`, `sensor`, `object`,
 * `event`) or minimal schema (`id`, `sensorId`, `objects` as `|`-separated strings), to camera
 * event payloads: a vehicle with a licence plate becomes a PlateRead, a face with an embedding
 * a FaceObservation, any other object an AnalyticsDetection (minimal: one per label, with the
 * count). Event ids derive from the sensor, the message and the object, so a redelivered
 * message maps to the same ids. Never throws. */
export function mapDeepStreamMessage(
  bytes: Uint8Array,
  options: DeepStreamOptions = {},
): MappedDeepStream {
  if (bytes.length > MAX_DEEPSTREAM_MESSAGE_BYTES) {
    return fail(
      '$',
      'max_bytes',
      `a message must be at most ${MAX_DEEPSTREAM_MESSAGE_BYTES} bytes`,
    );
  }
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return fail('$', 'json', 'is not JSON');
  }
  if (!isObject(doc)) return fail('$', 'object', 'must be a JSON object');
  const time = timestampOf(doc['@timestamp']);
  if (!time.ok) return fail('@timestamp', time.rule, time.message);
  if (isObject(doc['sensor']) || 'messageid' in doc) return mapFull(doc, time.value, options);
  if ('sensorId' in doc || Array.isArray(doc['objects']))
    return mapMinimal(doc, time.value, options);
  return fail(
    'sensor.id',
    'required',
    'neither a full (sensor.id) nor a minimal (sensorId) message',
  );
}

function mapFull(doc: Json, capturedAt: Date, options: DeepStreamOptions): MappedDeepStream {
  const messageId = str(doc['messageid']);
  if (messageId === undefined) return fail('messageid', 'required', 'is required');
  const sensor = isObject(doc['sensor']) ? doc['sensor'] : {};
  const sensorId = str(sensor['id']);
  if (sensorId === undefined) return fail('sensor.id', 'required', 'is required');
  const object = doc['object'];
  if (!isObject(object)) return fail('object', 'required', 'is required');
  const event = isObject(doc['event']) ? doc['event'] : {};
  const module = isObject(doc['analyticsModule']) ? doc['analyticsModule'] : {};
  const eventId = deterministicUuid(`deepstream|${sensorId}|${messageId}`);
  const kind = objectLabel(object);
  const attributes = kind !== undefined && isObject(object[kind]) ? object[kind] : {};
  const plate = kind?.toLowerCase() === 'vehicle' ? str(attributes['license']) : undefined;
  if (plate !== undefined) {
    return ok('full', sensorId, capturedAt, [
      {
        eventId,
        payload: plateRead(
          plate,
          num(attributes['confidence']),
          str(attributes['type']),
          str(attributes['color']),
        ),
      },
    ]);
  }
  // A face with no embedding at all (a detector without a ReID or face model behind it) is an
  // object like any other: refusing the message would dead-letter every frame with a face in it.
  if (kind?.toLowerCase() === 'face' && hasEmbedding(object['embedding'])) {
    const face = faceObservation(
      { ...object, face: attributes },
      str(module['id']) ?? options.faceModelId,
      'object',
    );
    if ('error' in face) return { ok: false, errors: [face.error] };
    return ok('full', sensorId, capturedAt, [{ eventId, payload: face.payload }]);
  }
  const label = str(event['type']) ?? kind ?? 'object';
  const place = isObject(doc['place']) ? str(doc['place']['id']) : undefined;
  const confidence = num(object['confidence']) ?? num(attributes['confidence']);
  return ok('full', sensorId, capturedAt, [
    { eventId, payload: detection(label, confidence, 1, place) },
  ]);
}

/** One minimal-schema object string, cut as NVIDIA's `generate_event_message_minimal`
 * (sources/libs/nvmsgconv/deepstream_schema/eventmsg_payload.cpp) and
 * `generate_dsmeta_message_minimal` (dsmeta_payload.cpp) write it:
 * `trackingId|left|top|right|bottom|label[|confidence]`, then sections each opened by `|#|`:
 * the object's attributes (first, unnamed), `embedding|v1,v2,…|`, `pose2D|…`/`pose25D|…`/
 * `pose3D|…`, `SV3DT|…` (9.1 opens that one with `#|` right after the confidence). */
interface MinimalObject {
  readonly head: readonly string[];
  readonly attributes: readonly string[] | undefined;
  readonly embedding: string | undefined;
}

const NAMED_SECTIONS = new Set(['embedding', 'pose2D', 'pose25D', 'pose3D', 'SV3DT']);

function parseMinimalObject(text: string): MinimalObject {
  const [head = '', ...rest] = text.replace(/([^|])#\|SV3DT\|/g, '$1|#|SV3DT|').split('|#|');
  let attributes: string[] | undefined;
  let embedding: string | undefined;
  rest.forEach((section, n) => {
    const fields = section.split('|');
    if (fields[0] === 'embedding') embedding ??= fields[1] ?? '';
    else if (n === 0 && !NAMED_SECTIONS.has(fields[0]!)) attributes = fields;
  });
  return { head: head === '' ? [] : head.split('|'), attributes, embedding };
}

/** The attribute sections nvmsgconv writes for its object types (eventmsg_payload.cpp,
 * `generate_event_message_minimal`): DeepStream 6.2 writes the confidence last inside the
 * section, 9.1 appends it after the section; either way the count is the same. */
const VEHICLE_ATTRIBUTES = 7; // type|make|model|color|license|region|confidence
const FACE_ATTRIBUTES = 10; // gender|age|hair|cap|glasses|facialhair|name||eyecolor|confidence

type MinimalKind = 'vehicle' | 'face' | 'other';

/** `Vehicle`/`Face` are nvmsgconv's names for its vehicle and face types; its *_EXT types are
 * written as `Unknown` and told apart by their attribute count; a pipeline's own label (dsmeta,
 * or deepstream-test5's NVDS_OBJECT_TYPE_UNKNOWN with the detector's label) is kept as it is,
 * `face` in any case included. */
function minimalKind(label: string, attributes: readonly string[] | undefined): MinimalKind {
  const lower = label.toLowerCase();
  if (lower === 'vehicle') return 'vehicle';
  if (lower === 'face') return 'face';
  if (label === 'Unknown' && attributes?.length === VEHICLE_ATTRIBUTES) return 'vehicle';
  if (label === 'Unknown' && attributes?.length === FACE_ATTRIBUTES) return 'face';
  return 'other';
}

function mapMinimal(doc: Json, capturedAt: Date, options: DeepStreamOptions): MappedDeepStream {
  const sensorId = str(doc['sensorId']);
  if (sensorId === undefined) return fail('sensorId', 'required', 'is required');
  const frameId = str(doc['id']);
  if (frameId === undefined) return fail('id', 'required', 'is required');
  const objects = doc['objects'];
  if (!Array.isArray(objects)) return fail('objects', 'required', 'must be an array');
  if (objects.length > MAX_DEEPSTREAM_OBJECTS) {
    return fail('objects', 'max_items', `at most ${MAX_DEEPSTREAM_OBJECTS} objects`);
  }
  // the frame id restarts with the pipeline: the time makes the key unique
  const key = `deepstream|${sensorId}|${frameId}|${capturedAt.toISOString()}`;
  const events: MappedDeepStreamEvent[] = [];
  const counts = new Map<string, number>();
  for (let i = 0; i < objects.length; i++) {
    const text = objects[i];
    const at = `objects[${i}]`;
    if (typeof text !== 'string') return fail(at, 'string', 'must be a string');
    const object = parseMinimalObject(text);
    // NVDS_OBJECT_TYPE_DUMMY (deepstream-test5's per-frame placeholder): no object, nothing to map
    if (object.head.length === 0) continue;
    const label = object.head[5]?.trim();
    if (object.head.length < 6 || object.head.length > 7 || !label) {
      return fail(at, 'format', 'must read id|left|top|right|bottom|label[|confidence][|#|…]');
    }
    const trackingId = object.head[0]!.trim();
    const a = object.attributes;
    const kind = minimalKind(label, a);
    if (kind === 'vehicle' && a !== undefined && a.length !== VEHICLE_ATTRIBUTES) {
      return fail(
        at,
        'format',
        `a vehicle's attributes must read type|make|model|color|license|region|confidence (${VEHICLE_ATTRIBUTES} fields, got ${a.length})`,
      );
    }
    if (kind === 'vehicle' && (a?.[4] ?? '').trim() !== '') {
      events.push({
        eventId: deterministicUuid(`${key}|${i}|${trackingId}`),
        payload: plateRead(a![4]!.trim(), num(a![6]), a![0], a![3]),
      });
    } else if (
      kind === 'face' &&
      hasEmbedding(object.embedding ?? (a?.at(-1)?.includes(',') ? a.at(-1) : undefined))
    ) {
      const box = [1, 2, 3, 4].map((n) => Number(object.head[n]));
      // kuzet's own earlier layout: the embedding as the last attribute, comma-separated
      const legacy = a?.at(-1)?.includes(',') ? a.at(-1) : undefined;
      const confidence = a?.length === FACE_ATTRIBUTES ? a[9] : object.head[6];
      const face = faceObservation(
        {
          embedding: object.embedding ?? legacy,
          confidence: num(confidence),
          bbox: { topleftx: box[0], toplefty: box[1], bottomrightx: box[2], bottomrighty: box[3] },
        },
        str(doc['modelId']) ?? options.faceModelId,
        at,
      );
      if ('error' in face) return { ok: false, errors: [face.error] };
      events.push({
        eventId: deterministicUuid(`${key}|${i}|${trackingId}`),
        payload: face.payload,
      });
    } else {
      counts.set(label.slice(0, 64), (counts.get(label.slice(0, 64)) ?? 0) + 1);
    }
  }
  for (const [label, count] of counts) {
    events.push({
      eventId: deterministicUuid(`${key}|label|${label}`),
      payload: detection(label, undefined, count, undefined),
    });
  }
  if (events.length === 0) return fail('objects', 'required', 'the message carries no object');
  return ok('minimal', sensorId, capturedAt, events);
}

function ok(
  schema: 'full' | 'minimal',
  sensorId: string,
  capturedAt: Date,
  events: MappedDeepStreamEvent[],
): MappedDeepStream {
  return { ok: true, schema, sensorId: sensorId.slice(0, 128), capturedAt, events };
}

function plateRead(
  plate: string,
  confidence: number | undefined,
  type: string | undefined,
  colour: string | undefined,
): CameraEvent['payload'] {
  return {
    case: 'plateRead',
    value: create(PlateReadSchema, {
      plate: plate.trim().slice(0, 64),
      // nvmsgconv writes -0.1 when the classifier gave no confidence: unknown, 0
      confidence: confidence !== undefined && confidence >= 0 && confidence <= 1 ? confidence : 0,
      vehicleType: vehicleTypeOf(type),
      vehicleColour: (colour ?? '').trim().slice(0, 32),
    }),
  };
}

type FaceResult = { payload: CameraEvent['payload'] } | { error: FieldError };

/** A face object with its embedding (`embedding`: an array of numbers, comma-separated floats
 * or `{ embedding_vector: [...] }`) and bounding box. */
function faceObservation(object: Json, modelId: string | undefined, at: string): FaceResult {
  const raw = object['embedding'];
  const vector = isObject(raw) ? raw['embedding_vector'] : raw;
  const embedding =
    typeof vector === 'string'
      ? vector.split(',').map((s) => (s.trim() === '' ? NaN : Number(s)))
      : Array.isArray(vector)
        ? vector.map((v) => (typeof v === 'number' ? v : NaN))
        : [];
  if (embedding.length === 0) {
    return {
      error: {
        field: `${at}.embedding`,
        rule: 'required',
        message: 'a face object needs its embedding: kuzet gets no picture from nvmsgconv',
      },
    };
  }
  if (embedding.length > 4096 || embedding.some((v) => !Number.isFinite(v))) {
    return {
      error: {
        field: `${at}.embedding`,
        rule: 'numbers',
        message: 'must be at most 4096 finite numbers',
      },
    };
  }
  const bbox = isObject(object['bbox']) ? object['bbox'] : {};
  const [x1, y1, x2, y2] = ['topleftx', 'toplefty', 'bottomrightx', 'bottomrighty'].map(
    (k) => num(bbox[k]) ?? 0,
  ) as [number, number, number, number];
  const face = isObject(object['face']) ? object['face'] : {};
  const quality = num(face['confidence']) ?? num(object['confidence']);
  return {
    payload: {
      case: 'faceObservation',
      value: create(FaceObservationSchema, {
        embedding,
        modelId: (modelId ?? '').slice(0, 128),
        quality: quality !== undefined && quality >= 0 && quality <= 1 ? quality : 1,
        box: create(BoundingBoxSchema, {
          x: Math.max(0, x1),
          y: Math.max(0, y1),
          width: Math.max(1, x2 - x1),
          height: Math.max(1, y2 - y1),
        }),
      }),
    },
  };
}

/** Labels a pipeline may give its detections, to kuzet's analytics types; others kept as text. */
const ANALYTICS_LABELS: Readonly<Record<string, AnalyticsType>> = {
  dumping: AnalyticsType.ILLEGAL_DUMPING,
  illegal_dumping: AnalyticsType.ILLEGAL_DUMPING,
  illegaldumping: AnalyticsType.ILLEGAL_DUMPING,
  garbage: AnalyticsType.ILLEGAL_DUMPING,
  crowd: AnalyticsType.CROWD,
  loitering: AnalyticsType.LOITERING,
  abandoned: AnalyticsType.ABANDONED_OBJECT,
  abandoned_object: AnalyticsType.ABANDONED_OBJECT,
  line_crossing: AnalyticsType.LINE_CROSSING,
  linecrossing: AnalyticsType.LINE_CROSSING,
  intrusion: AnalyticsType.INTRUSION,
  roi: AnalyticsType.INTRUSION,
};

function detection(
  label: string,
  confidence: number | undefined,
  count: number,
  zone: string | undefined,
): CameraEvent['payload'] {
  const known = ANALYTICS_LABELS[label.toLowerCase().replace(/[\s-]/g, '_')];
  return {
    case: 'analyticsDetection',
    value: create(AnalyticsDetectionSchema, {
      type: known ?? AnalyticsType.UNSPECIFIED,
      ...(known === undefined ? { typeText: label.slice(0, 64) } : {}),
      confidence: confidence !== undefined && confidence >= 0 && confidence <= 1 ? confidence : 1,
      objectCount: Math.min(count, 100_000),
      ...(zone !== undefined ? { zone: zone.slice(0, 128) } : {}),
    }),
  };
}

/** The members nvmsgconv's full schema gives every object (eventmsg_payload.cpp and
 * dsmeta_payload.cpp, `generate_object_object`); the one other object member is the class:
 * `vehicle`, `person`, `face`, `product`, or the detector's own label (`objectId` of an
 * NVDS_OBJECT_TYPE_UNKNOWN, `obj_label` of the dsmeta path). */
const OBJECT_MEMBERS = new Set([
  'bbox',
  'location',
  'coordinate',
  'pose',
  'embedding',
  'maskoutline',
  'signature',
  'SV3DT',
]);

function objectLabel(object: Json): string | undefined {
  for (const k of ['vehicle', 'face', 'person']) {
    if (isObject(object[k])) return k;
  }
  for (const [k, v] of Object.entries(object)) {
    if (isObject(v) && !OBJECT_MEMBERS.has(k) && k.trim() !== '') return k;
  }
  return undefined;
}

function vehicleTypeOf(value: string | undefined): VehicleType {
  switch (value?.trim().toLowerCase()) {
    case 'sedan':
    case 'car':
    case 'suv':
    case 'coupe':
    case 'hatchback':
      return VehicleType.CAR;
    case 'van':
    case 'minivan':
      return VehicleType.VAN;
    case 'truck':
    case 'pickup':
      return VehicleType.TRUCK;
    case 'bus':
      return VehicleType.BUS;
    case 'motorcycle':
    case 'motorbike':
      return VehicleType.MOTORCYCLE;
    case undefined:
    case '':
    case 'unknown':
      return VehicleType.UNSPECIFIED;
    default:
      return VehicleType.OTHER;
  }
}

/** nvmsgconv writes `2026-12-05T01:02:03.456Z` (UTC); an offset is accepted too, none is not. */
function timestampOf(
  value: unknown,
): { ok: true; value: Date } | { ok: false; rule: string; message: string } {
  if (typeof value !== 'string') return { ok: false, rule: 'required', message: 'is required' };
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/.test(value)) {
    return {
      ok: false,
      rule: 'format',
      message: 'must be an ISO 8601 date-time with Z or its UTC offset',
    };
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    return { ok: false, rule: 'format', message: 'is not a valid date-time' };
  }
  return { ok: true, value: date };
}

function hasEmbedding(raw: unknown): boolean {
  if (raw === undefined || raw === null) return false;
  if (typeof raw === 'string') return raw.trim() !== '';
  return true;
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  return s === '' ? undefined : s;
}

function num(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

import { create } from '@bufbuild/protobuf';
import {
  AnalyticsDetectionSchema,
  AnalyticsType,
  type CameraEvent,
  deterministicUuid,
  FaceFrameSchema,
  FacePicture,
  type FieldError,
  PlateReadSchema,
  VehicleDirection,
  VehicleType,
} from '@kuzet/contracts';
import { normaliseDeviceId } from '@kuzet/registry';
import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** The two namespaces Hikvision firmware writes EventNotificationAlert in. */
export const HIKVISION_NAMESPACES: readonly string[] = [
  'http://www.isapi.org/ver20/XMLSchema',
  'http://www.hikvision.com/ver20/XMLSchema',
];
/** An alert is a few kilobytes; pictures come as separate multipart parts. */
export const MAX_ALERT_XML_BYTES = 256 * 1024;
/** EventNotificationAlert nests 5 levels deep; anything far deeper is hostile. */
export const MAX_ALERT_XML_DEPTH = 24;

/** Which device and channel sent an alert: the registry maps (device id, channel) to a camera.
 * `deviceIds` are the identities the alert carries, most specific first (serial, MAC, IP). */
export interface DeviceChannel {
  readonly deviceIds: readonly string[];
  readonly channel: number;
}

/** A JPEG part of a multipart alert, by its file or field name. */
export type Pictures = ReadonlyMap<string, Uint8Array>;

export type MappedAlert =
  | {
      readonly ok: true;
      readonly device: DeviceChannel;
      readonly eventId: string;
      readonly capturedAt: Date;
      readonly eventType: string;
      /** null: a heartbeat (or an inactive state), which only says the device is alive. */
      readonly payload: CameraEvent['payload'] | null;
    }
  | { readonly ok: false; readonly status: 400 | 413 | 422; readonly errors: FieldError[] };

type Node = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: false,
  processEntities: false,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
});

const fail = (
  status: 400 | 413 | 422,
  field: string,
  rule: string,
  message: string,
): MappedAlert => ({ ok: false, status, errors: [{ field, rule, message }] });

/** Maps one ISAPI EventNotificationAlert (and the pictures posted with it) to the payload of a
 * CameraEvent. Never throws: an unusable alert is a named field error. */
export function mapHikvisionAlert(body: string, pictures: Pictures = new Map()): MappedAlert {
  // some firmware and proxies put a line break before the XML declaration
  const xml = body.replace(/^\s+/, '');
  const refused = screen(xml);
  if (refused) return refused;
  let doc: Node;
  try {
    doc = parser.parse(xml) as Node;
  } catch {
    return fail(400, 'xml', 'xml', 'is not well-formed XML');
  }
  const alert = doc['EventNotificationAlert'];
  if (!isNode(alert)) {
    return fail(422, 'xml', 'root', 'the root element must be EventNotificationAlert');
  }
  const ns = text(alert['@xmlns']);
  if (ns === undefined || !HIKVISION_NAMESPACES.includes(ns)) {
    return fail(
      422,
      'EventNotificationAlert@xmlns',
      'namespace',
      `must be one of ${HIKVISION_NAMESPACES.join(', ')}`,
    );
  }
  const channelText = text(alert['channelID']) ?? text(alert['dynChannelID']);
  const channel = channelText === undefined ? NaN : Number(channelText);
  if (!Number.isInteger(channel) || channel < 1 || channel > 4096) {
    return fail(422, 'channelID', 'required', 'a channel number 1..4096 is required');
  }
  const deviceIds = [alert['deviceID'], alert['macAddress'], alert['ipAddress']]
    .map(text)
    .filter((v): v is string => v !== undefined && v.length <= 128)
    .map(normaliseDeviceId);
  if (deviceIds.length === 0) {
    return fail(
      422,
      'macAddress',
      'required',
      'the alert names no device (deviceID, macAddress or ipAddress)',
    );
  }
  const when = text(alert['dateTime']);
  const capturedAt = parseDeviceTime(when);
  if (!capturedAt.ok) return fail(422, 'dateTime', capturedAt.rule, capturedAt.message);
  const eventType = (text(alert['eventType']) ?? '').slice(0, 64);
  if (eventType === '') return fail(422, 'eventType', 'required', 'is required');
  const state = text(alert['eventState'])?.toLowerCase();
  const device = { deviceIds, channel };
  const eventId = deterministicUuid(
    [
      deviceIds[0],
      channel,
      text(alert['UUID']) ?? `${when}|${eventType}|${text(alert['activePostCount']) ?? ''}`,
    ].join('|'),
  );
  const base = { ok: true as const, device, eventId, capturedAt: capturedAt.value, eventType };
  const type = eventType.toLowerCase();
  if (type === 'videoloss' || type === 'heartbeat' || state === 'inactive') {
    return { ...base, payload: null };
  }
  if (type === 'anpr') return withPayload(base, mapAnpr(alert, pictures));
  if (type === 'facecapture' || type === 'facedetection' || type === 'facesnap') {
    return withPayload(base, mapFace(pictures));
  }
  return withPayload(base, mapAnalytics(type, eventType, alert, pictures));
}

type Base = Omit<Extract<MappedAlert, { ok: true }>, 'payload'>;
type Mapped = { payload: CameraEvent['payload'] } | { error: FieldError; status?: 413 };

function withPayload(base: Base, mapped: Mapped): MappedAlert {
  if ('error' in mapped) return { ok: false, status: mapped.status ?? 422, errors: [mapped.error] };
  return { ...base, payload: mapped.payload };
}

/** Refuses what the parser must never see: entity declarations and absurd nesting. */
function screen(xml: string): MappedAlert | undefined {
  if (Buffer.byteLength(xml, 'utf8') > MAX_ALERT_XML_BYTES) {
    return fail(413, 'xml', 'max_bytes', `the alert must be at most ${MAX_ALERT_XML_BYTES} bytes`);
  }
  if (/<!(DOCTYPE|ENTITY)/i.test(xml)) {
    return fail(400, 'xml', 'doctype', 'DOCTYPE and ENTITY declarations are not accepted');
  }
  let depth = 0;
  for (let i = xml.indexOf('<'); i !== -1; i = xml.indexOf('<', i + 1)) {
    const next = xml.charCodeAt(i + 1);
    if (next === 0x2f /* / */) depth -= 1;
    else if (next !== 0x3f /* ? */ && next !== 0x21 /* ! */) {
      const close = xml.indexOf('>', i);
      if (close === -1) break;
      if (xml.charCodeAt(close - 1) !== 0x2f) depth += 1;
      if (depth > MAX_ALERT_XML_DEPTH) {
        return fail(400, 'xml', 'depth', `elements may nest at most ${MAX_ALERT_XML_DEPTH} deep`);
      }
    }
  }
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    return fail(
      400,
      'xml',
      'xml',
      `is not well-formed XML (line ${valid.err.line}: ${valid.err.code})`,
    );
  }
  return undefined;
}

/** ISO 8601 with an explicit offset (Z or ±hh:mm), as devices set to NTP send it. */
const DEVICE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$/;

export function parseDeviceTime(
  value: string | undefined,
): { ok: true; value: Date } | { ok: false; rule: string; message: string } {
  if (value === undefined) return { ok: false, rule: 'required', message: 'is required' };
  const m = DEVICE_TIME.exec(value);
  if (!m) {
    const offsetless = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$/.test(value);
    return offsetless
      ? {
          ok: false,
          rule: 'offset',
          message:
            'has no UTC offset: set the device time zone and NTP so dateTime reads like 2026-12-04T15:31:07+05:00',
        }
      : { ok: false, rule: 'format', message: 'must be an ISO 8601 date-time with its UTC offset' };
  }
  const offset = m[8]!.length === 5 ? `${m[8]!.slice(0, 3)}:${m[8]!.slice(3)}` : m[8]!;
  const date = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[7] ?? ''}${offset}`);
  if (Number.isNaN(date.getTime())) {
    return { ok: false, rule: 'format', message: 'is not a valid date-time' };
  }
  return { ok: true, value: date };
}

function mapAnpr(alert: Node, pictures: Pictures): Mapped {
  const anpr = alert['ANPR'];
  if (!isNode(anpr))
    return {
      error: { field: 'ANPR', rule: 'required', message: 'is required for eventType ANPR' },
    };
  const plate = text(anpr['licensePlate']);
  if (plate === undefined || /^unknown$/i.test(plate)) {
    return {
      error: { field: 'ANPR.licensePlate', rule: 'required', message: 'no plate was read' },
    };
  }
  const confidence = Number(text(anpr['confidenceLevel']) ?? '0');
  const lane = Number(text(anpr['line']) ?? '');
  const vehicleInfo = isNode(anpr['vehicleInfo']) ? anpr['vehicleInfo'] : {};
  const plateCrop = picture(pictures, 'licensePlatePicture');
  const overview = picture(pictures, 'detectionPicture') ?? picture(pictures, 'vehiclePicture');
  return {
    payload: {
      case: 'plateRead',
      value: create(PlateReadSchema, {
        plate: plate.slice(0, 64),
        confidence: Number.isFinite(confidence) ? confidence / 100 : -1,
        country:
          (text(anpr['country']) ?? '').length === 2 ? text(anpr['country'])!.toUpperCase() : '',
        direction: directionOf(text(anpr['direction'])),
        ...(Number.isInteger(lane) && lane >= 1 ? { lane } : {}),
        vehicleType: vehicleTypeOf(text(anpr['vehicleType']) ?? text(vehicleInfo['vehicleType'])),
        vehicleColour: (text(vehicleInfo['color']) ?? '').slice(0, 32),
        ...(plateCrop ? { plateCropJpeg: plateCrop } : {}),
        ...(overview ? { overviewJpeg: overview } : {}),
      }),
    },
  };
}

/** The parts in which firmware posts the face crop itself; anything else is searched as a scene. */
const FACE_CROP_PARTS = ['faceCapture', 'Picture', 'faceImage'] as const;

function mapFace(pictures: Pictures): Mapped {
  const crop = FACE_CROP_PARTS.map((name) => picture(pictures, name)).find(
    (bytes) => bytes !== undefined,
  );
  const face = crop ?? picture(pictures, 'backgroundImage') ?? [...pictures.values()][0];
  if (!face) {
    return {
      error: {
        field: 'Picture',
        rule: 'required',
        message: 'a face capture needs its picture part',
      },
    };
  }
  const kind = crop === undefined ? FacePicture.SCENE : FacePicture.FACE_CROP;
  return {
    payload: { case: 'faceFrame', value: create(FaceFrameSchema, { jpeg: face, picture: kind }) },
  };
}

const ANALYTICS_TYPES: Readonly<Record<string, AnalyticsType>> = {
  fielddetection: AnalyticsType.INTRUSION,
  regionentrance: AnalyticsType.INTRUSION,
  regionexiting: AnalyticsType.INTRUSION,
  intrusion: AnalyticsType.INTRUSION,
  linedetection: AnalyticsType.LINE_CROSSING,
  loitering: AnalyticsType.LOITERING,
  unattendedbaggage: AnalyticsType.ABANDONED_OBJECT,
  attendedbaggage: AnalyticsType.ABANDONED_OBJECT,
  peoplegathering: AnalyticsType.CROWD,
  crowddensity: AnalyticsType.CROWD,
  crowdsituationanalysis: AnalyticsType.CROWD,
  illegaldumping: AnalyticsType.ILLEGAL_DUMPING,
  garbagedumping: AnalyticsType.ILLEGAL_DUMPING,
};

function mapAnalytics(type: string, eventType: string, alert: Node, pictures: Pictures): Mapped {
  const known = ANALYTICS_TYPES[type];
  const region = firstNode(alert['DetectionRegionList'], 'DetectionRegionEntry');
  const zone = text(region?.['regionID']) ?? text(alert['regionID']);
  const countText =
    text(alert['peopleNum']) ?? text(alert['humanCount']) ?? text(alert['targetNum']);
  const count = countText === undefined ? NaN : Number(countText);
  const snapshot =
    picture(pictures, 'detectionPicture') ??
    picture(pictures, 'backgroundImage') ??
    [...pictures.values()][0];
  return {
    payload: {
      case: 'analyticsDetection',
      value: create(AnalyticsDetectionSchema, {
        type: known ?? AnalyticsType.UNSPECIFIED,
        ...(known === undefined ? { typeText: eventType } : {}),
        // ISAPI alarms carry no score: the device decided. Its region's sensitivityLevel is a
        // setting, not a measure of this detection.
        confidence: 1,
        ...(Number.isInteger(count) && count >= 0 && count <= 100_000
          ? { objectCount: count }
          : {}),
        ...(zone !== undefined ? { zone: zone.slice(0, 128) } : {}),
        ...(snapshot ? { snapshotJpeg: snapshot } : {}),
      }),
    },
  };
}

function directionOf(value: string | undefined): VehicleDirection {
  switch (value?.toLowerCase()) {
    case 'forward':
      return VehicleDirection.APPROACHING;
    case 'reverse':
      return VehicleDirection.RECEDING;
    default:
      return VehicleDirection.UNSPECIFIED;
  }
}

function vehicleTypeOf(value: string | undefined): VehicleType {
  switch (value?.toLowerCase()) {
    case 'vehicle':
    case 'smallcar':
    case 'car':
    case 'suv':
      return VehicleType.CAR;
    case 'van':
    case 'minibus':
      return VehicleType.VAN;
    case 'truck':
    case 'lighttruck':
    case 'largetruck':
      return VehicleType.TRUCK;
    case 'bus':
    case 'largebus':
      return VehicleType.BUS;
    case 'motorcycle':
    case 'twowheelvehicle':
      return VehicleType.MOTORCYCLE;
    case undefined:
    case '':
    case 'unknown':
      return VehicleType.UNSPECIFIED;
    default:
      return VehicleType.OTHER;
  }
}

/** A part by name, with or without its .jpg extension, case-insensitively. */
function picture(pictures: Pictures, name: string): Uint8Array | undefined {
  const wanted = name.toLowerCase();
  for (const [key, bytes] of pictures) {
    const k = key.toLowerCase().replace(/\.jpe?g$/, '');
    if (k === wanted) return bytes;
  }
  return undefined;
}

function firstNode(list: unknown, entry: string): Node | undefined {
  if (!isNode(list)) return undefined;
  const e = list[entry];
  const first = Array.isArray(e) ? e[0] : e;
  return isNode(first) ? first : undefined;
}

function isNode(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** An element's text: elements with attributes carry it under #text. */
function text(v: unknown): string | undefined {
  if (Array.isArray(v)) return text(v[0]);
  if (isNode(v)) return text(v['#text']);
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  const s = String(v).trim();
  return s === '' ? undefined : s;
}

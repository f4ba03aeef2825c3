import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import {
  AlarmKind,
  AlarmPriority,
  type FacePicture,
  ViolationCode,
  type CameraEvent,
} from '../gen/kuzet/v1/camera_event_pb';
import {
  sampleAlarmEvent,
  sampleFaceFrameEvent,
  sampleFaceObservationEvent,
  sampleViolationEvent,
  unitEmbedding,
} from '../testing/samples';
import { validateCameraEvent } from './camera-event';
import { CONTRACT_LIMITS, contractLimits } from './limits';
import { DAY, MINUTE, NOW, pairs } from './test-helpers';

type Case = [name: string, make: () => CameraEvent, field: string, rule: string];

function frame(
  mutate: (f: Extract<CameraEvent['payload'], { case: 'faceFrame' }>['value']) => void,
): CameraEvent {
  const e = sampleFaceFrameEvent(NOW);
  if (e.payload.case === 'faceFrame') mutate(e.payload.value);
  return e;
}
function observation(
  mutate: (o: Extract<CameraEvent['payload'], { case: 'faceObservation' }>['value']) => void,
): CameraEvent {
  const e = sampleFaceObservationEvent(NOW);
  if (e.payload.case === 'faceObservation') mutate(e.payload.value);
  return e;
}
function violation(
  mutate: (v: Extract<CameraEvent['payload'], { case: 'violation' }>['value']) => void,
): CameraEvent {
  const e = sampleViolationEvent(NOW);
  if (e.payload.case === 'violation') mutate(e.payload.value);
  return e;
}
function alarm(
  mutate: (a: Extract<CameraEvent['payload'], { case: 'alarm' }>['value']) => void,
): CameraEvent {
  const e = sampleAlarmEvent(NOW);
  if (e.payload.case === 'alarm') mutate(e.payload.value);
  return e;
}
function event(mutate: (e: CameraEvent) => void): CameraEvent {
  const e = sampleFaceFrameEvent(NOW);
  mutate(e);
  return e;
}
function jpegOf(size: number): Uint8Array {
  const b = new Uint8Array(size);
  b.set([0xff, 0xd8, 0xff]);
  return b;
}
const OBS = 'payload.face_observation';
const VIO = 'payload.violation';

describe('validateCameraEvent', () => {
  it.each([
    ['face frame', sampleFaceFrameEvent],
    ['face observation', sampleFaceObservationEvent],
    ['violation', sampleViolationEvent],
    ['alarm', sampleAlarmEvent],
  ])('accepts the %s sample', (_name, sample) => {
    expect(validateCameraEvent(sample(NOW), NOW)).toEqual([]);
  });

  const failing: Case[] = [
    ['missing event_id', () => event((e) => (e.eventId = '')), 'event_id', 'required'],
    ['event_id not a UUID', () => event((e) => (e.eventId = 'event-1')), 'event_id', 'uuid'],
    [
      'uppercase event_id',
      () => event((e) => (e.eventId = e.eventId.toUpperCase())),
      'event_id',
      'uuid',
    ],
    [
      'nil UUID',
      () => event((e) => (e.eventId = '00000000-0000-0000-0000-000000000000')),
      'event_id',
      'uuid',
    ],
    ['missing camera_id', () => event((e) => (e.cameraId = '')), 'camera_id', 'required'],
    ['long camera_id', () => event((e) => (e.cameraId = 'c'.repeat(129))), 'camera_id', 'length'],
    ['camera_id with a space', () => event((e) => (e.cameraId = 'cam 1')), 'camera_id', 'charset'],
    [
      'camera_id starting with -',
      () => event((e) => (e.cameraId = '-cam')),
      'camera_id',
      'charset',
    ],
    [
      'camera_id with a path separator',
      () => event((e) => (e.cameraId = '../etc')),
      'camera_id',
      'charset',
    ],
    ['empty source_id', () => event((e) => (e.sourceId = '')), 'source_id', 'required'],
    [
      'source_id with a quote',
      () => event((e) => (e.sourceId = "o'brien")),
      'source_id',
      'charset',
    ],
    [
      'missing captured_at',
      () => event((e) => (e.capturedAt = undefined)),
      'captured_at',
      'required',
    ],
    [
      'captured_at 6 minutes ahead',
      () => event((e) => (e.capturedAt = timestampFromMs(NOW.getTime() + 6 * MINUTE))),
      'captured_at',
      'max_future_skew',
    ],
    [
      'captured_at 31 days old',
      () => event((e) => (e.capturedAt = timestampFromMs(NOW.getTime() - 31 * DAY))),
      'captured_at',
      'max_age',
    ],
    [
      'captured_at with nanos out of range',
      () =>
        event((e) => (e.capturedAt = { ...timestampFromMs(NOW.getTime()), nanos: 1_000_000_000 })),
      'captured_at',
      'timestamp',
    ],
    [
      'captured_at beyond year 9999',
      () => event((e) => (e.capturedAt = { ...timestampFromMs(0), seconds: 253_402_300_800n })),
      'captured_at',
      'timestamp',
    ],
    ['no payload', () => event((e) => (e.payload = { case: undefined })), 'payload', 'required'],
    [
      'empty jpeg',
      () => frame((f) => (f.jpeg = new Uint8Array())),
      'payload.face_frame.jpeg',
      'required',
    ],
    [
      'PNG instead of JPEG',
      () => frame((f) => (f.jpeg = Uint8Array.of(0x89, 0x50, 0x4e, 0x47))),
      'payload.face_frame.jpeg',
      'jpeg',
    ],
    [
      'two-byte jpeg',
      () => frame((f) => (f.jpeg = Uint8Array.of(0xff, 0xd8))),
      'payload.face_frame.jpeg',
      'jpeg',
    ],
    [
      'jpeg over 4 MiB',
      () => frame((f) => (f.jpeg = jpegOf(4 * 1024 * 1024 + 1))),
      'payload.face_frame.jpeg',
      'max_bytes',
    ],
    ['zero width', () => frame((f) => (f.width = 0)), 'payload.face_frame.width', 'range'],
    ['huge height', () => frame((f) => (f.height = 20_000)), 'payload.face_frame.height', 'range'],
    [
      'unknown picture',
      () => frame((f) => (f.picture = 7 as FacePicture)),
      'payload.face_frame.picture',
      'enum',
    ],
    [
      '511-value embedding',
      () => observation((o) => (o.embedding = unitEmbedding(0, 511))),
      `${OBS}.embedding`,
      'length',
    ],
    ['empty embedding', () => observation((o) => (o.embedding = [])), `${OBS}.embedding`, 'length'],
    [
      'NaN in the embedding',
      () => observation((o) => (o.embedding[3] = NaN)),
      `${OBS}.embedding[3]`,
      'finite',
    ],
    [
      'Infinity in the embedding',
      () => observation((o) => (o.embedding[511] = -Infinity)),
      `${OBS}.embedding[511]`,
      'finite',
    ],
    ['zero embedding', () => observation((o) => o.embedding.fill(0)), `${OBS}.embedding`, 'norm'],
    [
      'overflowing embedding',
      () => observation((o) => o.embedding.fill(1e300)),
      `${OBS}.embedding`,
      'norm',
    ],
    ['missing model_id', () => observation((o) => (o.modelId = '')), `${OBS}.model_id`, 'required'],
    ['quality above 1', () => observation((o) => (o.quality = 1.5)), `${OBS}.quality`, 'range'],
    ['quality below 0', () => observation((o) => (o.quality = -0.1)), `${OBS}.quality`, 'range'],
    ['NaN quality', () => observation((o) => (o.quality = NaN)), `${OBS}.quality`, 'finite'],
    ['missing box', () => observation((o) => (o.box = undefined)), `${OBS}.box`, 'required'],
    ['negative box x', () => observation((o) => o.box && (o.box.x = -1)), `${OBS}.box.x`, 'range'],
    ['NaN box y', () => observation((o) => o.box && (o.box.y = NaN)), `${OBS}.box.y`, 'finite'],
    [
      'zero box width',
      () => observation((o) => o.box && (o.box.width = 0)),
      `${OBS}.box.width`,
      'range',
    ],
    [
      'negative box height',
      () => observation((o) => o.box && (o.box.height = -5)),
      `${OBS}.box.height`,
      'range',
    ],
    [
      'long frame_ref',
      () => observation((o) => (o.frameRef = 'x'.repeat(2049))),
      `${OBS}.frame_ref`,
      'length',
    ],
    [
      'frame_ref with a newline',
      () => observation((o) => (o.frameRef = 'a\nb')),
      `${OBS}.frame_ref`,
      'charset',
    ],
    [
      'crop that is not a JPEG',
      () => observation((o) => (o.cropJpeg = Uint8Array.of(1, 2, 3))),
      `${OBS}.crop_jpeg`,
      'jpeg',
    ],
    [
      'crop over 512 KiB',
      () => observation((o) => (o.cropJpeg = jpegOf(512 * 1024 + 1))),
      `${OBS}.crop_jpeg`,
      'max_bytes',
    ],
    [
      'unspecified violation code',
      () => violation((v) => (v.code = ViolationCode.UNSPECIFIED)),
      `${VIO}.code`,
      'required',
    ],
    [
      'unknown violation code',
      () => violation((v) => (v.code = 99 as ViolationCode)),
      `${VIO}.code`,
      'enum',
    ],
    ['missing plate', () => violation((v) => (v.plate = '')), `${VIO}.plate`, 'required'],
    ['long plate', () => violation((v) => (v.plate = 'A'.repeat(17))), `${VIO}.plate`, 'length'],
    ['plate with symbols', () => violation((v) => (v.plate = '12$%')), `${VIO}.plate`, 'charset'],
    [
      'NaN measured speed',
      () => violation((v) => (v.measuredSpeedKmh = NaN)),
      `${VIO}.measured_speed_kmh`,
      'finite',
    ],
    [
      'infinite limit speed',
      () => violation((v) => (v.limitSpeedKmh = Infinity)),
      `${VIO}.limit_speed_kmh`,
      'finite',
    ],
    [
      'negative limit speed',
      () => violation((v) => (v.limitSpeedKmh = -1)),
      `${VIO}.limit_speed_kmh`,
      'range',
    ],
    [
      'measured speed above 500',
      () => violation((v) => (v.measuredSpeedKmh = 600)),
      `${VIO}.measured_speed_kmh`,
      'range',
    ],
    [
      'speeding at the limit',
      () => violation((v) => (v.measuredSpeedKmh = 60)),
      `${VIO}.measured_speed_kmh`,
      'speeding',
    ],
    [
      'speeding below the limit',
      () => violation((v) => (v.measuredSpeedKmh = 40)),
      `${VIO}.measured_speed_kmh`,
      'speeding',
    ],
    [
      'speeding without a measured speed',
      () => violation((v) => (v.measuredSpeedKmh = undefined)),
      `${VIO}.measured_speed_kmh`,
      'required',
    ],
    [
      'speeding without a limit',
      () => violation((v) => (v.limitSpeedKmh = undefined)),
      `${VIO}.limit_speed_kmh`,
      'required',
    ],
    [
      'missing evidence_ref',
      () => violation((v) => (v.evidenceRef = '')),
      `${VIO}.evidence_ref`,
      'required',
    ],
    [
      'relative evidence_ref',
      () => violation((v) => (v.evidenceRef = 'clips/1.mp4')),
      `${VIO}.evidence_ref`,
      'uri',
    ],
    [
      'evidence_ref with a space',
      () => violation((v) => (v.evidenceRef = 'https://x/a b')),
      `${VIO}.evidence_ref`,
      'uri',
    ],
    [
      'long evidence_ref',
      () => violation((v) => (v.evidenceRef = `https://x/${'a'.repeat(2048)}`)),
      `${VIO}.evidence_ref`,
      'length',
    ],
    ['lane 0', () => violation((v) => (v.lane = 0)), `${VIO}.lane`, 'range'],
    ['lane 65', () => violation((v) => (v.lane = 65)), `${VIO}.lane`, 'range'],
    [
      'unspecified alarm kind',
      () => alarm((a) => (a.kind = AlarmKind.UNSPECIFIED)),
      'payload.alarm.kind',
      'required',
    ],
    [
      'unknown alarm kind',
      () => alarm((a) => (a.kind = 7 as AlarmKind)),
      'payload.alarm.kind',
      'enum',
    ],
    [
      'long alarm message',
      () => alarm((a) => (a.message = 'm'.repeat(1025))),
      'payload.alarm.message',
      'length',
    ],
    [
      'alarm message with a bell',
      () => alarm((a) => (a.message = 'help\u0007')),
      'payload.alarm.message',
      'charset',
    ],
    [
      'unknown alarm priority',
      () => alarm((a) => (a.priority = 9 as AlarmPriority)),
      'payload.alarm.priority',
      'enum',
    ],
  ];

  it.each(failing)('rejects %s', (_name, make, field, rule) => {
    const errors = validateCameraEvent(make(), NOW);
    expect(pairs(errors)).toContain(`${field}: ${rule}`);
    for (const e of errors) expect(e.message.length).toBeGreaterThan(0);
  });

  const passing: [string, () => CameraEvent][] = [
    ['a version 7 UUID', () => event((e) => (e.eventId = '01890a5d-ac96-774b-bcce-b302099a8057'))],
    [
      'a 128-character camera id with every allowed symbol',
      () => event((e) => (e.cameraId = `A0._:@-${'c'.repeat(121)}`)),
    ],
    ['no source_id', () => event((e) => (e.sourceId = undefined))],
    [
      'captured_at exactly 5 minutes ahead',
      () => event((e) => (e.capturedAt = timestampFromMs(NOW.getTime() + 5 * MINUTE))),
    ],
    [
      'captured_at 29 days old',
      () => event((e) => (e.capturedAt = timestampFromMs(NOW.getTime() - 29 * DAY))),
    ],
    ['a jpeg of exactly 4 MiB', () => frame((f) => (f.jpeg = jpegOf(4 * 1024 * 1024)))],
    [
      'a frame without dimensions',
      () => frame((f) => ((f.width = undefined), (f.height = undefined))),
    ],
    ['a non-unit embedding', () => observation((o) => o.embedding.fill(0.25))],
    ['a box at the origin', () => observation((o) => o.box && ((o.box.x = 0), (o.box.y = 0)))],
    ['quality 0 and 1', () => observation((o) => (o.quality = 0))],
    [
      'no frame_ref and no crop',
      () => observation((o) => ((o.frameRef = undefined), (o.cropJpeg = undefined))),
    ],
    [
      'illegal dumping without a plate or speeds',
      () =>
        violation((v) => {
          v.code = ViolationCode.ILLEGAL_DUMPING;
          v.plate = '';
          v.measuredSpeedKmh = undefined;
          v.limitSpeedKmh = undefined;
        }),
    ],
    [
      'a red light with a Cyrillic plate',
      () =>
        violation((v) => {
          v.code = ViolationCode.RED_LIGHT;
          v.plate = '123 АВС-02';
          v.measuredSpeedKmh = undefined;
          v.limitSpeedKmh = undefined;
        }),
    ],
    [
      'a speed of 0 on a non-speeding violation',
      () =>
        violation(
          (v) => (
            (v.code = ViolationCode.WRONG_WAY_DRIVING),
            (v.measuredSpeedKmh = 0),
            (v.limitSpeedKmh = 0)
          ),
        ),
    ],
    ['speeding by 0.1 km/h', () => violation((v) => (v.measuredSpeedKmh = 60.1))],
    ['no lane', () => violation((v) => (v.lane = undefined))],
    [
      'a tamper alarm without priority or message',
      () =>
        alarm(
          (a) => (
            (a.kind = AlarmKind.TAMPER),
            (a.priority = AlarmPriority.UNSPECIFIED),
            (a.message = '')
          ),
        ),
    ],
    [
      'an alarm message with newlines and tabs',
      () => alarm((a) => (a.message = 'line 1\n\tline 2\r\n')),
    ],
  ];

  it.each(passing)('accepts %s', (_name, make) => {
    expect(pairs(validateCameraEvent(make(), NOW))).toEqual([]);
  });

  it('reports every problem, not only the first', () => {
    const e = event((x) => ((x.eventId = 'x'), (x.cameraId = ''), (x.capturedAt = undefined)));
    expect(pairs(validateCameraEvent(e, NOW))).toEqual([
      'event_id: uuid',
      'camera_id: required',
      'captured_at: required',
    ]);
  });

  it('names only the first non-finite embedding value and counts the rest', () => {
    const errors = validateCameraEvent(
      observation((o) => o.embedding.fill(NaN, 10)),
      NOW,
    );
    expect(pairs(errors)).toEqual([`${OBS}.embedding[10]: finite`]);
    expect(errors[0]?.message).toContain('502 non-finite values');
  });

  it('applies overridden limits', () => {
    const limits = contractLimits({
      embeddingLength: 128,
      maxFutureSkewMs: 0,
      cameraEventMaxAgeMs: 365 * DAY,
    });
    const short = observation((o) => (o.embedding = unitEmbedding(0, 128)));
    expect(validateCameraEvent(short, NOW, limits)).toEqual([]);
    expect(pairs(validateCameraEvent(short, NOW))).toEqual([`${OBS}.embedding: length`]);
    const ahead = event((e) => (e.capturedAt = timestampFromMs(NOW.getTime() + 1)));
    expect(pairs(validateCameraEvent(ahead, NOW, limits))).toEqual([
      'captured_at: max_future_skew',
    ]);
    const old = event((e) => (e.capturedAt = timestampFromMs(NOW.getTime() - 300 * DAY)));
    expect(validateCameraEvent(old, NOW, limits)).toEqual([]);
    // A plain partial object works too.
    expect(validateCameraEvent(old, NOW, { cameraEventMaxAgeMs: 365 * DAY })).toEqual([]);
  });

  it('rejects timestamps before the absolute floor even when the age limit allows them', () => {
    const e = event((x) => (x.capturedAt = timestampFromMs(Date.UTC(1999, 11, 31))));
    expect(pairs(validateCameraEvent(e, NOW, { cameraEventMaxAgeMs: 100 * 365 * DAY }))).toEqual([
      'captured_at: min_time',
    ]);
    expect(CONTRACT_LIMITS.minTimestampMs).toBe(Date.UTC(2000, 0, 1));
  });

  it('uses the current time when no clock is given', () => {
    expect(validateCameraEvent(sampleAlarmEvent())).toEqual([]);
  });
});

import {
  AlarmKindSchema,
  AlarmPrioritySchema,
  AnalyticsType,
  AnalyticsTypeSchema,
  type AnalyticsDetection,
  ViolationCode,
  ViolationCodeSchema,
  type Alarm,
  type CameraEvent,
  type FaceFrame,
  FacePictureSchema,
  type FaceObservation,
  type Violation,
} from '../gen/kuzet/v1/camera_event_pb';
import { makeCtx } from './context';
import type { FieldError } from './errors';
import { CONTRACT_LIMITS, type ContractLimits } from './limits';
import {
  checkEmbedding,
  checkEnum,
  checkId,
  checkModelId,
  checkJpeg,
  checkPlate,
  checkRange,
  checkRef,
  checkText,
  checkTime,
  checkUuid,
  type Ctx,
} from './rules';
import { checkPlateRead } from './vehicle';

/** Field-level problems of a CameraEvent; empty when it is valid. */
export function validateCameraEvent(
  msg: CameraEvent,
  now: Date = new Date(),
  limits: Partial<ContractLimits> = CONTRACT_LIMITS,
): FieldError[] {
  const ctx = makeCtx(now, limits);
  checkUuid(ctx, 'event_id', msg.eventId);
  checkId(ctx, 'camera_id', msg.cameraId);
  checkTime(ctx, 'captured_at', msg.capturedAt, {
    required: true,
    maxAgeMs: ctx.limits.cameraEventMaxAgeMs,
  });
  if (msg.sourceId !== undefined) checkId(ctx, 'source_id', msg.sourceId);
  const p = msg.payload;
  switch (p.case) {
    case 'faceFrame':
      checkFaceFrame(ctx, 'payload.face_frame', p.value);
      break;
    case 'faceObservation':
      checkFaceObservation(ctx, 'payload.face_observation', p.value);
      break;
    case 'violation':
      checkViolation(ctx, 'payload.violation', p.value);
      break;
    case 'alarm':
      checkAlarm(ctx, 'payload.alarm', p.value);
      break;
    case 'plateRead':
      checkPlateRead(ctx, 'payload.plate_read', p.value);
      break;
    case 'analyticsDetection':
      checkAnalyticsDetection(ctx, 'payload.analytics_detection', p.value);
      break;
    default:
      ctx.sink.add(
        'payload',
        'required',
        'exactly one of face_frame, face_observation, violation, alarm, plate_read, analytics_detection must be set',
      );
  }
  return ctx.sink.errors;
}

function checkFaceFrame(ctx: Ctx, at: string, f: FaceFrame): void {
  checkJpeg(ctx, `${at}.jpeg`, f.jpeg, ctx.limits.maxJpegBytes, true);
  const maxDim = ctx.limits.maxImageDimension;
  if (f.width !== undefined) checkRange(ctx, `${at}.width`, f.width, 1, maxDim);
  if (f.height !== undefined) checkRange(ctx, `${at}.height`, f.height, 1, maxDim);
  checkEnum(ctx, `${at}.picture`, f.picture, FacePictureSchema, true);
}

function checkFaceObservation(ctx: Ctx, at: string, o: FaceObservation): void {
  checkEmbedding(ctx, `${at}.embedding`, o.embedding);
  checkModelId(ctx, `${at}.model_id`, o.modelId);
  checkRange(ctx, `${at}.quality`, o.quality, 0, 1);
  if (o.box === undefined) ctx.sink.add(`${at}.box`, 'required', 'is required');
  else {
    checkRange(ctx, `${at}.box.x`, o.box.x, 0, Infinity);
    checkRange(ctx, `${at}.box.y`, o.box.y, 0, Infinity);
    checkRange(ctx, `${at}.box.width`, o.box.width, 0, Infinity, true);
    checkRange(ctx, `${at}.box.height`, o.box.height, 0, Infinity, true);
  }
  if (o.frameRef !== undefined) checkRef(ctx, `${at}.frame_ref`, o.frameRef);
  if (o.cropJpeg !== undefined)
    checkJpeg(ctx, `${at}.crop_jpeg`, o.cropJpeg, ctx.limits.maxCropJpegBytes, false);
}

function checkViolation(ctx: Ctx, at: string, v: Violation): void {
  checkEnum(ctx, `${at}.code`, v.code, ViolationCodeSchema);
  checkPlate(ctx, `${at}.plate`, v.plate, v.code !== ViolationCode.ILLEGAL_DUMPING);
  const maxSpeed = ctx.limits.maxSpeedKmh;
  const measuredOk =
    v.measuredSpeedKmh !== undefined &&
    checkRange(ctx, `${at}.measured_speed_kmh`, v.measuredSpeedKmh, 0, maxSpeed);
  const limitOk =
    v.limitSpeedKmh !== undefined &&
    checkRange(ctx, `${at}.limit_speed_kmh`, v.limitSpeedKmh, 0, maxSpeed);
  if (v.code === ViolationCode.SPEEDING) {
    if (v.measuredSpeedKmh === undefined)
      ctx.sink.add(`${at}.measured_speed_kmh`, 'required', 'is required for speeding');
    if (v.limitSpeedKmh === undefined)
      ctx.sink.add(`${at}.limit_speed_kmh`, 'required', 'is required for speeding');
    if (measuredOk && limitOk && !((v.measuredSpeedKmh as number) > (v.limitSpeedKmh as number))) {
      ctx.sink.add(
        `${at}.measured_speed_kmh`,
        'speeding',
        `speeding requires measured_speed_kmh (${v.measuredSpeedKmh}) > limit_speed_kmh (${v.limitSpeedKmh})`,
      );
    }
  }
  checkRef(ctx, `${at}.evidence_ref`, v.evidenceRef, { required: true, uri: true });
  if (v.lane !== undefined) checkRange(ctx, `${at}.lane`, v.lane, 1, ctx.limits.maxLane);
}

function checkAlarm(ctx: Ctx, at: string, a: Alarm): void {
  checkEnum(ctx, `${at}.kind`, a.kind, AlarmKindSchema);
  checkText(ctx, `${at}.message`, a.message, ctx.limits.maxAlarmMessageLength);
  checkEnum(ctx, `${at}.priority`, a.priority, AlarmPrioritySchema, true);
}

/** Most objects a detection may count. */
const MAX_OBJECT_COUNT = 100_000;

function checkAnalyticsDetection(ctx: Ctx, at: string, d: AnalyticsDetection): void {
  checkEnum(ctx, `${at}.type`, d.type, AnalyticsTypeSchema, true);
  const unnamed = d.type === AnalyticsType.UNSPECIFIED;
  if (d.typeText !== undefined || unnamed) {
    checkText(
      ctx,
      `${at}.type_text`,
      d.typeText ?? '',
      64,
      unnamed ? 'is required when type is UNSPECIFIED' : false,
    );
  }
  checkRange(ctx, `${at}.confidence`, d.confidence, 0, 1);
  if (d.objectCount !== undefined) {
    checkRange(ctx, `${at}.object_count`, d.objectCount, 0, MAX_OBJECT_COUNT);
  }
  if (d.zone !== undefined) checkText(ctx, `${at}.zone`, d.zone, 128);
  if (d.snapshotJpeg !== undefined) {
    checkJpeg(ctx, `${at}.snapshot_jpeg`, d.snapshotJpeg, ctx.limits.maxJpegBytes, false);
  }
}

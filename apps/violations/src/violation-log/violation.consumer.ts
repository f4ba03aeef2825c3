import { Injectable } from '@nestjs/common';
import { create } from '@bufbuild/protobuf';
import {
  analyticsAlertId,
  AnalyticsType,
  type CameraEvent,
  CameraEventSchema,
  peekCameraEventPayload,
  timestampDate,
  type Violation,
  ViolationCode,
  ViolationSchema,
} from '@kuzet/contracts';
import { CAMERA_EVENT_GROUPS, ConsumeTopic, InboundMessage, TOPICS } from '@kuzet/messaging';
import { CameraEventGate } from '@kuzet/registry';
import { ViolationLogService } from './violation-log.service';

export const VIOLATIONS_GROUP = CAMERA_EVENT_GROUPS.violations;

/** Takes the violations out of kuzet.camera-events.v1. Other payloads are not this consumer's
 * business. A violation is judged by the rules every consumer of the topic shares; one they
 * refuse is skipped here and dead-lettered once, by the matcher's group, for all of them. */
@Injectable()
export class ViolationConsumer {
  constructor(
    private readonly violations: ViolationLogService,
    private readonly gate: CameraEventGate,
  ) {}

  @ConsumeTopic({ topic: TOPICS.cameraEvents, groupId: VIOLATIONS_GROUP })
  async handle(message: InboundMessage): Promise<void> {
    const payload = peekCameraEventPayload(message.value);
    if (payload !== 'violation' && payload !== 'analyticsDetection') return;
    const event = await this.gate.admit(message, VIOLATIONS_GROUP);
    if (event?.payload.case === 'violation') {
      await this.violations.log(event, event.payload.value);
    } else if (
      event?.payload.case === 'analyticsDetection' &&
      event.payload.value.type === AnalyticsType.ILLEGAL_DUMPING
    ) {
      const dumping = dumpingViolation(event);
      await this.violations.log(dumping.event, dumping.violation);
    }
  }
}

/** Illegal dumping a camera's analytics detected is an administrative violation, counted in
 * the district's statistics like the ones integrators send: the same event id (one record per
 * detection), no plate, and the analytics alert it is folded into as the evidence. */
export function dumpingViolation(event: CameraEvent): {
  event: CameraEvent;
  violation: Violation;
} {
  const detection = event.payload.case === 'analyticsDetection' ? event.payload.value : undefined;
  const capturedAt = event.capturedAt ? timestampDate(event.capturedAt) : new Date();
  const violation = create(ViolationSchema, {
    code: ViolationCode.ILLEGAL_DUMPING,
    plate: '',
    evidenceRef:
      detection === undefined
        ? ''
        : `kuzet:alert/${analyticsAlertId(event.cameraId, detection, capturedAt)}`,
  });
  return {
    violation,
    event: create(CameraEventSchema, {
      eventId: event.eventId,
      cameraId: event.cameraId,
      capturedAt: event.capturedAt,
      ...(event.sourceId !== undefined ? { sourceId: event.sourceId } : {}),
      payload: { case: 'violation', value: violation },
    }),
  };
}

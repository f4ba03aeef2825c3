import { fromBinary } from '@bufbuild/protobuf';
import { randomUUID } from 'node:crypto';
import {
  AlarmPriority,
  CameraEvent,
  CameraEventSchema,
  cameraEventToJson,
  timestampFromMs,
} from '@kuzet/contracts';
import {
  sampleAlarmEvent,
  sampleFaceFrameEvent,
  sampleFaceObservationEvent,
  samplePlateReadEvent,
  sampleViolationEvent,
} from '@kuzet/contracts/testing';
import { InboundMessage } from '@kuzet/messaging';

export type EventJson = Record<string, unknown> & { eventId: string; cameraId: string };

const SAMPLES = {
  violation: sampleViolationEvent,
  alarm: sampleAlarmEvent,
  observation: sampleFaceObservationEvent,
  frame: sampleFaceFrameEvent,
  plate: samplePlateReadEvent,
};

/** A valid sample event of the seed region with a fresh event id. */
export function sampleEvent(
  kind: keyof typeof SAMPLES,
  change: (event: CameraEvent) => void = () => undefined,
): CameraEvent {
  const event = SAMPLES[kind](new Date());
  event.eventId = randomUUID();
  event.capturedAt = timestampFromMs(Date.now() - 1_000);
  if (kind === 'alarm' && event.payload.case === 'alarm') {
    event.payload.value.priority = AlarmPriority.UNSPECIFIED;
  }
  change(event);
  return event;
}

export function sampleJson(
  kind: keyof typeof SAMPLES,
  change?: (event: CameraEvent) => void,
): EventJson {
  return cameraEventToJson(sampleEvent(kind, change)) as EventJson;
}

/** The records that are CameraEvents, decoded without validation: other suites on the same
 * broker publish malformed and invalid ones on purpose. */
export function readable(
  records: readonly InboundMessage[],
): { record: InboundMessage; event: CameraEvent }[] {
  return records.flatMap((record) => {
    try {
      return [{ record, event: fromBinary(CameraEventSchema, record.value) }];
    } catch {
      return [];
    }
  });
}

/** Every event id among the published records. */
export function publishedIds(records: readonly InboundMessage[]): string[] {
  return readable(records).map(({ event }) => event.eventId);
}

export function jsonHeaders(key: string): Record<string, string> {
  return { 'x-api-key': key, 'content-type': 'application/json' };
}

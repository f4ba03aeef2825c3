import { createHash } from 'node:crypto';
import {
  type AnalyticsDetection,
  AnalyticsType,
  AnalyticsTypeSchema,
} from './gen/kuzet/v1/camera_event_pb';

/** A UUID (version-5 layout, SHA-256) derived from an identity: the same key always gives the
 * same id, so a retried or repeated thing lands on what the first one made. */
export function deterministicUuid(key: string): string {
  const h = createHash('sha256').update(key).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Detections of one type at one camera within this window are one alert, counted: a device or
 * a pipeline reporting a crowd, a person or motion every frame raises one alert, not thousands. */
export const ANALYTICS_FOLD_WINDOW_MS = 10 * 60_000;

/** A known analytics type's name (`crowd`, `illegal_dumping`…); undefined for UNSPECIFIED or a
 * number this build does not know. */
export function knownAnalyticsTypeName(type: AnalyticsType): string | undefined {
  if (type === AnalyticsType.UNSPECIFIED) return undefined;
  return AnalyticsTypeSchema.value[type]?.name.replace('ANALYTICS_TYPE_', '').toLowerCase();
}

/** The type an analytics detection is counted under: the known type's name, else the device's. */
export function analyticsTypeName(detection: AnalyticsDetection): string {
  return knownAnalyticsTypeName(detection.type) ?? detection.typeText ?? 'unknown';
}

/** The alert an analytics detection is folded into (its camera, type and window), which the
 * ops-center raises and the violation log cites as evidence. */
export function analyticsAlertId(
  cameraId: string,
  detection: AnalyticsDetection,
  capturedAt: Date,
): string {
  const window = Math.floor(capturedAt.getTime() / ANALYTICS_FOLD_WINDOW_MS);
  return deterministicUuid(`analytics|${cameraId}|${analyticsTypeName(detection)}|${window}`);
}

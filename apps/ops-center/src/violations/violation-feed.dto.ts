import { pageQueryShape, pageSchema } from '@kuzet/http';
import { z } from 'zod';
import { VIOLATION_CODES, ViolationCodeName } from '@kuzet/contracts';
import { ViolationRecordEntity } from '@kuzet/persistence';

/** `GET /v1/ops/violations`: newest logged first, a page at a time (the cursor holds the last
 * row's logged_at and event_id). */
export const violationFeedQuerySchema = z.strictObject(pageQueryShape);
export type ViolationFeedQuery = z.infer<typeof violationFeedQuerySchema>;

/** One violation as the console shows it, over REST and pushed live alike. */
export const violationFeedItemSchema = z
  .object({
    event_id: z.uuid(),
    camera_id: z.string(),
    district_id: z.string().nullable(),
    centre_id: z.string().nullable(),
    code: z.enum(VIOLATION_CODES),
    plate: z.string(),
    measured_speed_kmh: z.number().nullable(),
    limit_speed_kmh: z.number().nullable(),
    evidence_ref: z.string(),
    lane: z.number().int().nullable(),
    captured_at: z.iso.datetime(),
    logged_at: z.iso.datetime(),
  })
  .readonly()
  .meta({ id: 'ViolationFeedItem' });
export type ViolationFeedItem = z.infer<typeof violationFeedItemSchema>;

export const violationFeedPageSchema = pageSchema(violationFeedItemSchema).meta({
  id: 'ViolationFeedPage',
});
export type ViolationFeedPage = z.infer<typeof violationFeedPageSchema>;

export function violationFeedItem(record: ViolationRecordEntity): ViolationFeedItem {
  return {
    event_id: record.eventId,
    camera_id: record.cameraId,
    district_id: record.districtId,
    centre_id: record.centreId,
    code: record.code as ViolationCodeName,
    plate: record.plate,
    measured_speed_kmh: record.measuredSpeedKmh,
    limit_speed_kmh: record.limitSpeedKmh,
    evidence_ref: record.evidenceRef,
    lane: record.lane,
    captured_at: record.capturedAt.toISOString(),
    logged_at: record.loggedAt.toISOString(),
  };
}

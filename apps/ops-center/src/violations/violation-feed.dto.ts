import { z } from 'zod';
import { VIOLATION_CODES, ViolationCodeName } from '@kuzet/contracts';
import { ViolationRecordEntity } from '@kuzet/persistence';

/** `GET /v1/ops/violations`: newest logged first; the next page starts strictly before the
 * last row's (loggedAt, eventId), which the previous page returns as `next`. */
export const violationFeedQuerySchema = z
  .strictObject({
    limit: z.coerce.number().int().min(1).max(500).default(100),
    beforeLoggedAt: z.iso
      .datetime({ offset: true })
      .transform((value) => new Date(value))
      .optional(),
    beforeEventId: z.uuid().optional(),
  })
  .refine((q) => q.beforeEventId === undefined || q.beforeLoggedAt !== undefined, {
    message: 'beforeEventId is the tie-breaker of beforeLoggedAt: give both',
    path: ['beforeEventId'],
  });
export type ViolationFeedQuery = z.infer<typeof violationFeedQuerySchema>;

/** One violation as the console shows it, over REST and pushed live alike. */
export const violationFeedItemSchema = z
  .object({
    eventId: z.uuid(),
    cameraId: z.string(),
    districtId: z.string().nullable(),
    centreId: z.string().nullable(),
    code: z.enum(VIOLATION_CODES),
    plate: z.string(),
    measuredSpeedKmh: z.number().nullable(),
    limitSpeedKmh: z.number().nullable(),
    evidenceRef: z.string(),
    lane: z.number().int().nullable(),
    capturedAt: z.iso.datetime(),
    loggedAt: z.iso.datetime(),
  })
  .readonly()
  .meta({ id: 'ViolationFeedItem' });
export type ViolationFeedItem = z.infer<typeof violationFeedItemSchema>;

export const violationFeedPageSchema = z
  .object({
    violations: z.array(violationFeedItemSchema).readonly(),
    /** Query parameters of the next (older) page; null on the last page. */
    next: z
      .object({ beforeLoggedAt: z.iso.datetime(), beforeEventId: z.uuid() })
      .readonly()
      .nullable()
      .describe('query parameters of the next (older) page; null on the last page'),
  })
  .readonly()
  .meta({ id: 'ViolationFeedPage' });
export type ViolationFeedPage = z.infer<typeof violationFeedPageSchema>;

export function violationFeedItem(record: ViolationRecordEntity): ViolationFeedItem {
  return {
    eventId: record.eventId,
    cameraId: record.cameraId,
    districtId: record.districtId,
    centreId: record.centreId,
    code: record.code as ViolationCodeName,
    plate: record.plate,
    measuredSpeedKmh: record.measuredSpeedKmh,
    limitSpeedKmh: record.limitSpeedKmh,
    evidenceRef: record.evidenceRef,
    lane: record.lane,
    capturedAt: record.capturedAt.toISOString(),
    loggedAt: record.loggedAt.toISOString(),
  };
}

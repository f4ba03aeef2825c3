import { z } from 'zod';
import { ViolationCodeName } from '@kuzet/contracts';
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
export interface ViolationFeedItem {
  readonly eventId: string;
  readonly cameraId: string;
  readonly districtId: string | null;
  readonly centreId: string | null;
  readonly code: ViolationCodeName;
  readonly plate: string;
  readonly measuredSpeedKmh: number | null;
  readonly limitSpeedKmh: number | null;
  readonly evidenceRef: string;
  readonly lane: number | null;
  readonly capturedAt: string;
  readonly loggedAt: string;
}

export interface ViolationFeedPage {
  readonly violations: readonly ViolationFeedItem[];
  /** Query parameters of the next (older) page; null on the last page. */
  readonly next: { readonly beforeLoggedAt: string; readonly beforeEventId: string } | null;
}

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

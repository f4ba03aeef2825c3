import { z } from 'zod';

const DECISIONS = ['acknowledge', 'confirm', 'reject', 'escalate'] as const;
const score = z.coerce.number().min(-1).max(1);
const cursor = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,200}$/)
  .optional();

export const hitFilterSchema = z.strictObject({
  /** Captured at or after, RFC 3339. */
  from: z.iso.datetime({ offset: true }).optional(),
  /** Captured before, RFC 3339. */
  to: z.iso.datetime({ offset: true }).optional(),
  camera_id: z.string().min(1).max(128).optional(),
  district_id: z.string().min(1).max(64).optional(),
  person_id: z.uuid().optional(),
  watchlist_id: z.uuid().optional(),
  /** Username of a staff member who decided on the hit's alert. */
  operator: z.string().min(1).max(64).optional(),
  /** A decision taken on the hit's alert (by `operator` when both are given). */
  decision: z.enum(DECISIONS).optional(),
  min_score: score.optional(),
  max_score: score.optional(),
});
export type HitFilterQuery = z.infer<typeof hitFilterSchema>;

export const hitPageSchema = hitFilterSchema.extend({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  /** next_cursor of the previous page. */
  cursor,
});
export type HitPageQuery = z.infer<typeof hitPageSchema>;

export const auditLogQuerySchema = z.strictObject({
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  actor: z.string().min(1).max(128).optional(),
  action: z.string().min(1).max(128).optional(),
  subject_type: z.string().min(1).max(64).optional(),
  subject_id: z.string().min(1).max(128).optional(),
  /** next_after_seq of the previous page. */
  after_seq: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export type AuditLogQuery = z.infer<typeof auditLogQuerySchema>;

export interface HitRecordDto {
  readonly hit_id: string;
  readonly event_id: string;
  readonly camera_id: string;
  readonly district_id: string | null;
  readonly centre_id: string | null;
  readonly person_id: string;
  readonly person_name: string | null;
  readonly watchlist_id: string;
  readonly watchlist_name: string | null;
  readonly similarity: number;
  readonly threshold: number;
  readonly model_id: string;
  readonly captured_at: string;
  readonly matched_at: string;
  readonly last_seen_at: string;
  readonly sighting_count: number;
  readonly alert_state: string | null;
  readonly last_decision: string | null;
  readonly decided_by: string | null;
  readonly decided_at: string | null;
  readonly decision_reason: string | null;
}

export interface HitPageDto {
  readonly items: HitRecordDto[];
  readonly next_cursor: string | null;
}

export interface TimelineEventDto {
  readonly at: string;
  /** camera_event.captured, camera_event.ingested, sighting, hit.matched, alert.created,
   * decision.<action>, or an audit log action. */
  readonly kind: string;
  /** Who: a username, a service, or null for the camera itself. */
  readonly actor: string | null;
  readonly details: Record<string, unknown>;
}

export interface HitTimelineDto {
  readonly hit: HitRecordDto;
  readonly events: TimelineEventDto[];
}

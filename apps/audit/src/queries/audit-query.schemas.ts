import { z } from 'zod';
import { pageQueryShape } from '@kuzet/http';

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
  /** The operations centre the hit's alert went to (else the camera's centre). */
  centre_id: z.string().min(1).max(64).optional(),
  person_id: z.uuid().optional(),
  /** Part of the enrolled person's name, any case (Cyrillic or Latin). */
  person_name: z
    .string()
    .trim()
    .min(2)
    .max(200)
    .meta({ description: "part of the enrolled person's name, any case" })
    .optional(),
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
  /** Any of these actions, comma separated (e.g. every search, view and export). */
  actions: z
    .string()
    .regex(/^[a-z0-9._-]{1,128}(,[a-z0-9._-]{1,128}){0,31}$/)
    .meta({ description: 'any of these actions, comma separated (up to 32)' })
    .optional(),
  subject_type: z.string().min(1).max(64).optional(),
  subject_id: z.string().min(1).max(128).optional(),
  order: z
    .enum(['asc', 'desc'])
    .default('asc')
    .meta({ description: 'asc: chain order (oldest first); desc: newest first' }),
  ...pageQueryShape,
});
export type AuditLogQuery = z.infer<typeof auditLogQuerySchema>;

const nullableString = () => z.string().nullable();

export const hitRecordDtoSchema = z
  .object({
    hit_id: z.uuid(),
    event_id: z.string(),
    camera_id: z.string(),
    district_id: nullableString(),
    centre_id: nullableString(),
    person_id: z.string(),
    person_name: nullableString(),
    watchlist_id: z.string(),
    watchlist_name: nullableString(),
    similarity: z.number(),
    threshold: z.number(),
    model_id: z.string(),
    captured_at: z.iso.datetime(),
    matched_at: z.iso.datetime(),
    last_seen_at: z.iso.datetime(),
    sighting_count: z.number().int(),
    alert_state: nullableString(),
    last_decision: nullableString(),
    decided_by: nullableString(),
    decided_at: z.iso.datetime().nullable(),
    decision_reason: nullableString(),
    has_face_crop: z
      .boolean()
      .describe('GET /v1/audit/hits/{hitId}/face-crop answers the probe crop (until retention)'),
  })
  .readonly()
  .meta({ id: 'AuditHit' });
export type HitRecordDto = z.infer<typeof hitRecordDtoSchema>;

export const hitPageDtoSchema = z
  .object({ items: z.array(hitRecordDtoSchema), next_cursor: z.string().nullable() })
  .readonly()
  .meta({ id: 'AuditHitPage' });
export type HitPageDto = z.infer<typeof hitPageDtoSchema>;

export const timelineEventDtoSchema = z
  .object({
    at: z.iso.datetime(),
    kind: z
      .string()
      .describe(
        'camera_event.captured, camera_event.ingested, sighting, hit.matched, alert.created, decision.<action>, or an audit log action',
      ),
    actor: z.string().nullable().describe('a username, a service, or null for the camera itself'),
    details: z.record(z.string(), z.unknown()),
  })
  .readonly()
  .meta({ id: 'AuditTimelineEvent' });
export type TimelineEventDto = z.infer<typeof timelineEventDtoSchema>;

export const hitTimelineDtoSchema = z
  .object({ hit: hitRecordDtoSchema, events: z.array(timelineEventDtoSchema) })
  .readonly()
  .meta({ id: 'AuditHitTimeline' });
export type HitTimelineDto = z.infer<typeof hitTimelineDtoSchema>;

export const auditWatchlistDtoSchema = z
  .object({ id: z.uuid(), name: z.string() })
  .readonly()
  .meta({ id: 'AuditWatchlist' });
export const auditWatchlistPageDtoSchema = z
  .object({ items: z.array(auditWatchlistDtoSchema), next_cursor: z.string().nullable() })
  .readonly()
  .meta({ id: 'AuditWatchlistPage' });
export type AuditWatchlistPageDto = z.infer<typeof auditWatchlistPageDtoSchema>;

import { isEvidenceRef } from '@kuzet/evidence';
import { ALERT_KINDS, ALERT_STATES, AlertDecisionEntity, AlertEntity } from '@kuzet/persistence';
import { pageSchema } from '@kuzet/http';
import { z } from 'zod';
import type { AlertLabels, AlertRepository } from './alert.repository';
import { vehicleAlertDetailSchema } from './vehicle-alert';

/** Alerts at or above this priority get the console's sound and flashing cue. */
export const PRIORITY_ALERT_LEVEL = 50;

const nullable = <T extends z.ZodType>(schema: T) => schema.nullable();

export const alertViewSchema = z
  .object({
    id: z.uuid(),
    seq: z.number().int(),
    kind: z.enum(ALERT_KINDS),
    state: z.enum(ALERT_STATES).describe('resolved: closed by kuzet itself (a camera back online)'),
    priority: z.number().int(),
    is_priority: z.boolean().describe('priority at or above the console cue level'),
    centre_id: nullable(z.string()),
    district_id: nullable(z.string()),
    camera_id: z.string(),
    event_id: z.string(),
    person_id: nullable(z.string()),
    watchlist_id: nullable(z.string()),
    similarity: nullable(z.number()),
    threshold: nullable(z.number()),
    has_evidence: z.boolean(),
    message: nullable(z.string()),
    sighting_count: z.number().int(),
    captured_at: z.iso.datetime(),
    last_seen_at: z.iso.datetime(),
    decided_by: nullable(z.string()),
    decided_at: nullable(z.iso.datetime()),
    decision_reason: nullable(z.string()),
    assignee_id: nullable(z.uuid()).describe(
      'the staff user who has the alert: took it (acknowledged) or was given it by a supervisor',
    ),
    assignee: nullable(z.string()).describe('that user’s username'),
    assigned_by: nullable(z.string()),
    assigned_at: nullable(z.iso.datetime()),
    camera_name: nullable(z.string()).describe('from the camera registry'),
    latitude: nullable(z.number()).describe('the camera’s position (WGS 84)'),
    longitude: nullable(z.number()),
    district_name: nullable(z.string()),
    person_name: nullable(z.string()).describe('the listed person of a face hit'),
    list_name: nullable(z.string()).describe('the watchlist, or the vehicle list of a vehicle hit'),
    list_category: nullable(z.string()).describe(
      'the list’s category (wanted, missing, stolen…): the console colours rows by it',
    ),
  })
  .readonly()
  .meta({ id: 'Alert' });
export type AlertView = z.infer<typeof alertViewSchema>;

export const alertPageSchema = pageSchema(alertViewSchema).meta({ id: 'AlertPage' });

/** An operator an alert may be given to. */
export const assigneeViewSchema = z
  .object({ user_id: z.uuid(), username: z.string() })
  .readonly()
  .meta({ id: 'AlertAssignee' });
export type AssigneeView = z.infer<typeof assigneeViewSchema>;
export const assigneePageSchema = pageSchema(assigneeViewSchema).meta({ id: 'AlertAssigneePage' });

export const decisionViewSchema = z
  .object({
    action: z.enum(['acknowledge', 'confirm', 'reject', 'escalate']),
    reason: nullable(z.string()),
    username: z.string(),
    decided_at: z.iso.datetime(),
  })
  .readonly()
  .meta({ id: 'AlertDecision' });
export type DecisionView = z.infer<typeof decisionViewSchema>;

export const alertDetailViewSchema = z
  .object({
    ...alertViewSchema.unwrap().shape,
    person_name: nullable(z.string()),
    case_reference: nullable(z.string()),
    watchlist_name: nullable(z.string()),
    instructions: nullable(z.string()).describe(
      'what to do about this person: their own instructions when set, else the list’s',
    ),
    instructions_source: nullable(z.enum(['person', 'list'])).describe(
      'whose instructions these are; null with no instructions',
    ),
    enrolled_face_ids: z.array(z.uuid()).readonly(),
    decisions: z.array(decisionViewSchema).readonly(),
    earlier_sightings: z.array(alertViewSchema).readonly(),
    /** For vehicle hits: the read, the list entry and the car's last sightings. */
    vehicle: nullable(vehicleAlertDetailSchema),
  })
  .readonly()
  .meta({ id: 'AlertDetail' });
export type AlertDetailView = z.infer<typeof alertDetailViewSchema>;

const NO_LABELS: AlertLabels = {
  cameraName: null,
  latitude: null,
  longitude: null,
  districtName: null,
  personName: null,
  listName: null,
  listCategory: null,
};

/** The alerts as the API and the live feed give them, labelled in one query. */
export async function alertViews(
  repository: Pick<AlertRepository, 'labels'>,
  alerts: readonly AlertEntity[],
): Promise<AlertView[]> {
  const labels = await repository.labels(alerts.map((alert) => alert.id));
  return alerts.map((alert) => alertView(alert, labels.get(alert.id)));
}

export function alertView(alert: AlertEntity, labels: AlertLabels = NO_LABELS): AlertView {
  return {
    id: alert.id,
    seq: alert.seq,
    kind: alert.kind,
    state: alert.state,
    priority: alert.priority,
    is_priority: alert.priority >= PRIORITY_ALERT_LEVEL,
    centre_id: alert.centreId,
    district_id: alert.districtId,
    camera_id: alert.cameraId,
    event_id: alert.eventId,
    person_id: alert.personId,
    watchlist_id: alert.watchlistId,
    similarity: alert.similarity,
    threshold: alert.threshold,
    has_evidence: isEvidenceRef(alert.faceCropRef),
    message: alert.message,
    sighting_count: alert.sightingCount,
    captured_at: alert.capturedAt.toISOString(),
    last_seen_at: alert.lastSeenAt.toISOString(),
    decided_by: alert.decidedBy,
    decided_at: alert.decidedAt?.toISOString() ?? null,
    decision_reason: alert.decisionReason,
    assignee_id: alert.assigneeId,
    assignee: alert.assignee,
    assigned_by: alert.assignedBy,
    assigned_at: alert.assignedAt?.toISOString() ?? null,
    camera_name: labels.cameraName,
    latitude: labels.latitude,
    longitude: labels.longitude,
    district_name: labels.districtName,
    person_name: labels.personName,
    list_name: labels.listName,
    list_category: labels.listCategory,
  };
}

export function decisionView(decision: AlertDecisionEntity): DecisionView {
  return {
    action: decision.action,
    reason: decision.reason,
    username: decision.username,
    decided_at: decision.decidedAt.toISOString(),
  };
}

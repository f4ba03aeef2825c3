import { isEvidenceRef } from '@kuzet/evidence';
import { AlertDecisionEntity, AlertEntity } from '@kuzet/persistence';
import { z } from 'zod';
import { vehicleAlertDetailSchema } from './vehicle-alert';

/** Alerts at or above this priority get the console's sound and flashing cue. */
export const PRIORITY_ALERT_LEVEL = 50;

const nullable = <T extends z.ZodType>(schema: T) => schema.nullable();

export const alertViewSchema = z
  .object({
    id: z.uuid(),
    seq: z.number().int(),
    kind: z.enum(['watchlist_hit', 'alarm', 'vehicle_hit', 'analytics']),
    state: z.enum(['new', 'acknowledged', 'confirmed', 'rejected', 'escalated']),
    priority: z.number().int(),
    isPriority: z.boolean().describe('priority at or above the console cue level'),
    centreId: nullable(z.string()),
    districtId: nullable(z.string()),
    cameraId: z.string(),
    eventId: z.string(),
    personId: nullable(z.string()),
    watchlistId: nullable(z.string()),
    similarity: nullable(z.number()),
    threshold: nullable(z.number()),
    hasEvidence: z.boolean(),
    message: nullable(z.string()),
    sightingCount: z.number().int(),
    capturedAt: z.iso.datetime(),
    lastSeenAt: z.iso.datetime(),
    decidedBy: nullable(z.string()),
    decidedAt: nullable(z.iso.datetime()),
    decisionReason: nullable(z.string()),
  })
  .readonly()
  .meta({ id: 'Alert' });
export type AlertView = z.infer<typeof alertViewSchema>;

export const decisionViewSchema = z
  .object({
    action: z.enum(['acknowledge', 'confirm', 'reject', 'escalate']),
    reason: nullable(z.string()),
    username: z.string(),
    decidedAt: z.iso.datetime(),
  })
  .readonly()
  .meta({ id: 'AlertDecision' });
export type DecisionView = z.infer<typeof decisionViewSchema>;

export const alertDetailViewSchema = z
  .object({
    ...alertViewSchema.unwrap().shape,
    personName: nullable(z.string()),
    caseReference: nullable(z.string()),
    watchlistName: nullable(z.string()),
    enrolledFaceIds: z.array(z.uuid()).readonly(),
    decisions: z.array(decisionViewSchema).readonly(),
    earlierSightings: z.array(alertViewSchema).readonly(),
    /** For vehicle hits: the read, the list entry and the car's last sightings. */
    vehicle: nullable(vehicleAlertDetailSchema),
  })
  .readonly()
  .meta({ id: 'AlertDetail' });
export type AlertDetailView = z.infer<typeof alertDetailViewSchema>;

export function alertView(alert: AlertEntity): AlertView {
  return {
    id: alert.id,
    seq: alert.seq,
    kind: alert.kind,
    state: alert.state,
    priority: alert.priority,
    isPriority: alert.priority >= PRIORITY_ALERT_LEVEL,
    centreId: alert.centreId,
    districtId: alert.districtId,
    cameraId: alert.cameraId,
    eventId: alert.eventId,
    personId: alert.personId,
    watchlistId: alert.watchlistId,
    similarity: alert.similarity,
    threshold: alert.threshold,
    hasEvidence: isEvidenceRef(alert.faceCropRef),
    message: alert.message,
    sightingCount: alert.sightingCount,
    capturedAt: alert.capturedAt.toISOString(),
    lastSeenAt: alert.lastSeenAt.toISOString(),
    decidedBy: alert.decidedBy,
    decidedAt: alert.decidedAt?.toISOString() ?? null,
    decisionReason: alert.decisionReason,
  };
}

export function decisionView(decision: AlertDecisionEntity): DecisionView {
  return {
    action: decision.action,
    reason: decision.reason,
    username: decision.username,
    decidedAt: decision.decidedAt.toISOString(),
  };
}

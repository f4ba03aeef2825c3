import { isEvidenceRef } from '@kuzet/evidence';
import { AlertDecisionEntity, AlertEntity } from '@kuzet/persistence';
import type { VehicleAlertDetail } from './vehicle-alert';

/** Alerts at or above this priority get the console's sound and flashing cue. */
export const PRIORITY_ALERT_LEVEL = 50;

export interface AlertView {
  readonly id: string;
  readonly seq: number;
  readonly kind: AlertEntity['kind'];
  readonly state: AlertEntity['state'];
  readonly priority: number;
  readonly isPriority: boolean;
  readonly centreId: string | null;
  readonly districtId: string | null;
  readonly cameraId: string;
  readonly eventId: string;
  readonly personId: string | null;
  readonly watchlistId: string | null;
  readonly similarity: number | null;
  readonly threshold: number | null;
  readonly hasEvidence: boolean;
  readonly message: string | null;
  readonly sightingCount: number;
  readonly capturedAt: string;
  readonly lastSeenAt: string;
  readonly decidedBy: string | null;
  readonly decidedAt: string | null;
  readonly decisionReason: string | null;
}

export interface AlertDetailView extends AlertView {
  readonly personName: string | null;
  readonly caseReference: string | null;
  readonly watchlistName: string | null;
  readonly enrolledFaceIds: readonly string[];
  readonly decisions: readonly DecisionView[];
  readonly earlierSightings: readonly AlertView[];
  /** For vehicle hits: the read, the list entry and the car's last sightings. */
  readonly vehicle: VehicleAlertDetail | null;
}

export interface DecisionView {
  readonly action: AlertDecisionEntity['action'];
  readonly reason: string | null;
  readonly username: string;
  readonly decidedAt: string;
}

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

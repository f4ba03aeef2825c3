import { HttpStatus, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import {
  AnalyticsType,
  analyticsAlertId,
  analyticsTypeName,
  CameraEvent,
  knownAnalyticsTypeName,
  timestampDate,
  VehicleHit,
  WatchlistHit,
  type AnalyticsDetection,
} from '@kuzet/contracts';
import { StaffPrincipal } from '@kuzet/auth';
import {
  decodeCursor,
  encodeCursor,
  FieldErrorsException,
  Page,
  RequestValidationException,
} from '@kuzet/http';
import { AuditLogService } from '@kuzet/audit-log';
import { EvidenceReader } from '@kuzet/evidence';
import {
  AlertDecisionEntity,
  AlertEntity,
  AlertState,
  DecisionAction,
  TERMINAL_ALERT_STATES,
} from '@kuzet/persistence';
import { effectiveInstructions, LearningService } from '@kuzet/watchlist';
import { VehicleRejections } from '@kuzet/vehicles';
import {
  AlertListRequest,
  AssigneeListRequest,
  AssignmentRequest,
  DecisionRequest,
  RejectionCode,
} from './alert.dto';
import { CentreScopes } from '../scope/centre-scope';
import { AlertRepository } from './alert.repository';
import { AlertDetailView, AlertView, alertViews, AssigneeView, decisionView } from './alert.views';
import {
  vehicleAlertDetail,
  vehicleHitPlate,
  vehicleImageRef,
  VehicleReadPage,
  VehicleReadPageRequest,
  vehicleReads,
} from './vehicle-alert';

const ALARM_PRIORITY = 100;
/** Priorities of analytics detections (SOS alarms: 100): people at risk first. */
export const ANALYTICS_PRIORITY: Readonly<Partial<Record<AnalyticsType, number>>> = {
  [AnalyticsType.INTRUSION]: 70,
  [AnalyticsType.ABANDONED_OBJECT]: 70,
  [AnalyticsType.CROWD]: 60,
  [AnalyticsType.LINE_CROSSING]: 50,
  [AnalyticsType.LOITERING]: 40,
  [AnalyticsType.ILLEGAL_DUMPING]: 30,
};
const UNKNOWN_ANALYTICS_PRIORITY = 20;

/** The name a centre turns a type off by (registry ANALYTICS_SWITCH_TYPES): `other` when unnamed. */
function analyticsSwitchName(type: AnalyticsType): string {
  return knownAnalyticsTypeName(type) ?? 'other';
}

function detectionSummary(d: AnalyticsDetection): string {
  const name = analyticsTypeName(d);
  return [
    name,
    d.objectCount !== undefined ? `count=${d.objectCount}` : '',
    d.zone !== undefined ? `zone=${d.zone}` : '',
  ]
    .filter((s) => s !== '')
    .join(' ');
}
const NEXT_STATE: Record<DecisionAction, AlertState> = {
  acknowledge: 'acknowledged',
  confirm: 'confirmed',
  reject: 'rejected',
  escalate: 'escalated',
};
const ALLOWED_FROM: Record<DecisionAction, readonly AlertState[]> = {
  acknowledge: ['new', 'escalated'],
  confirm: ['new', 'acknowledged', 'escalated'],
  reject: ['new', 'acknowledged', 'escalated'],
  escalate: ['new', 'acknowledged'],
};

/** The 409 for an action the alert's state does not allow, naming who decided it when. */
function stateConflict(alert: AlertEntity, action: string): FieldErrorsException {
  const by = alert.decidedBy ? ` by ${alert.decidedBy}` : '';
  const at = alert.decidedAt ? ` at ${alert.decidedAt.toISOString()}` : '';
  const message = TERMINAL_ALERT_STATES.includes(alert.state)
    ? `alert already ${alert.state}${by}${at}`
    : `cannot ${action} an alert that is ${alert.state}`;
  const params = {
    state: alert.state,
    action,
    decided_by: alert.decidedBy,
    decided_at: alert.decidedAt?.toISOString() ?? null,
  };
  return new FieldErrorsException(
    HttpStatus.CONFLICT,
    [{ field: '$', rule: 'state_conflict', message, params }],
    message,
  );
}

/** The 400 on assignee_id: the user may not be given the alert, and why. */
function notAssignable(rule: string, message: string, params?: Record<string, unknown>) {
  return new FieldErrorsException(HttpStatus.BAD_REQUEST, [
    { field: 'assignee_id', rule, message, ...(params ? { params } : {}) },
  ]);
}

/** The username an assignee page's cursor holds, or the cursor's 400. */
function usernameOfCursor(cursor: string): string {
  const [username] = decodeCursor(cursor, 1);
  if (typeof username === 'string' && username !== '') return username;
  throw new RequestValidationException([
    { field: 'cursor', rule: 'invalid_cursor', message: 'not a cursor this API gave out' },
  ]);
}

/** The seq a page's cursor holds, or the cursor's 400. */
function seqOfCursor(cursor: string): number {
  const [seq] = decodeCursor(cursor, 1);
  if (typeof seq === 'number' && Number.isSafeInteger(seq) && seq > 0) return seq;
  throw new RequestValidationException([
    { field: 'cursor', rule: 'invalid_cursor', message: 'not a cursor this API gave out' },
  ]);
}

export interface Actor {
  readonly userId: string;
  readonly username: string;
}

export const ESCALATION_ACTOR: Actor = { userId: 'system', username: 'escalation-timer' };

/** Alerts from intake to decision. A hit is a lead, not a verdict: nothing leaves this
 * service as confirmed without a person's attributed decision. */
@Injectable()
export class AlertsService {
  private readonly logger = new Logger(AlertsService.name);

  constructor(
    private readonly alerts: AlertRepository,
    private readonly scopes: CentreScopes,
    private readonly audit: AuditLogService,
    private readonly evidenceStore: EvidenceReader,
    private readonly learning: LearningService,
    private readonly vehicleRejections: VehicleRejections,
  ) {}

  async recordHit(hit: WatchlistHit): Promise<void> {
    const routing = await this.route(hit.cameraId);
    const list = await this.alerts.watchlist(hit.watchlistId);
    const capturedAt = hit.capturedAt ? timestampDate(hit.capturedAt) : new Date();
    // a badge's identification: the officer already faces the person; the centre is told
    const badge = hit.officerId !== '';
    await this.alerts.upsert({
      id: hit.hitId,
      kind: badge ? 'badge_identification' : 'watchlist_hit',
      state: 'new',
      priority: list?.priority ?? 0,
      ...routing,
      cameraId: hit.cameraId,
      eventId: hit.eventId,
      personId: hit.personId,
      watchlistId: hit.watchlistId,
      similarity: hit.similarity,
      threshold: hit.threshold,
      faceCropRef: hit.faceCropRef || null,
      // the officer's id, data rather than prose
      message: badge ? hit.officerId : null,
      sightingCount: Math.max(1, hit.sightingCount),
      capturedAt,
      lastSeenAt: hit.lastSeenAt ? timestampDate(hit.lastSeenAt) : capturedAt,
      decidedBy: null,
      decidedAt: null,
      decisionReason: null,
    });
  }

  async recordVehicleHit(hit: VehicleHit): Promise<void> {
    const routing = await this.route(hit.cameraId);
    const capturedAt = hit.capturedAt ? timestampDate(hit.capturedAt) : new Date();
    await this.alerts.upsert({
      id: hit.hitId,
      kind: 'vehicle_hit',
      state: 'new',
      priority: hit.priority,
      ...routing,
      cameraId: hit.cameraId,
      eventId: hit.eventId,
      personId: null,
      watchlistId: hit.listId,
      similarity: hit.confidence,
      threshold: null,
      faceCropRef: null,
      // the plate itself, data rather than prose
      message: hit.plateNormalised,
      sightingCount: Math.max(1, hit.sightingCount),
      capturedAt,
      lastSeenAt: capturedAt,
      decidedBy: null,
      decidedAt: null,
      decisionReason: null,
    });
  }

  async recordAlarm(event: CameraEvent): Promise<void> {
    if (event.payload.case !== 'alarm') return;
    const routing = await this.route(event.cameraId);
    const capturedAt = event.capturedAt ? timestampDate(event.capturedAt) : new Date();
    await this.alerts.upsert({
      id: event.eventId,
      kind: 'alarm',
      state: 'new',
      priority: ALARM_PRIORITY,
      ...routing,
      cameraId: event.cameraId,
      eventId: event.eventId,
      personId: null,
      watchlistId: null,
      similarity: null,
      threshold: null,
      faceCropRef: null,
      message: event.payload.value.message || 'SOS',
      sightingCount: 1,
      capturedAt,
      lastSeenAt: capturedAt,
      decidedBy: null,
      decidedAt: null,
      decisionReason: null,
    });
  }

  /** A scene-analytics detection (dumping, crowd...) for the camera's centre, its priority
   * chosen by its type. */
  async recordDetection(event: CameraEvent): Promise<void> {
    if (event.payload.case !== 'analyticsDetection') return;
    const detection = event.payload.value;
    const routing = await this.route(event.cameraId);
    // the centre may have turned this type off (PUT /v1/centres/:id/analytics)
    if (routing.centreId !== null) {
      const off = await this.scopes.analyticsOff(routing.centreId);
      if (off.includes(analyticsSwitchName(detection.type))) return;
    }
    const capturedAt = event.capturedAt ? timestampDate(event.capturedAt) : new Date();
    await this.alerts.foldDetection({
      id: analyticsAlertId(event.cameraId, detection, capturedAt),
      kind: 'analytics',
      state: 'new',
      priority: ANALYTICS_PRIORITY[detection.type] ?? UNKNOWN_ANALYTICS_PRIORITY,
      ...routing,
      cameraId: event.cameraId,
      eventId: event.eventId,
      personId: null,
      watchlistId: null,
      similarity: detection.confidence,
      threshold: null,
      faceCropRef: null,
      // data, not prose: the type's name, the count and the zone the device reported
      message: detectionSummary(detection),
      sightingCount: 1,
      capturedAt,
      lastSeenAt: capturedAt,
      decidedBy: null,
      decidedAt: null,
      decisionReason: null,
    });
  }

  /** A page of alerts, newest change first. A search by name is a sensitive read: audited
   * with the filters (not the answer) before the rows are returned. */
  async list(user: StaffPrincipal, request: AlertListRequest): Promise<Page<AlertView>> {
    const beforeSeq = request.cursor === undefined ? undefined : seqOfCursor(request.cursor);
    if (request.person_name !== undefined || request.person_id !== undefined)
      await this.audit.append({
        actor: user.username,
        action: 'alert.searched',
        subjectType: 'alert',
        subjectId: request.person_id ?? '*',
        details: {
          userId: user.userId,
          personId: request.person_id ?? null,
          personName: request.person_name ?? null,
        },
      });
    const rows = await this.alerts.list(this.scopes.of(user), {
      states: request.state,
      kinds: request.kind,
      cameraId: request.camera_id,
      personId: request.person_id,
      personName: request.person_name,
      capturedFrom: request.captured_from ? new Date(request.captured_from) : undefined,
      capturedTo: request.captured_to ? new Date(request.captured_to) : undefined,
      limit: request.limit + 1,
      beforeSeq,
    });
    const items = rows.slice(0, request.limit);
    return {
      items: await alertViews(this.alerts, items),
      next_cursor:
        rows.length > request.limit ? encodeCursor([items[items.length - 1]!.seq]) : null,
    };
  }

  async changedSince(user: StaffPrincipal, afterSeq: number, limit = 500): Promise<AlertView[]> {
    return alertViews(
      this.alerts,
      await this.alerts.changedSince(afterSeq, limit, this.scopes.of(user)),
    );
  }

  /** Who looked at which alert is part of the audit trail. */
  async detail(user: StaffPrincipal, id: string): Promise<AlertDetailView> {
    const alert = await this.visible(user, id);
    await this.audit.append({
      actor: user.username,
      action: 'alert.viewed',
      subjectType: 'alert',
      subjectId: id,
    });
    const vehicle = alert.kind === 'vehicle_hit';
    const [person, list, decisions, earlier, faceIds, vehicleDetail] = await Promise.all([
      alert.personId ? this.alerts.person(alert.personId) : null,
      alert.watchlistId && !vehicle ? this.alerts.watchlist(alert.watchlistId) : null,
      this.alerts.decisions(id),
      alert.personId
        ? this.alerts.earlierSightings(alert.personId, id, this.scopes.of(user), 10)
        : [],
      alert.personId ? this.alerts.enrolledFaceIds(alert.personId) : [],
      vehicle ? vehicleAlertDetail(this.alerts.dataSource, id) : null,
    ]);
    const [self, ...earlierViews] = await alertViews(this.alerts, [alert, ...earlier]);
    const effective = effectiveInstructions(person, list);
    return {
      ...self!,
      person_name: person?.fullName ?? null,
      case_reference: person?.caseReference ?? null,
      watchlist_name: list?.name ?? null,
      instructions: effective.instructions,
      instructions_source: effective.source,
      enrolled_face_ids: faceIds,
      decisions: decisions.map(decisionView),
      earlier_sightings: earlierViews,
      vehicle: vehicleDetail,
    };
  }

  /** Face images are audited one entry per fetch, written before the bytes are returned: if the
   * entry cannot be written, the read fails. */
  async evidence(user: StaffPrincipal, id: string): Promise<Buffer> {
    const alert = await this.visible(user, id);
    const jpeg = alert.faceCropRef ? await this.evidenceStore.get(alert.faceCropRef) : null;
    if (!jpeg)
      throw new NotFoundException(
        `alert ${id} has no face crop (none sent, or purged after retention)`,
      );
    await this.audit.append({
      actor: user.username,
      action: 'alert.face-crop-viewed',
      subjectType: 'alert',
      subjectId: id,
      details: {
        userId: user.userId,
        faceCropRef: alert.faceCropRef,
        personId: alert.personId,
        cameraId: alert.cameraId,
      },
    });
    return jpeg;
  }

  /** A vehicle hit's plate crop or overview image; audited like face crops, before the bytes. */
  async vehicleImage(
    user: StaffPrincipal,
    id: string,
    image: 'plate-crop' | 'overview',
  ): Promise<Buffer> {
    const alert = await this.visible(user, id);
    const ref =
      alert.kind === 'vehicle_hit'
        ? await vehicleImageRef(this.alerts.dataSource, id, image)
        : null;
    const jpeg = ref ? await this.evidenceStore.get(ref) : null;
    if (!jpeg)
      throw new NotFoundException(
        `alert ${id} has no ${image} image (none sent, or purged after retention)`,
      );
    await this.audit.append({
      actor: user.username,
      action: 'alert.vehicle-image-viewed',
      subjectType: 'alert',
      subjectId: id,
      details: { userId: user.userId, image, ref, cameraId: alert.cameraId },
    });
    return jpeg;
  }

  /** The listed car's stored reads, newest first (the card's "last sightings", paged). */
  async vehicleReads(
    user: StaffPrincipal,
    id: string,
    request: VehicleReadPageRequest,
  ): Promise<VehicleReadPage> {
    const alert = await this.visible(user, id);
    const plate =
      alert.kind === 'vehicle_hit' ? await vehicleHitPlate(this.alerts.dataSource, id) : null;
    if (!plate) throw new NotFoundException(`alert ${id} is not a vehicle hit`);
    const page = await vehicleReads(this.alerts.dataSource, plate, request);
    await this.audit.append({
      actor: user.username,
      action: 'alert.vehicle-reads-viewed',
      subjectType: 'alert',
      subjectId: id,
      details: { userId: user.userId, reads: page.items.length },
    });
    return page;
  }

  async enrolledPhoto(user: StaffPrincipal, id: string, faceId: string): Promise<Buffer> {
    const alert = await this.visible(user, id);
    const jpeg = alert.personId
      ? await this.alerts.enrolledThumbnail(alert.personId, faceId)
      : null;
    if (!jpeg || !alert.personId)
      throw new NotFoundException(
        `face ${faceId} is not an enrolled photo of alert ${id}'s person`,
      );
    await this.audit.append({
      actor: user.username,
      action: 'alert.enrolled-face-viewed',
      subjectType: 'person',
      subjectId: alert.personId,
      details: { userId: user.userId, alertId: id, faceId, watchlistId: alert.watchlistId },
    });
    return jpeg;
  }

  /** The first decision wins: the row is locked, so a second operator acting at the same
   * moment waits and is then told who decided what. */
  async decide(user: StaffPrincipal, id: string, request: DecisionRequest): Promise<AlertView> {
    const alert = this.visibleTo(user, await this.found(id));
    const code = request.reason_code;
    // a camera offline alert is seen, escalated or dismissed; kuzet resolves it when the camera
    // is back, and there is nothing to dispatch a patrol to
    if (alert.kind === 'camera_offline' && request.action === 'confirm')
      throw new FieldErrorsException(HttpStatus.BAD_REQUEST, [
        {
          field: 'action',
          rule: 'alert_kind',
          message:
            'a camera offline alert is not confirmed: it is resolved when the camera is back',
          params: { kind: alert.kind },
        },
      ]);
    const fits = { not_this_person: 'watchlist_hit', not_this_car: 'vehicle_hit' } as const;
    if (code && alert.kind !== fits[code])
      throw new FieldErrorsException(HttpStatus.BAD_REQUEST, [
        {
          field: 'reason_code',
          rule: 'alert_kind',
          message: `${code} is for ${fits[code]} alerts, this one is ${alert.kind}`,
          params: { kind: alert.kind },
        },
      ]);
    const reason = request.reason ? request.reason : (code ?? null);
    return this.apply(id, request.action, reason, user, code);
  }

  async escalateOverdue(olderThan: Date): Promise<number> {
    let escalated = 0;
    for (const alert of await this.alerts.overdue(olderThan, 100)) {
      try {
        await this.apply(alert.id, 'escalate', 'not acknowledged in time', ESCALATION_ACTOR);
        escalated += 1;
      } catch (error) {
        if (!(error instanceof FieldErrorsException && error.getStatus() === HttpStatus.CONFLICT))
          throw error;
      }
    }
    if (escalated > 0)
      this.logger.warn({ escalated }, 'unacknowledged alerts escalated to supervisors');
    return escalated;
  }

  private async apply(
    id: string,
    action: DecisionAction,
    reason: string | null,
    actor: Actor,
    reasonCode?: RejectionCode,
  ): Promise<AlertView> {
    const { saved, negativeOf, rejectedEntry } = await this.alerts.transaction(async (manager) => {
      const alert = await this.alerts.lockById(id, manager);
      if (!alert) throw new NotFoundException(`alert ${id} does not exist`);
      if (!ALLOWED_FROM[action].includes(alert.state)) throw stateConflict(alert, action);
      const now = new Date();
      alert.state = NEXT_STATE[action];
      alert.decidedBy = actor.username;
      alert.decidedAt = now;
      alert.decisionReason = reason;
      if (action === 'acknowledge') {
        // whoever takes it has it (the operator's "mine" queue)
        alert.assigneeId = actor.userId;
        alert.assignee = actor.username;
        alert.assignedBy = actor.username;
        alert.assignedAt = now;
      } else if (action === 'escalate') {
        // handed up: nobody has it until a supervisor gives it to someone
        alert.assigneeId = alert.assignee = alert.assignedBy = alert.assignedAt = null;
      }
      await manager.save(alert);
      await manager.insert(AlertDecisionEntity, {
        id: randomUUID(),
        alertId: id,
        action,
        reason,
        userId: actor.userId,
        username: actor.username,
        decidedAt: now,
      });
      await this.audit.append(
        {
          actor: actor.username,
          action: `alert.${action}`,
          subjectType: 'alert',
          subjectId: id,
          details: {
            state: alert.state,
            reason,
            ...(reasonCode ? { reasonCode } : {}),
            kind: alert.kind,
            cameraId: alert.cameraId,
            personId: alert.personId,
          },
        },
        manager,
      );
      // "not this person": the probe becomes a negative example of the person, in this transaction
      const negativeOf =
        action === 'reject' && reasonCode === 'not_this_person'
          ? await this.learning.negativeFromRejection(alert, actor.username, manager)
          : null;
      // "not this car": a confusion or edit read stops matching the entry
      const rejectedEntry =
        action === 'reject' && reasonCode === 'not_this_car'
          ? await this.vehicleRejections.rejectFromHit(id, actor.username, manager)
          : null;
      const saved = (await this.alerts.findById(id, manager)) ?? alert;
      return { saved, negativeOf, rejectedEntry };
    });
    // after the commit, like every list change: the matchers take it from the topic
    if (negativeOf) await this.learning.republish([negativeOf]);
    if (rejectedEntry) await this.vehicleRejections.republish(rejectedEntry);
    return (await alertViews(this.alerts, [saved]))[0]!;
  }

  /** The operators an alert may be given to: active operators of its centre, by username. */
  async assignees(
    user: StaffPrincipal,
    id: string,
    request: AssigneeListRequest,
  ): Promise<Page<AssigneeView>> {
    const alert = await this.visible(user, id);
    if (alert.centreId === null) return { items: [], next_cursor: null };
    const after = request.cursor === undefined ? undefined : usernameOfCursor(request.cursor);
    const rows = await this.alerts.operatorsOf(alert.centreId, request.limit + 1, after);
    const items = rows.slice(0, request.limit);
    return {
      items: items.map((u) => ({ user_id: u.id, username: u.username })),
      next_cursor:
        rows.length > request.limit ? encodeCursor([items[items.length - 1]!.username]) : null,
    };
  }

  /** A supervisor gives an open alert (an escalation waiting, mostly) to an active operator of
   * the alert's centre: the operator has it, acknowledged, in their "mine" queue; audited, and
   * pushed to every console by the seq the change bumps. */
  async assign(user: StaffPrincipal, id: string, request: AssignmentRequest): Promise<AlertView> {
    this.visibleTo(user, await this.found(id));
    const saved = await this.alerts.transaction(async (manager) => {
      const alert = await this.alerts.lockById(id, manager);
      if (!alert) throw new NotFoundException(`alert ${id} does not exist`);
      if (TERMINAL_ALERT_STATES.includes(alert.state)) throw stateConflict(alert, 'assign');
      const assignee = await this.alerts.staffUser(request.assignee_id, manager);
      if (!assignee)
        throw notAssignable('assignee_unknown', `no staff user ${request.assignee_id}`);
      if (!assignee.roles.includes('operator'))
        throw notAssignable('assignee_role', `${assignee.username} is not an operator`);
      if (assignee.status !== 'active')
        throw notAssignable('assignee_inactive', `${assignee.username} is disabled`);
      if (alert.centreId === null || !assignee.centreIds.includes(alert.centreId))
        throw notAssignable(
          'assignee_centre',
          `${assignee.username} is not an operator of the alert's centre`,
          { centre_id: alert.centreId },
        );
      const previous = { assigneeId: alert.assigneeId, state: alert.state };
      alert.state = 'acknowledged';
      alert.assigneeId = assignee.id;
      alert.assignee = assignee.username;
      alert.assignedBy = user.username;
      alert.assignedAt = new Date();
      await manager.save(alert);
      await this.audit.append(
        {
          actor: user.username,
          action: 'alert.assigned',
          subjectType: 'alert',
          subjectId: id,
          details: {
            userId: user.userId,
            assigneeId: assignee.id,
            assignee: assignee.username,
            previousAssigneeId: previous.assigneeId,
            fromState: previous.state,
            state: alert.state,
            reason: request.reason || null,
            centreId: alert.centreId,
          },
        },
        manager,
      );
      return (await this.alerts.findById(id, manager)) ?? alert;
    });
    return (await alertViews(this.alerts, [saved]))[0]!;
  }

  private async route(
    cameraId: string,
  ): Promise<Pick<AlertEntity, 'centreId' | 'parentCentreId' | 'districtId'>> {
    const route = await this.scopes.routeOfCamera(cameraId);
    if (!route) {
      this.logger.warn(
        { cameraId },
        'alert from a camera the registry does not know: routed to supervisors',
      );
      return { centreId: null, parentCentreId: null, districtId: null };
    }
    return route;
  }

  private async found(id: string): Promise<AlertEntity> {
    const alert = await this.alerts.findById(id);
    if (!alert) throw new NotFoundException(`alert ${id} does not exist`);
    return alert;
  }

  private async visible(user: StaffPrincipal, id: string): Promise<AlertEntity> {
    return this.visibleTo(user, await this.found(id));
  }

  private visibleTo(user: StaffPrincipal, alert: AlertEntity): AlertEntity {
    // the same answer as for an alert that does not exist: no probing other centres' alerts
    if (!this.scopes.admits(user, alert))
      throw new NotFoundException(`alert ${alert.id} does not exist`);
    return alert;
  }
}

import { HttpStatus, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AuditLogService } from '@kuzet/audit-log';
import { StaffPrincipal } from '@kuzet/auth';
import { decodeCursor, encodeCursor, FieldErrorsException, Page } from '@kuzet/http';
import { AlertEntity } from '@kuzet/persistence';
import { CentreScopes } from '../scope/centre-scope';
import {
  OutcomeEntryRow,
  OutcomeRepository,
  OverdueRow,
  PatrolUnitRow,
} from './outcome.repository';
import {
  AlertOutcomeView,
  CreatePatrolUnitRequest,
  OutcomeEntryRequest,
  OutcomeEntryView,
  OutcomeStep,
  OverdueOutcomeView,
  OverdueQuery,
  PatrolUnitQuery,
  PatrolUnitView,
  UpdatePatrolUnitRequest,
} from './outcome.schemas';

/** How far ahead of this server's clock a step's time may be (the operator's clock). */
const CLOCK_SKEW_MS = 60_000;

export const OUTCOME_TIMER_ACTOR = 'outcome-timer';

function entryView(row: OutcomeEntryRow, superseded: boolean): OutcomeEntryView {
  return {
    id: row.id,
    step: row.step,
    unit_id: row.unit_id,
    unit_call_sign: row.call_sign ?? row.unit_text,
    outcome: row.outcome,
    note: row.note,
    occurred_at: row.occurred_at.toISOString(),
    recorded_at: row.recorded_at.toISOString(),
    recorded_by: row.username,
    corrects: row.corrects,
    superseded,
  };
}

function unitView(row: PatrolUnitRow): PatrolUnitView {
  return {
    id: row.id,
    centre_id: row.centre_id,
    call_sign: row.call_sign,
    active: row.active,
    created_by: row.created_by,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

function overdueView(row: OverdueRow): OverdueOutcomeView {
  return {
    alert_id: row.alert_id,
    kind: row.kind,
    centre_id: row.centre_id,
    district_id: row.district_id,
    camera_id: row.camera_id,
    confirmed_at: row.confirmed_at.toISOString(),
    confirmed_by: row.confirmed_by,
    flagged_at: row.flagged_at.toISOString(),
  };
}

const secondsBetween = (from: Date | null, to: Date | null): number | null =>
  from && to ? Math.round((to.getTime() - from.getTime()) / 1000) : null;

/** The current state of each step: its latest entry (a correction is recorded later than
 * what it corrects). */
export function currentSteps(
  rows: readonly OutcomeEntryRow[],
): Record<OutcomeStep, OutcomeEntryRow | null> {
  const current: Record<OutcomeStep, OutcomeEntryRow | null> = {
    dispatch: null,
    arrival: null,
    outcome: null,
  };
  for (const row of rows) current[row.step] = row;
  return current;
}

function refuse(status: HttpStatus, field: string, rule: string, message: string): never {
  throw new FieldErrorsException(status, [{ field, rule, message }], message);
}

/** Dispatch, arrival and outcome of confirmed alerts; the centres' patrol units; the flag on
 * confirmed alerts nobody closed. Every change is an audit-chain entry in the same
 * transaction as the change. */
@Injectable()
export class OutcomesService {
  private readonly logger = new Logger(OutcomesService.name);

  constructor(
    private readonly outcomes: OutcomeRepository,
    private readonly scopes: CentreScopes,
    private readonly audit: AuditLogService,
  ) {}

  async outcomeOf(user: StaffPrincipal, alertId: string): Promise<AlertOutcomeView> {
    const alert = await this.visible(user, alertId);
    return this.view(alert);
  }

  async record(
    user: StaffPrincipal,
    alertId: string,
    request: OutcomeEntryRequest,
  ): Promise<AlertOutcomeView> {
    await this.visible(user, alertId);
    await this.outcomes.transaction(async (manager) => {
      // the alert row locked: two operators recording at once are put in order
      const alert = (
        await manager.query(`SELECT * FROM alert WHERE id = $1 FOR UPDATE`, [alertId])
      )[0] as
        | {
            state: string;
            decided_at: Date | null;
            centre_id: string | null;
            parent_centre_id: string | null;
          }
        | undefined;
      if (!alert) throw new NotFoundException(`alert ${alertId} does not exist`);
      if (alert.state !== 'confirmed' || !alert.decided_at) {
        const message = `an alert that is ${alert.state} has no dispatch or outcome: confirm it first`;
        throw new FieldErrorsException(
          HttpStatus.CONFLICT,
          [{ field: '$', rule: 'state_conflict', message, params: { state: alert.state } }],
          message,
        );
      }
      const rows = await this.outcomes.entries(alertId, manager);
      const current = currentSteps(rows);
      const now = new Date();
      const occurredAt = request.occurred_at ? new Date(request.occurred_at) : now;
      if (occurredAt.getTime() > now.getTime() + CLOCK_SKEW_MS)
        refuse(HttpStatus.BAD_REQUEST, 'occurred_at', 'not_in_future', 'is in the future');
      if (occurredAt < alert.decided_at)
        refuse(
          HttpStatus.BAD_REQUEST,
          'occurred_at',
          'after_confirm',
          `is before the alert was confirmed (${alert.decided_at.toISOString()})`,
        );
      if (request.corrects !== undefined) {
        const corrected = current[request.step];
        if (!corrected || corrected.id !== request.corrects)
          refuse(
            HttpStatus.CONFLICT,
            'corrects',
            'not_current',
            `only the current ${request.step} entry of this alert can be corrected`,
          );
      } else if (current[request.step]) {
        refuse(
          HttpStatus.CONFLICT,
          'step',
          'already_recorded',
          `the ${request.step} is recorded already: send a correction naming it`,
        );
      }
      if (request.step === 'arrival') {
        if (!current.dispatch)
          refuse(HttpStatus.CONFLICT, 'step', 'dispatch_first', 'no unit was dispatched yet');
        if (occurredAt < current.dispatch.occurred_at)
          refuse(
            HttpStatus.BAD_REQUEST,
            'occurred_at',
            'after_dispatch',
            `is before the dispatch (${current.dispatch.occurred_at.toISOString()})`,
          );
      }
      if (request.unit_id !== undefined) {
        const unit = await this.outcomes.unit(request.unit_id, manager);
        // a unit of the alert's centre, or of the main centre above it
        const serves =
          alert.centre_id === null ||
          unit?.centre_id === alert.centre_id ||
          unit?.centre_id === alert.parent_centre_id;
        if (!unit || !unit.active || !serves)
          refuse(
            HttpStatus.BAD_REQUEST,
            'unit_id',
            'unit_unknown',
            "not an active patrol unit of the alert's centre",
          );
      }
      const id = randomUUID();
      await this.outcomes.insertEntry(manager, {
        id,
        alert_id: alertId,
        step: request.step,
        unit_id: request.unit_id ?? null,
        unit_text: request.unit_text ?? null,
        outcome: request.outcome ?? null,
        note: request.note ?? null,
        occurred_at: occurredAt,
        user_id: user.userId,
        username: user.username,
        corrects: request.corrects ?? null,
      });
      await this.outcomes.touchAlert(manager, alertId);
      await this.audit.append(
        {
          actor: user.username,
          action: request.corrects ? `alert.${request.step}-corrected` : `alert.${request.step}`,
          subjectType: 'alert',
          subjectId: alertId,
          details: {
            entryId: id,
            userId: user.userId,
            unitId: request.unit_id ?? null,
            unitText: request.unit_text ?? null,
            outcome: request.outcome ?? null,
            note: request.note ?? null,
            occurredAt: occurredAt.toISOString(),
            corrects: request.corrects ?? null,
          },
        },
        manager,
      );
    });
    return this.view(await this.visible(user, alertId));
  }

  /** Confirmed alerts without an outcome since before `confirmedBefore` get flagged, once. */
  async flagOverdue(confirmedBefore: Date, limit = 200): Promise<number> {
    let flagged = 0;
    for (const row of await this.outcomes.dueForFlag(confirmedBefore, limit)) {
      const done = await this.outcomes.transaction(async (manager) => {
        if (!(await this.outcomes.flag(manager, row.alert_id, new Date()))) return false;
        await this.outcomes.touchAlert(manager, row.alert_id);
        await this.audit.append(
          {
            actor: OUTCOME_TIMER_ACTOR,
            action: 'alert.outcome-overdue',
            subjectType: 'alert',
            subjectId: row.alert_id,
            details: {
              centreId: row.centre_id,
              confirmedAt: row.confirmed_at.toISOString(),
              confirmedBy: row.confirmed_by,
            },
          },
          manager,
        );
        return true;
      });
      if (done) flagged += 1;
    }
    if (flagged > 0) this.logger.warn({ flagged }, 'confirmed alerts without an outcome flagged');
    return flagged;
  }

  async overdue(user: StaffPrincipal, query: OverdueQuery): Promise<Page<OverdueOutcomeView>> {
    const scope = this.scopes.of(user);
    const after =
      query.cursor === undefined
        ? undefined
        : (([flaggedAt, alertId]) => ({ flaggedAt: String(flaggedAt), alertId: String(alertId) }))(
            decodeCursor(query.cursor, 2),
          );
    const rows = await this.outcomes.overdue(
      scope.centreIds,
      scope.includeUnrouted,
      after,
      query.limit + 1,
    );
    const items = rows.slice(0, query.limit).map(overdueView);
    const last = items[items.length - 1];
    return {
      items,
      next_cursor:
        rows.length > query.limit && last ? encodeCursor([last.flagged_at, last.alert_id]) : null,
    };
  }

  async units(
    user: StaffPrincipal,
    centreId: string,
    query: PatrolUnitQuery,
  ): Promise<Page<PatrolUnitView>> {
    await this.centreOf(user, centreId);
    const after = query.cursor === undefined ? undefined : String(decodeCursor(query.cursor, 1)[0]);
    const rows = await this.outcomes.units(
      centreId,
      query.include_inactive,
      after,
      query.limit + 1,
    );
    const items = rows.slice(0, query.limit).map(unitView);
    const last = items[items.length - 1];
    return {
      items,
      next_cursor: rows.length > query.limit && last ? encodeCursor([last.call_sign]) : null,
    };
  }

  async createUnit(
    user: StaffPrincipal,
    centreId: string,
    request: CreatePatrolUnitRequest,
  ): Promise<PatrolUnitView> {
    await this.centreOf(user, centreId);
    return this.outcomes.transaction(async (manager) => {
      const row = await this.outcomes.insertUnit(manager, {
        id: randomUUID(),
        centre_id: centreId,
        call_sign: request.call_sign,
        created_by: user.username,
      });
      if (!row) throw this.callSignTaken(request.call_sign, centreId);
      await this.audit.append(
        {
          actor: user.username,
          action: 'patrol-unit.created',
          subjectType: 'patrol-unit',
          subjectId: row.id,
          details: { centreId, callSign: row.call_sign },
        },
        manager,
      );
      return unitView(row);
    });
  }

  async updateUnit(
    user: StaffPrincipal,
    id: string,
    request: UpdatePatrolUnitRequest,
  ): Promise<PatrolUnitView> {
    const before = await this.outcomes.unit(id);
    if (!before) throw new NotFoundException(`patrol unit ${id} does not exist`);
    await this.centreOf(user, before.centre_id, `patrol unit ${id} does not exist`);
    try {
      return await this.outcomes.transaction(async (manager) => {
        const row = (await this.outcomes.updateUnit(manager, id, request))!;
        await this.audit.append(
          {
            actor: user.username,
            action: 'patrol-unit.updated',
            subjectType: 'patrol-unit',
            subjectId: id,
            details: {
              before: { callSign: before.call_sign, active: before.active },
              after: { callSign: row.call_sign, active: row.active },
            },
          },
          manager,
        );
        return unitView(row);
      });
    } catch (error) {
      if ((error as { driverError?: { code?: string } }).driverError?.code === '23505')
        throw this.callSignTaken(request.call_sign ?? '', before.centre_id);
      throw error;
    }
  }

  private callSignTaken(callSign: string, centreId: string): FieldErrorsException {
    const message = `centre ${centreId} has a unit ${callSign} already`;
    return new FieldErrorsException(
      HttpStatus.CONFLICT,
      [{ field: 'call_sign', rule: 'conflict', message }],
      message,
    );
  }

  /** A centre the user works in (or a district centre below it); system administrators may
   * manage any centre's units. Others: 404, as for a centre that does not exist. */
  private async centreOf(user: StaffPrincipal, centreId: string, notFound?: string) {
    const message = notFound ?? `centre ${centreId} does not exist`;
    if (!(await this.outcomes.centreExists(centreId))) throw new NotFoundException(message);
    if (user.roles.includes('system-admin')) return;
    const route = await this.scopes.routeOfCentre(centreId);
    if (!this.scopes.admits(user, route)) throw new NotFoundException(message);
  }

  private async view(alert: AlertEntity): Promise<AlertOutcomeView> {
    const [rows, flaggedAt] = await Promise.all([
      this.outcomes.entries(alert.id),
      this.outcomes.flaggedAt(alert.id),
    ]);
    const current = currentSteps(rows);
    const currentIds = new Set(Object.values(current).map((row) => row?.id));
    const confirmedAt = alert.state === 'confirmed' ? alert.decidedAt : null;
    const dispatchAt = current.dispatch?.occurred_at ?? null;
    const arrivalAt = current.arrival?.occurred_at ?? null;
    const view = (row: OutcomeEntryRow | null) => (row ? entryView(row, false) : null);
    return {
      alert_id: alert.id,
      state: alert.state,
      centre_id: alert.centreId,
      confirmed_at: confirmedAt?.toISOString() ?? null,
      confirmed_by: alert.state === 'confirmed' ? alert.decidedBy : null,
      dispatch: view(current.dispatch),
      arrival: view(current.arrival),
      outcome: view(current.outcome),
      overdue_flagged_at: current.outcome ? null : (flaggedAt?.toISOString() ?? null),
      confirm_to_dispatch_s: secondsBetween(confirmedAt, dispatchAt),
      dispatch_to_arrival_s: secondsBetween(dispatchAt, arrivalAt),
      confirm_to_arrival_s: secondsBetween(confirmedAt, arrivalAt),
      entries: rows.map((row) => entryView(row, !currentIds.has(row.id))),
    };
  }

  private async visible(user: StaffPrincipal, id: string): Promise<AlertEntity> {
    const alert = await this.outcomes.dataSource.getRepository(AlertEntity).findOneBy({ id });
    // the same answer as for an alert that does not exist: no probing other centres' alerts
    if (!alert || !this.scopes.admits(user, alert))
      throw new NotFoundException(`alert ${id} does not exist`);
    return alert;
  }
}

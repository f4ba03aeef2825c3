import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Outcome, OutcomeStep } from './outcome.schemas';

export interface OutcomeEntryRow {
  readonly id: string;
  readonly alert_id: string;
  readonly step: OutcomeStep;
  readonly unit_id: string | null;
  readonly unit_text: string | null;
  readonly call_sign: string | null;
  readonly outcome: Outcome | null;
  readonly note: string | null;
  readonly occurred_at: Date;
  readonly recorded_at: Date;
  readonly user_id: string;
  readonly username: string;
  readonly corrects: string | null;
}

export interface PatrolUnitRow {
  readonly id: string;
  readonly centre_id: string;
  readonly call_sign: string;
  readonly active: boolean;
  readonly created_by: string;
  readonly created_at: Date;
  readonly updated_at: Date;
}

export interface OverdueRow {
  readonly alert_id: string;
  readonly kind: 'watchlist_hit' | 'alarm' | 'vehicle_hit' | 'analytics';
  readonly centre_id: string | null;
  readonly parent_centre_id: string | null;
  readonly district_id: string | null;
  readonly camera_id: string;
  readonly confirmed_at: Date;
  readonly confirmed_by: string | null;
  readonly flagged_at: Date;
}

/** All SQL of dispatch, arrival and outcome. alert_outcome_entry is append-only (a trigger
 * refuses UPDATE): the current state is read from it, never stored. */
@Injectable()
export class OutcomeRepository {
  constructor(@InjectDataSource() readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  async entries(alertId: string, manager?: EntityManager): Promise<OutcomeEntryRow[]> {
    return (manager ?? this.dataSource).query(
      `SELECT e.*, u.call_sign FROM alert_outcome_entry e
         LEFT JOIN patrol_unit u ON u.id = e.unit_id
       WHERE e.alert_id = $1 ORDER BY e.recorded_at, e.id`,
      [alertId],
    );
  }

  async insertEntry(
    manager: EntityManager,
    row: Omit<OutcomeEntryRow, 'recorded_at' | 'call_sign'>,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO alert_outcome_entry
         (id, alert_id, step, unit_id, unit_text, outcome, note, occurred_at, user_id, username, corrects)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        row.id,
        row.alert_id,
        row.step,
        row.unit_id,
        row.unit_text,
        row.outcome,
        row.note,
        row.occurred_at,
        row.user_id,
        row.username,
        row.corrects,
      ],
    );
  }

  /** Touches the alert so that its seq moves and the live feed sends it again. */
  async touchAlert(manager: EntityManager, alertId: string): Promise<void> {
    await manager.query(`UPDATE alert SET updated_at = now() WHERE id = $1`, [alertId]);
  }

  async flaggedAt(alertId: string): Promise<Date | null> {
    const rows: Array<{ flagged_at: Date }> = await this.dataSource.query(
      `SELECT flagged_at FROM alert_outcome_flag WHERE alert_id = $1`,
      [alertId],
    );
    return rows[0]?.flagged_at ?? null;
  }

  /** Confirmed before `confirmedBefore`, no outcome entry, not flagged yet. */
  async dueForFlag(confirmedBefore: Date, limit: number): Promise<OverdueRow[]> {
    return this.dataSource.query(
      `SELECT a.id AS alert_id, a.kind, a.centre_id, a.parent_centre_id, a.district_id, a.camera_id,
              a.decided_at AS confirmed_at, a.decided_by AS confirmed_by, now() AS flagged_at
         FROM alert a
        WHERE a.state = 'confirmed' AND a.decided_at < $1
          AND NOT EXISTS (SELECT 1 FROM alert_outcome_flag f WHERE f.alert_id = a.id)
          AND NOT EXISTS (SELECT 1 FROM alert_outcome_entry e
                           WHERE e.alert_id = a.id AND e.step = 'outcome')
        ORDER BY a.decided_at LIMIT $2`,
      [confirmedBefore, limit],
    );
  }

  /** true when this call set the flag (another instance may have been first). */
  async flag(manager: EntityManager, alertId: string, at: Date): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `INSERT INTO alert_outcome_flag (alert_id, flagged_at) VALUES ($1, $2)
       ON CONFLICT (alert_id) DO NOTHING RETURNING alert_id`,
      [alertId, at],
    );
    return rows.length > 0;
  }

  /** Flagged alerts still without an outcome, in the given centres, oldest flag first. */
  async overdue(
    centreIds: readonly string[],
    includeUnrouted: boolean,
    after: { flaggedAt: string; alertId: string } | undefined,
    limit: number,
  ): Promise<OverdueRow[]> {
    return this.dataSource.query(
      `SELECT a.id AS alert_id, a.kind, a.centre_id, a.parent_centre_id, a.district_id, a.camera_id,
              a.decided_at AS confirmed_at, a.decided_by AS confirmed_by, f.flagged_at
         FROM alert_outcome_flag f JOIN alert a ON a.id = f.alert_id
        WHERE NOT EXISTS (SELECT 1 FROM alert_outcome_entry e
                           WHERE e.alert_id = a.id AND e.step = 'outcome')
          AND (a.centre_id = ANY($1) OR a.parent_centre_id = ANY($1)
               OR ($2 AND a.centre_id IS NULL))
          AND ($3::timestamptz IS NULL OR (f.flagged_at, a.id) > ($3::timestamptz, $4::uuid))
        ORDER BY f.flagged_at, a.id LIMIT $5`,
      [centreIds, includeUnrouted, after?.flaggedAt ?? null, after?.alertId ?? null, limit],
    );
  }

  async units(
    centreId: string,
    includeInactive: boolean,
    afterCallSign: string | undefined,
    limit: number,
  ): Promise<PatrolUnitRow[]> {
    return this.dataSource.query(
      `SELECT * FROM patrol_unit
        WHERE centre_id = $1 AND ($2 OR active) AND ($3::text IS NULL OR call_sign > $3)
        ORDER BY call_sign LIMIT $4`,
      [centreId, includeInactive, afterCallSign ?? null, limit],
    );
  }

  async unit(id: string, manager?: EntityManager): Promise<PatrolUnitRow | null> {
    const rows: PatrolUnitRow[] = await (manager ?? this.dataSource).query(
      `SELECT * FROM patrol_unit WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  async centreExists(id: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM operations_centre WHERE id = $1`,
      [id],
    );
    return rows.length > 0;
  }

  /** null when the call sign is taken in that centre. */
  async insertUnit(
    manager: EntityManager,
    row: Pick<PatrolUnitRow, 'id' | 'centre_id' | 'call_sign' | 'created_by'>,
  ): Promise<PatrolUnitRow | null> {
    const rows: PatrolUnitRow[] = await manager.query(
      `INSERT INTO patrol_unit (id, centre_id, call_sign, created_by) VALUES ($1, $2, $3, $4)
       ON CONFLICT (centre_id, call_sign) DO NOTHING RETURNING *`,
      [row.id, row.centre_id, row.call_sign, row.created_by],
    );
    return rows[0] ?? null;
  }

  async updateUnit(
    manager: EntityManager,
    id: string,
    patch: { call_sign?: string; active?: boolean },
  ): Promise<PatrolUnitRow | null> {
    // TypeORM answers an UPDATE with [rows, count]
    const [rows] = (await manager.query(
      `UPDATE patrol_unit SET call_sign = COALESCE($2, call_sign), active = COALESCE($3, active),
              updated_at = now()
        WHERE id = $1 RETURNING *`,
      [id, patch.call_sign ?? null, patch.active ?? null],
    )) as [PatrolUnitRow[], number];
    return rows[0] ?? null;
  }
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { MatchPolicy } from '../matching/plate-index';

export interface VehicleListRow {
  readonly id: string;
  readonly name: string;
  readonly category: string;
  readonly priority: number;
  readonly matchPolicy: MatchPolicy;
  readonly expiresAt: Date | null;
  readonly createdBy: string;
  readonly createdAt: Date;
  /** Set when archived: no longer matched, entries and hits kept. */
  readonly archivedAt: Date | null;
  readonly archivedBy: string | null;
  readonly archiveReason: string | null;
}

/** What an administrator may change of a list. */
export type VehicleListChange = Partial<
  Pick<VehicleListRow, 'name' | 'category' | 'priority' | 'matchPolicy' | 'expiresAt'>
>;

export interface VehicleEntryRow {
  readonly id: string;
  readonly listId: string;
  readonly plate: string;
  readonly plateAsListed: string;
  readonly caseReference: string | null;
  readonly description: string | null;
  readonly expiresAt: Date | null;
  readonly status: 'active' | 'removed';
  readonly version: number;
  readonly updatedAt: Date;
}

const LIST_COLUMNS = `id, name, category, priority, match_policy AS "matchPolicy", expires_at AS "expiresAt",
  created_by AS "createdBy", created_at AS "createdAt", archived_at AS "archivedAt",
  archived_by AS "archivedBy", archive_reason AS "archiveReason"`;
const ENTRY_COLUMNS = `id, list_id AS "listId", plate, plate_as_listed AS "plateAsListed",
  case_reference AS "caseReference", description, expires_at AS "expiresAt", status, version,
  updated_at AS "updatedAt"`;

/** The rows of an UPDATE … RETURNING (the pg driver answers [rows, count] for an UPDATE). */
function returned<T>(result: unknown): T[] {
  const rows = result as unknown[];
  return (Array.isArray(rows[0]) ? rows[0] : rows) as T[];
}

/** Vehicle lists and entries in PostgreSQL, the source of truth the matchers rebuild from. */
@Injectable()
export class VehicleListRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  async insertList(
    list: Omit<VehicleListRow, 'createdAt' | 'archivedAt' | 'archivedBy' | 'archiveReason'>,
  ): Promise<VehicleListRow> {
    const [row] = await this.dataSource.query<VehicleListRow[]>(
      `INSERT INTO vehicle_list (id, name, category, priority, match_policy, expires_at, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${LIST_COLUMNS}`,
      [
        list.id,
        list.name,
        list.category,
        list.priority,
        list.matchPolicy,
        list.expiresAt,
        list.createdBy,
      ],
    );
    return row!;
  }

  lists(): Promise<VehicleListRow[]> {
    return this.dataSource.query(`SELECT ${LIST_COLUMNS} FROM vehicle_list ORDER BY created_at`);
  }

  async list(id: string, manager?: EntityManager): Promise<VehicleListRow | null> {
    const [row] = await (manager ?? this.dataSource).query<VehicleListRow[]>(
      `SELECT ${LIST_COLUMNS} FROM vehicle_list WHERE id = $1`,
      [id],
    );
    return row ?? null;
  }

  /** The list, locked for a change in this transaction. */
  async lockList(id: string, manager: EntityManager): Promise<VehicleListRow | null> {
    const [row] = await manager.query<VehicleListRow[]>(
      `SELECT ${LIST_COLUMNS} FROM vehicle_list WHERE id = $1 FOR UPDATE`,
      [id],
    );
    return row ?? null;
  }

  async updateList(
    id: string,
    change: VehicleListChange,
    manager: EntityManager,
  ): Promise<VehicleListRow> {
    const rows = returned<VehicleListRow>(
      await manager.query(
        `UPDATE vehicle_list SET
         name = CASE WHEN $2 THEN $3 ELSE name END,
         category = CASE WHEN $4 THEN $5 ELSE category END,
         priority = CASE WHEN $6 THEN $7::integer ELSE priority END,
         match_policy = CASE WHEN $8 THEN $9 ELSE match_policy END,
         expires_at = CASE WHEN $10 THEN $11::timestamptz ELSE expires_at END
       WHERE id = $1 RETURNING ${LIST_COLUMNS}`,
        [
          id,
          change.name !== undefined,
          change.name ?? null,
          change.category !== undefined,
          change.category ?? null,
          change.priority !== undefined,
          change.priority ?? null,
          change.matchPolicy !== undefined,
          change.matchPolicy ?? null,
          change.expiresAt !== undefined,
          change.expiresAt ?? null,
        ],
      ),
    );
    return rows[0]!;
  }

  async archiveList(
    id: string,
    reason: string,
    actor: string,
    manager: EntityManager,
  ): Promise<VehicleListRow> {
    const rows = returned<VehicleListRow>(
      await manager.query(
        `UPDATE vehicle_list SET archived_at = now(), archived_by = $2, archive_reason = $3
       WHERE id = $1 RETURNING ${LIST_COLUMNS}`,
        [id, actor, reason],
      ),
    );
    return rows[0]!;
  }

  /** A new version of every active entry of the list, so that its snapshot, republished with
   * the list's new fields, supersedes the last one every matcher applied. */
  async bumpActiveEntries(listId: string, manager: EntityManager): Promise<VehicleEntryRow[]> {
    return returned<VehicleEntryRow>(
      await manager.query(
        `UPDATE vehicle_list_entry SET version = version + 1, updated_at = now()
         WHERE list_id = $1 AND status = 'active' RETURNING ${ENTRY_COLUMNS}`,
        [listId],
      ),
    );
  }

  async activeEntry(
    listId: string,
    plate: string,
    manager: EntityManager,
  ): Promise<VehicleEntryRow | null> {
    const [row] = await manager.query<VehicleEntryRow[]>(
      `SELECT ${ENTRY_COLUMNS} FROM vehicle_list_entry
       WHERE list_id = $1 AND plate = $2 AND status = 'active' FOR UPDATE`,
      [listId, plate],
    );
    return row ?? null;
  }

  async entry(id: string, manager?: EntityManager): Promise<VehicleEntryRow | null> {
    const [row] = await (manager ?? this.dataSource).query<VehicleEntryRow[]>(
      `SELECT ${ENTRY_COLUMNS} FROM vehicle_list_entry WHERE id = $1`,
      [id],
    );
    return row ?? null;
  }

  async saveEntry(
    entry: Omit<VehicleEntryRow, 'updatedAt'>,
    manager: EntityManager,
  ): Promise<VehicleEntryRow> {
    const [row] = await manager.query<VehicleEntryRow[]>(
      `INSERT INTO vehicle_list_entry
         (id, list_id, plate, plate_as_listed, case_reference, description, expires_at, status, version)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (id) DO UPDATE SET plate_as_listed = EXCLUDED.plate_as_listed,
         case_reference = EXCLUDED.case_reference, description = EXCLUDED.description,
         expires_at = EXCLUDED.expires_at, status = EXCLUDED.status, version = EXCLUDED.version,
         updated_at = now()
       RETURNING ${ENTRY_COLUMNS}`,
      [
        entry.id,
        entry.listId,
        entry.plate,
        entry.plateAsListed,
        entry.caseReference,
        entry.description,
        entry.expiresAt,
        entry.status,
        entry.version,
      ],
    );
    return row!;
  }

  /** Active entries of a list by normalised plate then id, after the cursor's (plate, id);
   * `plate` keeps those whose normalised plate starts with it. */
  entries(
    listId: string,
    filter: { after?: readonly [string, string]; plate?: string; limit: number },
  ): Promise<VehicleEntryRow[]> {
    return this.dataSource.query(
      `SELECT ${ENTRY_COLUMNS} FROM vehicle_list_entry WHERE list_id = $1 AND status = 'active'
         AND ($2::text IS NULL OR (plate, id) > ($2::text, $3::uuid))
         AND ($4::text IS NULL OR starts_with(plate, $4::text))
       ORDER BY plate, id LIMIT $5`,
      [
        listId,
        filter.after?.[0] ?? null,
        filter.after?.[1] ?? null,
        filter.plate ?? null,
        filter.limit,
      ],
    );
  }

  /** Active entries of lists not archived, in id order after `afterId`: the matchers' rebuild
   * pages through them. */
  activePage(afterId: string | null, limit: number): Promise<VehicleEntryRow[]> {
    return this.dataSource.query(
      `SELECT ${ENTRY_COLUMNS} FROM vehicle_list_entry
       WHERE status = 'active' AND ($1::uuid IS NULL OR id > $1::uuid)
         AND list_id IN (SELECT id FROM vehicle_list WHERE archived_at IS NULL)
       ORDER BY id LIMIT $2`,
      [afterId, limit],
    );
  }
}

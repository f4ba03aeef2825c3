import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import { AuditLogEntryEntity } from '@kuzet/persistence';
import { EntityManager } from 'typeorm';

/** Any constant unique to the audit log: the advisory lock that keeps one chain. */
const CHAIN_LOCK_KEY = 0x6b757a6574; // "kuzet"

export interface ChainHead {
  readonly seq: number;
  readonly hash: Buffer;
  /** null on an unsigned row written before the chain was signed */
  readonly keyId: string | null;
}

export interface AuditLogFilter {
  readonly from?: Date;
  readonly to?: Date;
  readonly actor?: string;
  readonly action?: string;
  readonly subjectType?: string;
  readonly subjectId?: string;
  readonly afterSeq?: number;
  /** Rows before this seq (for newest-first reading). */
  readonly beforeSeq?: number;
  /** Actions among these (e.g. every search, view and export). */
  readonly actions?: readonly string[];
  /** Newest first; chain order (oldest first) when not set. */
  readonly newestFirst?: boolean;
  /** Only rows that concern one of these centres (a regional auditor's reading of the log,
   * `CENTRE_ENTRY` below); every row when not set. */
  readonly centreIds?: readonly string[];
  readonly limit: number;
}

/** The subject id as a uuid when it is one (null otherwise), so uuid keys are looked up by
 * their index and a subject id that is no uuid is never cast. */
const SUBJECT_UUID = `(CASE WHEN entry.subject_id ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
  THEN entry.subject_id::uuid END)`;

/**
 * Whether a row concerns one of `:centreIds` (a regional auditor's centres with the district
 * centres below them), docs/access-and-audit.md "Which entries a regional auditor reads":
 * - what the staff of those centres did (the actor is one of their staff users);
 * - what was done about those staff (a user created or changed, a sign-in refused);
 * - what was done about those centres' records: an alert or hit routed to them (a hit with no
 *   alert by its camera's centre), a violation logged for them, one of their cameras (now, or
 *   before or after the change the row records), a district, patrol unit or the centre itself;
 * - what names one of them as the centre it was about: `centreId` or `centre_id` at the top
 *   of the details (a report read, a badge identification, an alert assigned or overdue).
 * Anything else (watchlists, persons, vehicle lists, API keys, retention, key rotation, other
 * centres' staff and records) names no centre of theirs: only ALL_CENTRES reads it.
 * Staff and cameras are matched as they are now: a user moved to another centre takes their
 * past rows with them.
 */
const CENTRE_ENTRY = `(
  EXISTS (SELECT 1 FROM staff_user u
          WHERE u.username = entry.actor AND u.centre_ids && :centreIds::text[])
  OR (entry.subject_type = 'staff-user' AND EXISTS (SELECT 1 FROM staff_user u
          WHERE u.id = ${SUBJECT_UUID} AND u.centre_ids && :centreIds::text[]))
  OR (entry.subject_type = 'username' AND EXISTS (SELECT 1 FROM staff_user u
          WHERE u.username = entry.subject_id AND u.centre_ids && :centreIds::text[]))
  OR (entry.subject_type IN ('alert', 'hit') AND (
        EXISTS (SELECT 1 FROM alert a
                WHERE a.id = ${SUBJECT_UUID} AND a.centre_id = ANY(:centreIds::text[]))
        OR EXISTS (SELECT 1 FROM watchlist_hit h JOIN camera c ON c.id = h.camera_id
                   WHERE h.hit_id = ${SUBJECT_UUID} AND c.centre_id = ANY(:centreIds::text[])
                     AND NOT EXISTS (SELECT 1 FROM alert a WHERE a.id = h.hit_id))))
  OR (entry.subject_type = 'violation' AND EXISTS (SELECT 1 FROM violation_record v
          WHERE v.event_id = ${SUBJECT_UUID} AND v.centre_id = ANY(:centreIds::text[])))
  OR (entry.subject_type = 'camera' AND (
        entry.details #>> '{before,centre_id}' = ANY(:centreIds::text[])
        OR entry.details #>> '{after,centre_id}' = ANY(:centreIds::text[])
        OR EXISTS (SELECT 1 FROM camera c
                   WHERE c.id = entry.subject_id AND c.centre_id = ANY(:centreIds::text[]))))
  OR (entry.subject_type = 'district' AND EXISTS (SELECT 1 FROM district d
          WHERE d.id = entry.subject_id AND d.centre_id = ANY(:centreIds::text[])))
  OR (entry.subject_type = 'centre' AND entry.subject_id = ANY(:centreIds::text[]))
  OR (entry.subject_type = 'patrol-unit' AND EXISTS (SELECT 1 FROM patrol_unit p
          WHERE p.id = ${SUBJECT_UUID} AND p.centre_id = ANY(:centreIds::text[])))
  OR entry.details ->> 'centreId' = ANY(:centreIds::text[])
  OR entry.details ->> 'centre_id' = ANY(:centreIds::text[])
)`;

/** All SQL of the audit log. */
@Injectable()
export class AuditLogRepository {
  constructor(@InjectEntityManager() private readonly em: EntityManager) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.em.transaction(work);
  }

  /** Serialises appenders of every process until the caller's transaction ends, then
   * returns the last row: the one the next row chains to. */
  async lockChainHead(manager: EntityManager): Promise<ChainHead | null> {
    await manager.query('SELECT pg_advisory_xact_lock($1)', [CHAIN_LOCK_KEY]);
    const rows = await manager.query<{ seq: string; hash: Buffer; key_id: string | null }[]>(
      'SELECT seq, hash, key_id FROM audit_log ORDER BY seq DESC LIMIT 1',
    );
    const head = rows[0];
    return head ? { seq: Number(head.seq), hash: head.hash, keyId: head.key_id } : null;
  }

  /** The last row as it is now, without waiting for appenders. */
  lastRow(): Promise<AuditLogEntryEntity | null> {
    return this.em
      .getRepository(AuditLogEntryEntity)
      .createQueryBuilder('entry')
      .orderBy('entry.seq', 'DESC')
      .limit(1)
      .getOne();
  }

  async insert(entry: AuditLogEntryEntity, manager: EntityManager): Promise<void> {
    await manager.query(
      `INSERT INTO audit_log
         (seq, occurred_at, actor, action, subject_type, subject_id, details, prev_hash, hash,
          key_id, mac)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11)`,
      [
        entry.seq,
        entry.occurredAt,
        entry.actor,
        entry.action,
        entry.subjectType,
        entry.subjectId,
        JSON.stringify(entry.details),
        entry.prevHash,
        entry.hash,
        entry.keyId,
        entry.mac,
      ],
    );
  }

  /** Rows after a seq, in chain order. */
  pageAfter(afterSeq: number, limit: number): Promise<AuditLogEntryEntity[]> {
    return this.em
      .getRepository(AuditLogEntryEntity)
      .createQueryBuilder('entry')
      .where('entry.seq > :afterSeq', { afterSeq })
      .orderBy('entry.seq', 'ASC')
      .limit(limit)
      .getMany();
  }

  search(filter: AuditLogFilter): Promise<AuditLogEntryEntity[]> {
    const query = this.em
      .getRepository(AuditLogEntryEntity)
      .createQueryBuilder('entry')
      .orderBy('entry.seq', filter.newestFirst ? 'DESC' : 'ASC')
      .limit(filter.limit);
    if (filter.afterSeq !== undefined) query.andWhere('entry.seq > :afterSeq', filter);
    if (filter.beforeSeq !== undefined) query.andWhere('entry.seq < :beforeSeq', filter);
    if (filter.actions) query.andWhere('entry.action IN (:...actions)', filter);
    if (filter.from) query.andWhere('entry.occurred_at >= :from', filter);
    if (filter.to) query.andWhere('entry.occurred_at < :to', filter);
    if (filter.actor) query.andWhere('entry.actor = :actor', filter);
    if (filter.action) query.andWhere('entry.action = :action', filter);
    if (filter.subjectType) query.andWhere('entry.subject_type = :subjectType', filter);
    if (filter.subjectId) query.andWhere('entry.subject_id = :subjectId', filter);
    if (filter.centreIds) {
      query.andWhere(CENTRE_ENTRY, { centreIds: [...filter.centreIds] });
    }
    return query.getMany();
  }
}

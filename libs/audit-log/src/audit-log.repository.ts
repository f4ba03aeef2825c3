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
  /** Only rows whose actor is a staff user of one of these centres (a regional auditor's
   * reading of the log: what the staff of their centres did). */
  readonly actorCentreIds?: readonly string[];
  readonly limit: number;
}

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
    if (filter.actorCentreIds) {
      query.andWhere(
        `EXISTS (SELECT 1 FROM staff_user u
                 WHERE u.username = entry.actor AND u.centre_ids && :actorCentreIds::text[])`,
        { actorCentreIds: [...filter.actorCentreIds] },
      );
    }
    return query.getMany();
  }
}

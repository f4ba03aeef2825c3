import { Injectable } from '@nestjs/common';
import { AuditLogEntryEntity } from '@kuzet/persistence';
import { EntityManager } from 'typeorm';
import { AuditRecord, chainHash, GENESIS_HASH, jsonSafe } from './audit-chain';
import { AuditLogFilter, AuditLogRepository } from './audit-log.repository';

export interface AuditEntry {
  /** Who acted: a username, or a service such as 'matcher' or 'retention'. */
  readonly actor: string;
  /** What happened, as area.verb: 'hit.recorded', 'user.created', 'audit.query'. */
  readonly action: string;
  readonly subjectType: string;
  readonly subjectId: string;
  readonly details?: Record<string, unknown>;
}

export interface AuditLogEntryDto {
  readonly seq: number;
  readonly occurredAt: string;
  readonly actor: string;
  readonly action: string;
  readonly subjectType: string;
  readonly subjectId: string;
  readonly details: Record<string, unknown>;
  readonly hash: string;
}

export interface ChainVerification {
  readonly ok: boolean;
  readonly rowsChecked: number;
  /** The last good row: record it elsewhere to detect later truncation of the tail. */
  readonly head: { readonly seq: number; readonly hash: string } | null;
  readonly firstBroken?: { readonly seq: number; readonly reason: string };
}

const VERIFY_PAGE = 1_000;

/** The append-only, hash-chained audit log. */
@Injectable()
export class AuditLogService {
  constructor(private readonly repository: AuditLogRepository) {}

  /** Appends a row chained to the last one, inside the caller's transaction when given (the
   * row then commits or rolls back with the caller's work). The chain lock is held until that
   * transaction ends, so call this last in it. */
  async append(entry: AuditEntry, manager?: EntityManager): Promise<void> {
    if (!manager?.queryRunner?.isTransactionActive) {
      const run = (inner: EntityManager) => this.append(entry, inner);
      return manager ? manager.transaction(run) : this.repository.transaction(run);
    }
    const head = await this.repository.lockChainHead(manager);
    const record: AuditRecord = {
      seq: (head?.seq ?? 0) + 1,
      occurredAt: new Date(),
      actor: entry.actor,
      action: entry.action,
      subjectType: entry.subjectType,
      subjectId: entry.subjectId,
      details: jsonSafe(entry.details ?? {}),
    };
    const prevHash: Buffer = head?.hash ?? GENESIS_HASH;
    await this.repository.insert(
      Object.assign(new AuditLogEntryEntity(), {
        ...record,
        prevHash,
        hash: chainHash(prevHash, record),
      }),
      manager,
    );
  }

  async search(filter: AuditLogFilter): Promise<AuditLogEntryDto[]> {
    return (await this.repository.search(filter)).map(toDto);
  }

  /** Walks the whole chain from row 1 and names the first row that does not fit: a changed
   * row (its hash), a removed or inserted row (seq or prev_hash). */
  async verifyChain(): Promise<ChainVerification> {
    let expectedSeq = 1;
    let prevHash: Buffer = GENESIS_HASH;
    let rowsChecked = 0;
    for (;;) {
      const page = await this.repository.pageAfter(expectedSeq - 1, VERIFY_PAGE);
      for (const row of page) {
        const reason = brokenLink(row, expectedSeq, prevHash);
        if (reason) {
          return {
            ok: false,
            rowsChecked,
            head: rowsChecked > 0 ? { seq: expectedSeq - 1, hash: prevHash.toString('hex') } : null,
            firstBroken: { seq: row.seq, reason },
          };
        }
        rowsChecked += 1;
        expectedSeq += 1;
        prevHash = row.hash;
      }
      if (page.length < VERIFY_PAGE) break;
    }
    return {
      ok: true,
      rowsChecked,
      head: rowsChecked > 0 ? { seq: expectedSeq - 1, hash: prevHash.toString('hex') } : null,
    };
  }
}

function brokenLink(
  row: AuditLogEntryEntity,
  expectedSeq: number,
  prevHash: Buffer,
): string | null {
  if (row.seq !== expectedSeq) return `row ${expectedSeq} is missing: the next row is ${row.seq}`;
  if (!row.prevHash.equals(prevHash))
    return `prev_hash does not match the hash of row ${row.seq - 1}`;
  if (!row.hash.equals(chainHash(prevHash, row))) {
    return 'hash does not match the row: the row was changed after it was written';
  }
  return null;
}

function toDto(row: AuditLogEntryEntity): AuditLogEntryDto {
  return {
    seq: row.seq,
    occurredAt: row.occurredAt.toISOString(),
    actor: row.actor,
    action: row.action,
    subjectType: row.subjectType,
    subjectId: row.subjectId,
    details: row.details,
    hash: row.hash.toString('hex'),
  };
}

import { Inject, Injectable } from '@nestjs/common';
import { KUZET_CONFIG, KuzetConfig } from '@kuzet/config';
import { AuditLogEntryEntity } from '@kuzet/persistence';
import { EntityManager } from 'typeorm';
import { AuditRecord, chainHash, GENESIS_HASH, jsonSafe } from './audit-chain';
import { AuditCheckpoint, auditCheckpointSchema } from './audit-checkpoint';
import { z } from 'zod';
import { AuditKeyring } from './audit-keyring';
import { AuditLogFilter, AuditLogRepository, ChainHead } from './audit-log.repository';

/** The AuditKeyring every app signs and verifies with (resolveAuditKeyring). */
export const AUDIT_CHAIN_KEYRING = Symbol('AUDIT_CHAIN_KEYRING');
export interface AuditEntry {
  /** Who acted: a username, or a service such as 'matcher' or 'retention'. */
  readonly actor: string;
  /** What happened, as area.verb: 'hit.recorded', 'user.created', 'audit.query'. */
  readonly action: string;
  readonly subjectType: string;
  readonly subjectId: string;
  readonly details?: Record<string, unknown>;
}

export const auditLogEntryDtoSchema = z
  .object({
    seq: z.number().int(),
    occurredAt: z.iso.datetime(),
    actor: z.string(),
    action: z.string(),
    subjectType: z.string(),
    subjectId: z.string(),
    details: z.record(z.string(), z.unknown()),
    hash: z.string(),
    /** The key that signed the row; null on unsigned legacy rows. */
    keyId: z
      .string()
      .nullable()
      .describe('the key that signed the row; null on unsigned legacy rows'),
  })
  .readonly();
export type AuditLogEntryDto = z.infer<typeof auditLogEntryDtoSchema>;

export const chainVerificationSchema = z
  .object({
    ok: z.boolean(),
    rowsChecked: z.number().int(),
    /** Rows without a MAC among those checked (accepted only up to AUDIT_CHAIN_LEGACY_ROWS). */
    unsignedRows: z.number().int(),
    /** Checkpoints found to match the chain. */
    checkpointsChecked: z.number().int(),
    /** The last good row: a checkpoint to keep outside the database. */
    head: auditCheckpointSchema.nullable(),
    firstBroken: z.object({ seq: z.number().int(), reason: z.string() }).readonly().optional(),
  })
  .readonly();
export type ChainVerification = z.infer<typeof chainVerificationSchema>;

export interface VerifyOptions {
  /** Heads recorded earlier outside the database: each must still be in the chain, unchanged. */
  readonly checkpoints?: readonly AuditCheckpoint[];
}

const VERIFY_PAGE = 1_000;
export const KEY_ROTATED_ACTION = 'audit.key-rotated';

/** The append-only, hash-chained, signed audit log. */
@Injectable()
export class AuditLogService {
  constructor(
    private readonly repository: AuditLogRepository,
    @Inject(AUDIT_CHAIN_KEYRING) private readonly keyring: AuditKeyring,
    @Inject(KUZET_CONFIG) private readonly config: Readonly<KuzetConfig>,
  ) {}

  /** Appends a row chained to the last one and signed with the current key, inside the
   * caller's transaction when given (the row then commits or rolls back with the caller's
   * work). The chain lock is held until that transaction ends, so call this last in it. */
  async append(entry: AuditEntry, manager?: EntityManager): Promise<void> {
    if (!manager?.queryRunner?.isTransactionActive) {
      const run = (inner: EntityManager) => this.append(entry, inner);
      return manager ? manager.transaction(run) : this.repository.transaction(run);
    }
    await this.insertAfter(await this.repository.lockChainHead(manager), entry, manager);
  }

  /** At start-up: when the last row was signed with another key (or none), says so in the
   * chain, so each switch of key is on the log with who made it (the instance's key id). */
  async recordKeyInUse(): Promise<void> {
    await this.repository.transaction(async (manager) => {
      const head = await this.repository.lockChainHead(manager);
      if (!head || head.keyId === this.keyring.currentKeyId) return;
      await this.insertAfter(
        head,
        {
          actor: 'kuzet',
          action: KEY_ROTATED_ACTION,
          subjectType: 'audit-chain-key',
          subjectId: this.keyring.currentKeyId,
          details: { from: head.keyId, to: this.keyring.currentKeyId, afterSeq: head.seq },
        },
        manager,
      );
    });
  }

  private async insertAfter(
    head: ChainHead | null,
    entry: AuditEntry,
    manager: EntityManager,
  ): Promise<void> {
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
    const hash = chainHash(prevHash, record);
    await this.repository.insert(
      Object.assign(new AuditLogEntryEntity(), {
        ...record,
        prevHash,
        hash,
        ...this.keyring.sign(hash),
      }),
      manager,
    );
  }

  async search(filter: AuditLogFilter): Promise<AuditLogEntryDto[]> {
    return (await this.repository.search(filter)).map(toDto);
  }

  /** The last row as a checkpoint, once its hash and MAC check out (null: no rows yet). A
   * head that fails is not recorded: `verify` then names what is wrong. */
  async checkpoint(): Promise<AuditCheckpoint | null> {
    const row = await this.repository.lastRow();
    if (!row) return null;
    const reason =
      (row.hash.equals(chainHash(row.prevHash, row)) ? null : CHANGED) ?? this.badSignature(row);
    if (reason) throw new Error(`audit log head (row ${row.seq}) fails: ${reason}`);
    return checkpointOf(row);
  }

  /** Walks the whole chain from row 1 and names the first row that does not fit: a changed
   * row (its hash), a removed or inserted row (seq or prev_hash), a row not signed by a key in
   * the keyring (its MAC), a row that differs from a checkpoint, or a checkpoint beyond the
   * end (rows removed from the end). */
  async verifyChain(options: VerifyOptions = {}): Promise<ChainVerification> {
    const bySeq = new Map<number, AuditCheckpoint[]>();
    for (const c of options.checkpoints ?? []) bySeq.set(c.seq, [...(bySeq.get(c.seq) ?? []), c]);
    let expectedSeq = 1;
    let prevHash: Buffer = GENESIS_HASH;
    let last: AuditLogEntryEntity | undefined;
    let rowsChecked = 0;
    let unsignedRows = 0;
    let checkpointsChecked = 0;
    const result = (firstBroken?: { seq: number; reason: string }): ChainVerification => ({
      ok: !firstBroken,
      rowsChecked,
      unsignedRows,
      checkpointsChecked,
      head: last ? checkpointOf(last) : null,
      ...(firstBroken ? { firstBroken } : {}),
    });
    for (;;) {
      const page = await this.repository.pageAfter(expectedSeq - 1, VERIFY_PAGE);
      for (const row of page) {
        const reason =
          brokenLink(row, expectedSeq, prevHash) ??
          this.badSignature(row) ??
          differsFromCheckpoint(row, bySeq.get(row.seq) ?? []);
        if (reason) return result({ seq: row.seq, reason });
        if (row.mac === null) unsignedRows += 1;
        checkpointsChecked += bySeq.get(row.seq)?.length ?? 0;
        rowsChecked += 1;
        expectedSeq += 1;
        prevHash = row.hash;
        last = row;
      }
      if (page.length < VERIFY_PAGE) break;
    }
    const beyond = [...bySeq.values()].flat().filter((c) => c.seq > rowsChecked);
    const first = beyond.sort((a, b) => a.seq - b.seq)[0];
    if (first) {
      return result({
        seq: first.seq,
        reason: `the checkpoint taken at ${first.at} recorded row ${first.seq}, but the chain ends at row ${rowsChecked}: rows were removed from the end`,
      });
    }
    return result();
  }

  private badSignature(row: AuditLogEntryEntity): string | null {
    if (row.keyId === null || row.mac === null) {
      const legacy = this.config.AUDIT_CHAIN_LEGACY_ROWS;
      return row.seq <= legacy
        ? null
        : `the row is not signed: it was not written by kuzet (only rows up to AUDIT_CHAIN_LEGACY_ROWS=${legacy}, written before the chain was signed, may be unsigned)`;
    }
    switch (this.keyring.check(row.keyId, row.hash, row.mac)) {
      case 'ok':
        return null;
      case 'unknown-key':
        return `the row is signed with key id "${row.keyId}", which is not in AUDIT_CHAIN_KEYS (${this.keyring.keyIds.join(', ')})`;
      case 'mismatch':
        return `the MAC does not match: the row was not written by a holder of key "${row.keyId}", or was changed since`;
    }
  }
}

const CHANGED = 'hash does not match the row: the row was changed after it was written';

function brokenLink(
  row: AuditLogEntryEntity,
  expectedSeq: number,
  prevHash: Buffer,
): string | null {
  if (row.seq !== expectedSeq) return `row ${expectedSeq} is missing: the next row is ${row.seq}`;
  if (!row.prevHash.equals(prevHash))
    return `prev_hash does not match the hash of row ${row.seq - 1}`;
  if (!row.hash.equals(chainHash(prevHash, row))) return CHANGED;
  return null;
}

function differsFromCheckpoint(
  row: AuditLogEntryEntity,
  checkpoints: readonly AuditCheckpoint[],
): string | null {
  const now = checkpointOf(row);
  const differing = checkpoints.find(
    (c) => c.hash !== now.hash || c.mac !== now.mac || c.keyId !== now.keyId,
  );
  return differing
    ? `the row differs from the checkpoint taken at ${differing.at}: the chain up to row ${row.seq} was rewritten since`
    : null;
}

function checkpointOf(row: AuditLogEntryEntity, at: Date = new Date()): AuditCheckpoint {
  return {
    seq: row.seq,
    hash: row.hash.toString('hex'),
    mac: row.mac?.toString('hex') ?? null,
    keyId: row.keyId,
    at: at.toISOString(),
  };
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
    keyId: row.keyId,
  };
}

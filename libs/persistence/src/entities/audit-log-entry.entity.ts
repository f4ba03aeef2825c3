import { Column, Entity, PrimaryColumn } from 'typeorm';

const bigintAsNumber = { to: (v: number) => v, from: (v: string) => Number(v) };

/** One row of the append-only, hash-chained audit log: hash = SHA-256(prev_hash ||
 * canonical encoding of the row), mac = HMAC of the hash with the key key_id names (a key the
 * database does not hold). seq has no gaps, so a deleted row breaks the chain too. */
@Entity({ name: 'audit_log' })
export class AuditLogEntryEntity {
  @PrimaryColumn({ type: 'bigint', transformer: bigintAsNumber })
  seq!: number;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  @Column({ type: 'text' })
  actor!: string;

  @Column({ type: 'text' })
  action!: string;

  @Column({ name: 'subject_type', type: 'text' })
  subjectType!: string;

  @Column({ name: 'subject_id', type: 'text' })
  subjectId!: string;

  @Column({ type: 'jsonb' })
  details!: Record<string, unknown>;

  @Column({ name: 'prev_hash', type: 'bytea' })
  prevHash!: Buffer;

  @Column({ type: 'bytea' })
  hash!: Buffer;

  /** Null (with mac) only on rows written before the chain was signed. */
  @Column({ name: 'key_id', type: 'text', nullable: true })
  keyId!: string | null;

  @Column({ type: 'bytea', nullable: true })
  mac!: Buffer | null;
}

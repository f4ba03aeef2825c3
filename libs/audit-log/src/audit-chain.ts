import { createHash } from 'node:crypto';

export const HASH_BYTES = 32;
/** The chain's fixed seed: the prev_hash of row 1. */
export const GENESIS_HASH = Buffer.alloc(HASH_BYTES);

export interface AuditRecord {
  readonly seq: number;
  readonly occurredAt: Date;
  readonly actor: string;
  readonly action: string;
  readonly subjectType: string;
  readonly subjectId: string;
  readonly details: Readonly<Record<string, unknown>>;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** What jsonb gives back for these details: undefined dropped, dates as ISO text. Hashing
 * this form means a row read back from PostgreSQL hashes the same as when it was written. */
export function jsonSafe(details: Readonly<Record<string, unknown>>): Record<string, Json> {
  return JSON.parse(JSON.stringify(details)) as Record<string, Json>;
}

/** JSON with object keys sorted at every depth and no white space. */
export function canonicalJson(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key]!)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function canonicalEncoding(record: AuditRecord): string {
  return canonicalJson({
    seq: record.seq,
    occurredAt: record.occurredAt.toISOString(),
    actor: record.actor,
    action: record.action,
    subjectType: record.subjectType,
    subjectId: record.subjectId,
    details: jsonSafe(record.details),
  });
}

/** SHA-256 over the previous row's hash and this row's canonical encoding. */
export function chainHash(prevHash: Buffer, record: AuditRecord): Buffer {
  return createHash('sha256').update(prevHash).update(canonicalEncoding(record), 'utf8').digest();
}

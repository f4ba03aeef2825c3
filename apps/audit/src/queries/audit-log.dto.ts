import { z } from 'zod';
import { AuditLogEntryDto, ChainVerification } from '@kuzet/audit-log';
import { pageSchema } from '@kuzet/http';

/** The audit log and its verification as the staff API answers them (snake_case,
 * docs/api-conventions.md). The library keeps its own record shapes: the checkpoint file's
 * lines ({seq, hash, mac, keyId, at}) are read by `kuzet audit verify` and do not change. */

export const auditLogEntryApiSchema = z
  .object({
    seq: z.number().int(),
    occurred_at: z.iso.datetime(),
    actor: z.string(),
    action: z.string(),
    subject_type: z.string(),
    subject_id: z.string(),
    details: z
      .record(z.string(), z.unknown())
      .describe('as recorded: part of the hash chain, its keys are not rewritten'),
    hash: z.string(),
    key_id: z
      .string()
      .nullable()
      .describe('the key that signed the row; null on unsigned legacy rows'),
  })
  .readonly()
  .meta({ id: 'AuditLogEntry' });
export type AuditLogEntryApi = z.infer<typeof auditLogEntryApiSchema>;

export const auditLogPageDtoSchema = pageSchema(auditLogEntryApiSchema)
  .readonly()
  .meta({ id: 'AuditLogPage' });
export type AuditLogPageDto = z.infer<typeof auditLogPageDtoSchema>;

const checkpointApiSchema = z
  .object({
    seq: z.number().int(),
    hash: z.string().describe('hex SHA-256 chain hash of row seq'),
    mac: z.string().nullable().describe('hex HMAC of row seq, null for an unsigned legacy row'),
    key_id: z.string().nullable(),
    at: z.iso.datetime().describe('when the checkpoint was taken'),
  })
  .readonly()
  .meta({ id: 'AuditChainHead' });

export const chainVerificationApiSchema = z
  .object({
    ok: z.boolean(),
    rows_checked: z.number().int(),
    unsigned_rows: z
      .number()
      .int()
      .describe('rows without a MAC (accepted only up to AUDIT_CHAIN_LEGACY_ROWS)'),
    checkpoints_checked: z.number().int().describe('checkpoints found to match the chain'),
    head: checkpointApiSchema
      .nullable()
      .describe('the last good row: a checkpoint to keep outside the database'),
    first_broken: z
      .object({ seq: z.number().int(), reason: z.string() })
      .readonly()
      .nullable()
      .describe('the first row that does not fit the chain; null when the chain is intact'),
  })
  .readonly()
  .meta({ id: 'ChainVerification' });
export type ChainVerificationApi = z.infer<typeof chainVerificationApiSchema>;

export function toAuditLogEntryApi(entry: AuditLogEntryDto): AuditLogEntryApi {
  return {
    seq: entry.seq,
    occurred_at: entry.occurredAt,
    actor: entry.actor,
    action: entry.action,
    subject_type: entry.subjectType,
    subject_id: entry.subjectId,
    details: entry.details,
    hash: entry.hash,
    key_id: entry.keyId,
  };
}

export function toChainVerificationApi(result: ChainVerification): ChainVerificationApi {
  return {
    ok: result.ok,
    rows_checked: result.rowsChecked,
    unsigned_rows: result.unsignedRows,
    checkpoints_checked: result.checkpointsChecked,
    head: result.head
      ? {
          seq: result.head.seq,
          hash: result.head.hash,
          mac: result.head.mac,
          key_id: result.head.keyId,
          at: result.head.at,
        }
      : null,
    first_broken: result.firstBroken ?? null,
  };
}

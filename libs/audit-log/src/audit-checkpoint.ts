import { z } from 'zod';
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** The chain's head as it was at one moment, kept outside the database (a file, a log line)
 * so that a later rewrite or removal of rows up to it can be found. */
export const auditCheckpointSchema = z
  .object({
    seq: z.number().int(),
    /** hex SHA-256 chain hash of row seq */
    hash: z.string().describe('hex SHA-256 chain hash of row seq'),
    /** hex HMAC of row seq, null for an unsigned legacy row */
    mac: z.string().nullable().describe('hex HMAC of row seq, null for an unsigned legacy row'),
    keyId: z.string().nullable(),
    /** when the checkpoint was taken (ISO) */
    at: z.iso.datetime().describe('when the checkpoint was taken'),
  })
  .readonly()
  .meta({ id: 'AuditCheckpoint' });
export type AuditCheckpoint = z.infer<typeof auditCheckpointSchema>;

const HEX32 = /^[0-9a-f]{64}$/;

export class CheckpointFileError extends Error {
  override readonly name = 'CheckpointFileError';
}

/** One checkpoint per line (JSON Lines); blank lines and any other fields are ignored. */
export function parseCheckpoints(text: string, source = 'checkpoints'): AuditCheckpoint[] {
  const checkpoints: AuditCheckpoint[] = [];
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    const where = `${source} line ${index + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new CheckpointFileError(`${where} is not JSON`);
    }
    checkpoints.push(asCheckpoint(value, where));
  }
  return checkpoints;
}

export function readCheckpointFile(file: string): AuditCheckpoint[] {
  return parseCheckpoints(readFileSync(file, 'utf8'), file);
}

export function appendCheckpoint(file: string, checkpoint: AuditCheckpoint): void {
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, `${JSON.stringify(checkpoint)}\n`, { mode: 0o600 });
}

function asCheckpoint(value: unknown, where: string): AuditCheckpoint {
  if (typeof value !== 'object' || value === null) {
    throw new CheckpointFileError(`${where} is not an object`);
  }
  const v = value as Record<string, unknown>;
  const { seq, hash, mac, keyId, at } = v;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) {
    throw new CheckpointFileError(`${where}: seq must be a positive integer`);
  }
  if (typeof hash !== 'string' || !HEX32.test(hash)) {
    throw new CheckpointFileError(`${where}: hash must be 64 hex digits`);
  }
  if (mac !== null && (typeof mac !== 'string' || !HEX32.test(mac))) {
    throw new CheckpointFileError(`${where}: mac must be 64 hex digits or null`);
  }
  if (keyId !== null && typeof keyId !== 'string') {
    throw new CheckpointFileError(`${where}: keyId must be text or null`);
  }
  if (typeof at !== 'string') throw new CheckpointFileError(`${where}: at must be a date`);
  return { seq, hash, mac, keyId, at };
}

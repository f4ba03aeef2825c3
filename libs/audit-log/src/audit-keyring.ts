import { KuzetConfig } from '@kuzet/config';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const AUDIT_CHAIN_KEYS_FILE = 'audit-chain-keys';
export const AUDIT_CHECKPOINTS_FILE = 'audit-checkpoints.jsonl';
export const MIN_SECRET_CHARS = 32;
const KEY_ID = /^[A-Za-z0-9._-]{1,32}$/;
/** Separates this MAC from any other use of the same secret. */
const MAC_CONTEXT = 'kuzet-audit-chain-v1';

export class AuditKeyringError extends Error {
  override readonly name = 'AuditKeyringError';
}

export interface AuditSignature {
  readonly keyId: string;
  readonly mac: Buffer;
}

export type MacCheck = 'ok' | 'unknown-key' | 'mismatch';

/** The keys that sign audit rows (HMAC-SHA256), by id: the current one signs, every one
 * verifies. The database holds only the ids. */
export class AuditKeyring {
  readonly currentKeyId: string;
  private readonly keys: ReadonlyMap<string, Buffer>;

  constructor(keys: ReadonlyMap<string, Buffer>, currentKeyId: string) {
    if (!keys.has(currentKeyId)) {
      throw new AuditKeyringError(
        `AUDIT_CHAIN_KEY_ID ${currentKeyId} is not in the keyring (ids: ${[...keys.keys()].join(', ')})`,
      );
    }
    this.keys = keys;
    this.currentKeyId = currentKeyId;
  }

  get keyIds(): string[] {
    return [...this.keys.keys()];
  }

  /** Signs a row's chain hash, which already covers its prev_hash and every field. */
  sign(hash: Buffer): AuditSignature {
    const keyId = this.currentKeyId;
    return { keyId, mac: rowMac(this.keys.get(keyId)!, keyId, hash) };
  }

  check(keyId: string, hash: Buffer, mac: Buffer): MacCheck {
    const key = this.keys.get(keyId);
    if (!key) return 'unknown-key';
    const expected = rowMac(key, keyId, hash);
    return mac.length === expected.length && timingSafeEqual(mac, expected) ? 'ok' : 'mismatch';
  }
}

/** HMAC-SHA256 over the key id and the row's hash: a row re-labelled with another key id
 * fails too. */
export function rowMac(key: Buffer, keyId: string, hash: Buffer): Buffer {
  return createHmac('sha256', key)
    .update(`${MAC_CONTEXT}\0${keyId}\0`, 'utf8')
    .update(hash)
    .digest();
}

/** `id:secret,id2:secret2` → keys by id; the secret is everything after the first colon. */
export function parseKeyring(text: string): Map<string, Buffer> {
  const keys = new Map<string, Buffer>();
  for (const [index, pair] of text.trim().split(',').entries()) {
    const colon = pair.indexOf(':');
    const id = colon > 0 ? pair.slice(0, colon).trim() : '';
    const secret = colon > 0 ? pair.slice(colon + 1).trim() : '';
    if (!KEY_ID.test(id)) {
      throw new AuditKeyringError(
        `audit chain key ${index + 1}: the id must be 1 to 32 letters, digits, dots, underscores or dashes before a colon`,
      );
    }
    if (secret.length < MIN_SECRET_CHARS) {
      throw new AuditKeyringError(
        `audit chain key ${id}: the secret must be at least ${MIN_SECRET_CHARS} characters`,
      );
    }
    if (keys.has(id)) throw new AuditKeyringError(`audit chain key ${id} appears twice`);
    keys.set(id, Buffer.from(secret, 'utf8'));
  }
  return keys;
}

export function keyringFrom(text: string, currentKeyId?: string): AuditKeyring {
  const keys = parseKeyring(text);
  if (currentKeyId === undefined && keys.size > 1) {
    throw new AuditKeyringError(
      'AUDIT_CHAIN_KEY_ID is not set: with more than one key in AUDIT_CHAIN_KEYS, name the one that signs',
    );
  }
  return new AuditKeyring(keys, currentKeyId ?? [...keys.keys()][0]!);
}

/** AUDIT_CHAIN_KEYS; in standalone mode without them, a random key kept under KUZET_DATA_DIR
 * (created only when `create`: the CLI verifies with what the server wrote, it never makes
 * one). Distributed mode refuses to run without a configured key. */
export function resolveAuditKeyring(
  config: Readonly<KuzetConfig>,
  { create }: { readonly create: boolean },
): AuditKeyring {
  if (config.AUDIT_CHAIN_KEYS)
    return keyringFrom(config.AUDIT_CHAIN_KEYS, config.AUDIT_CHAIN_KEY_ID);
  if (config.KUZET_MODE !== 'standalone') {
    throw new AuditKeyringError(
      'AUDIT_CHAIN_KEYS is not set: the audit log is signed with a key the database does not hold (id:secret, at least 32 characters, the same on every instance)',
    );
  }
  const file = join(config.KUZET_DATA_DIR, AUDIT_CHAIN_KEYS_FILE);
  if (!existsSync(file)) {
    if (!create) throw new AuditKeyringError(`no audit chain key: ${file} does not exist`);
    mkdirSync(config.KUZET_DATA_DIR, { recursive: true });
    const id = `local-${new Date().toISOString().slice(0, 10).replace(/-/g, '')}`;
    writeFileSync(file, `${id}:${randomBytes(48).toString('base64url')}\n`, {
      mode: 0o600,
      flag: 'wx',
    });
  }
  return keyringFrom(readFileSync(file, 'utf8'), config.AUDIT_CHAIN_KEY_ID);
}

/** Where checkpoints are appended: AUDIT_CHECKPOINT_FILE, in standalone mode by default under
 * KUZET_DATA_DIR; otherwise only logged. */
export function checkpointFile(config: Readonly<KuzetConfig>): string | undefined {
  if (config.AUDIT_CHECKPOINT_FILE) return config.AUDIT_CHECKPOINT_FILE;
  return config.KUZET_MODE === 'standalone'
    ? join(config.KUZET_DATA_DIR, AUDIT_CHECKPOINTS_FILE)
    : undefined;
}

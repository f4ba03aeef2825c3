import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** `kzt_<id>_<secret>`: the id is public (it names the key in lists and logs and is how a
 * presented key is found); the secret has 256 random bits, so a fast hash is enough to store it. */
const TOKEN = /^kzt_([a-z0-9]{16})_([A-Za-z0-9_-]{43})$/;
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
/** What a key id looks like: checked before a lookup, so a wrong one is a 400. */
export const API_KEY_ID_PATTERN = /^[a-z0-9]{16}$/;

export interface ApiKeyToken {
  readonly id: string;
  readonly secret: string;
}

export function generateApiKeyToken(): ApiKeyToken & { readonly token: string } {
  const id = Array.from(randomBytes(16), (b) => ID_ALPHABET[b % ID_ALPHABET.length]).join('');
  const secret = randomBytes(32).toString('base64url');
  return { id, secret, token: `kzt_${id}_${secret}` };
}

export function parseApiKeyToken(token: string): ApiKeyToken | null {
  const match = TOKEN.exec(token);
  return match ? { id: match[1]!, secret: match[2]! } : null;
}

export function hashApiKeySecret(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

export function secretMatches(secret: string, storedHash: Buffer): boolean {
  const presented = hashApiKeySecret(secret);
  return presented.length === storedHash.length && timingSafeEqual(presented, storedHash);
}

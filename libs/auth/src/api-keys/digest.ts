import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** HTTP Digest access authentication (RFC 7616, qop=auth, SHA-256, and MD5 for keys issued for
 * old firmware) for devices that can be given a user and password but cannot do Basic: the user
 * name is the API key's id, the password the whole key. The nonce is `<issued ms>.<HMAC of it>`,
 * so any instance sharing the secret checks it; it expires after DIGEST_NONCE_TTL_MS, and each
 * (key, nonce, nc) is taken once (recorded in PostgreSQL by the ApiKeyService), so a seen
 * request cannot be sent again with another body (qop=auth does not cover the body). */
export const DIGEST_REALM = 'kuzet';
export const DIGEST_NONCE_TTL_MS = 60 * 1000;
/** How far ahead of this instance's clock another instance's nonce may be. */
export const DIGEST_CLOCK_SKEW_MS = 60 * 1000;

export type DigestAlgorithm = 'MD5' | 'SHA-256';

export interface DigestCredentials {
  readonly username: string;
  readonly realm: string;
  readonly nonce: string;
  readonly uri: string;
  readonly response: string;
  readonly algorithm: DigestAlgorithm;
  readonly qop: string;
  readonly nc: string;
  readonly cnonce: string;
}

const HASH: Record<DigestAlgorithm, 'md5' | 'sha256'> = { MD5: 'md5', 'SHA-256': 'sha256' };

export function digestHash(algorithm: DigestAlgorithm, text: string): string {
  return createHash(HASH[algorithm]).update(text, 'utf8').digest('hex');
}

/** H(username:realm:password), what the server keeps instead of the password. */
export function digestHa1(
  algorithm: DigestAlgorithm,
  username: string,
  password: string,
  realm = DIGEST_REALM,
): Buffer {
  return Buffer.from(digestHash(algorithm, `${username}:${realm}:${password}`), 'hex');
}

/** The `Authorization: Digest …` parameters, or null when it is not Digest or is malformed
 * (missing parameters, qop other than auth, another algorithm). */
export function parseDigestAuthorization(header: string | undefined): DigestCredentials | null {
  if (typeof header !== 'string' || header.length > 4096) return null;
  const m = /^\s*Digest\s+(.*)$/is.exec(header);
  if (!m) return null;
  const params = new Map<string, string>();
  const re = /\s*([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*(?:,|$)/gy;
  const rest = m[1]!;
  let match: RegExpExecArray | null;
  while (re.lastIndex < rest.length && (match = re.exec(rest)) !== null) {
    const value = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : (match[3] ?? '');
    params.set(match[1]!.toLowerCase(), value);
    if (match[0] === '') break;
  }
  const algorithm = (params.get('algorithm') ?? 'MD5').toUpperCase();
  if (algorithm !== 'MD5' && algorithm !== 'SHA-256') return null;
  const need = ['username', 'realm', 'nonce', 'uri', 'response', 'qop', 'nc', 'cnonce'] as const;
  if (need.some((k) => !params.get(k))) return null;
  if (params.get('qop') !== 'auth') return null;
  return {
    username: params.get('username')!,
    realm: params.get('realm')!,
    nonce: params.get('nonce')!,
    uri: params.get('uri')!,
    response: params.get('response')!.toLowerCase(),
    algorithm,
    qop: 'auth',
    nc: params.get('nc')!,
    cnonce: params.get('cnonce')!,
  };
}

export function issueDigestNonce(secret: string, now: number = Date.now()): string {
  const issued = String(now);
  return `${issued}.${mac(secret, issued)}`;
}

/** 'stale': well made by this server but expired (the device retries with a fresh one). */
export function checkDigestNonce(
  secret: string,
  nonce: string,
  now: number = Date.now(),
  ttlMs: number = DIGEST_NONCE_TTL_MS,
): 'valid' | 'stale' | 'invalid' {
  const dot = nonce.indexOf('.');
  if (dot <= 0) return 'invalid';
  const issued = nonce.slice(0, dot);
  const expected = Buffer.from(mac(secret, issued));
  const presented = Buffer.from(nonce.slice(dot + 1));
  if (expected.length !== presented.length || !timingSafeEqual(expected, presented)) {
    return 'invalid';
  }
  const age = now - Number(issued);
  if (!Number.isFinite(age) || age < -DIGEST_CLOCK_SKEW_MS) return 'invalid';
  return age > ttlMs ? 'stale' : 'valid';
}

/** Whether the response is the one the password behind `ha1` gives for this request. */
export function digestResponseMatches(
  credentials: DigestCredentials,
  ha1: Buffer,
  method: string,
): boolean {
  const { algorithm } = credentials;
  const ha2 = digestHash(algorithm, `${method}:${credentials.uri}`);
  const expected = digestHash(
    algorithm,
    `${ha1.toString('hex')}:${credentials.nonce}:${credentials.nc}:${credentials.cnonce}:${credentials.qop}:${ha2}`,
  );
  const a = Buffer.from(expected);
  const b = Buffer.from(credentials.response);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** When a nonce was issued (ms), for a nonce checkDigestNonce did not call invalid. */
export function digestNonceIssuedAt(nonce: string): number {
  return Number(nonce.slice(0, nonce.indexOf('.')));
}

/** The challenges a 401 carries: SHA-256, and MD5 after it only when `md5` (some key was issued
 * for old firmware that knows no other). */
export function digestChallenges(
  secret: string,
  stale = false,
  now: number = Date.now(),
  md5 = false,
): string[] {
  const nonce = issueDigestNonce(secret, now);
  const algorithms: DigestAlgorithm[] = md5 ? ['SHA-256', 'MD5'] : ['SHA-256'];
  return algorithms.map(
    (algorithm) =>
      `Digest realm="${DIGEST_REALM}", qop="auth", algorithm=${algorithm}, nonce="${nonce}"${stale ? ', stale=true' : ''}`,
  );
}

function mac(secret: string, text: string): string {
  return createHmac('sha256', secret).update(`kuzet-digest-nonce:${text}`).digest('base64url');
}

import { KuzetConfig } from '@kuzet/config';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const JWT_SECRET_FILE = 'jwt-secret';

/** JWT_SECRET; in standalone mode without one, a random secret kept under KUZET_DATA_DIR
 * so sessions survive a restart. Distributed instances must share one, so it is required. */
export function resolveJwtSecret(config: Readonly<KuzetConfig>): string {
  if (config.JWT_SECRET) return config.JWT_SECRET;
  if (config.KUZET_MODE !== 'standalone') {
    throw new Error(
      'JWT_SECRET is not set: every instance needs the same secret (at least 32 characters) to sign and check staff sessions',
    );
  }
  const file = join(config.KUZET_DATA_DIR, JWT_SECRET_FILE);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(config.KUZET_DATA_DIR, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600, flag: 'wx' });
  return secret;
}

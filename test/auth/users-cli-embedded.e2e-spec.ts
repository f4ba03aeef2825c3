import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedPostgres, embeddedDatabaseIn } from '@kuzet/persistence';
import { kuzet } from '../support/cli';

/** `kuzet users create-admin --embedded`: npm start's own database, opened while the server is
 * stopped, over the same owner-only Unix socket the server uses. */
describe('kuzet users create-admin --embedded', () => {
  let dataDir: string;
  let env: Record<string, string>;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'kuzet-cli-embedded-'));
    env = { KUZET_DATA_DIR: dataDir, KUZET_ADMIN_PASSWORD: 'first admin passphrase' };
  });

  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('creates the administrator in the data folder and keeps the socket directory owner-only', async () => {
    const created = await kuzet(['users', 'create-admin', '--username', 'root', '--embedded'], env);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ username: 'root', roles: ['system-admin'] });
    expect(statSync(join(dataDir, 'pg')).mode & 0o077).toBe(0);
    expect(existsSync(join(dataDir, 'pg', '.s.PGSQL.5432'))).toBe(false);

    // stored, not in memory: the second run finds the first one's user
    const again = await kuzet(['users', 'create-admin', '--username', 'root', '--embedded'], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/taken/);
  });

  it('refuses to open the database while another process (the server) serves it', async () => {
    const server = await EmbeddedPostgres.start(embeddedDatabaseIn(dataDir));
    try {
      const refused = await kuzet(
        ['users', 'create-admin', '--username', 'second', '--embedded'],
        env,
      );
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/in use by another process/);
    } finally {
      await server.stop();
    }
  });
});

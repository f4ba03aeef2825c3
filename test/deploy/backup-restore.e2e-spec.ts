import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import { kuzet } from '../support/cli';
import { createTestDatabase, TestDatabase } from '../support/database';
import { startTestApp } from '../support/kuzet-app';
import { signInAs } from '../support/staff';

const run = promisify(execFile);
const GUIDE = resolve(__dirname, '../../docs/backup.md');

/** The guide's command line that starts with `program` (each is run as written). */
function documented(program: 'pg_dump' | 'pg_restore'): string {
  const lines = readFileSync(GUIDE, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith(`${program} `));
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

/** Runs a documented command line in bash, in `cwd`, with the given variables set. */
function shell(command: string, cwd: string, env: Record<string, string>) {
  return run('bash', ['-euo', 'pipefail', '-c', command], { cwd, env: { ...process.env, ...env } });
}

async function counts(url: string): Promise<Record<string, number>> {
  const sql = new Client({ connectionString: url });
  await sql.connect();
  try {
    const tables = await sql.query<{ name: string }>(
      `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`,
    );
    const result: Record<string, number> = {};
    for (const table of tables.rows.map((t) => t.name)) {
      result[table] = (await sql.query(`SELECT count(*)::int AS n FROM "${table}"`)).rows[0].n;
    }
    return result;
  } finally {
    await sql.end();
  }
}

/** docs/backup.md, run: a database filled through the real app (sign-ins, users created and
 * changed: audited actions) is dumped with pg_dump's custom format, restored with pg_restore
 * into a fresh database, and `kuzet audit verify` passes on the restored one with every row;
 * a row changed after the restore is found. */
describe('backup with pg_dump and restore with pg_restore', () => {
  let source: TestDatabase;
  let restored: TestDatabase;
  let app: NestFastifyApplication | undefined;
  let dir: string;

  beforeAll(async () => {
    source = await createTestDatabase();
    restored = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'kuzet-backup-'));
    ({ app } = await startTestApp([], { DATABASE_URL: source.url }));
    const admin = await signInAs(app, ['system-admin']);
    for (let i = 0; i < 5; i++) {
      const created = await app.inject({
        method: 'POST',
        url: '/v1/users',
        headers: admin.headers,
        payload: {
          username: `backup.operator.${i}`,
          password: `backup operator password ${i}`,
          roles: ['operator'],
          centre_ids: ['aktau'],
        },
      });
      expect(created.statusCode).toBe(201);
      const id = created.json<{ id: string }>().id;
      const disabled = await app.inject({
        method: 'PATCH',
        url: `/v1/users/${id}`,
        headers: admin.headers,
        payload: { status: 'disabled' },
      });
      expect(disabled.statusCode).toBe(200);
    }
    const refused = await app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { username: 'backup.operator.0', password: 'not the password at all' },
    });
    expect(refused.statusCode).toBe(401);
    await app.close();
    app = undefined;
  });

  afterAll(async () => {
    await app?.close();
    await source?.drop();
    await restored?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('restores a dump into a fresh database on which `kuzet audit verify` passes', async () => {
    const before = await counts(source.url);
    // the admin's creation and sign-in, five users created and disabled, a refused sign-in
    expect(before.audit_log).toBeGreaterThanOrEqual(11);
    expect(before.staff_user).toBe(6);

    // docs/backup.md's dump, as written: a dated file in the working directory
    await shell(documented('pg_dump'), dir, { DATABASE_URL: source.url });
    const [dumped] = readdirSync(dir).filter((f) => /^kuzet-\d{8}T\d{4}Z\.dump$/.test(f));
    expect(statSync(join(dir, dumped!)).size).toBeGreaterThan(0);
    // and its restore, of the file it names
    renameSync(join(dir, dumped!), join(dir, 'kuzet.dump'));
    await shell(documented('pg_restore'), dir, { RESTORE_URL: restored.url });

    expect(await counts(restored.url)).toEqual(before);
    const verified = await kuzet(['audit', 'verify'], {
      DATABASE_URL: restored.url,
      LOG_LEVEL: 'silent',
    });
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({
      ok: true,
      rowsChecked: before.audit_log,
    });
  });

  it('fails verification when a restored row is altered', async () => {
    const sql = new Client({ connectionString: restored.url });
    await sql.connect();
    try {
      // the append-only trigger came back with the restore: only a superuser switching
      // triggers off can change a row
      await expect(
        sql.query(`UPDATE audit_log SET actor = 'mallory' WHERE seq = 3`),
      ).rejects.toThrow(/append-only/);
      await sql.query('BEGIN');
      await sql.query('SET LOCAL session_replication_role = replica');
      await sql.query(`UPDATE audit_log SET actor = 'mallory' WHERE seq = 3`);
      await sql.query('COMMIT');
    } finally {
      await sql.end();
    }
    const broken = await kuzet(['audit', 'verify'], {
      DATABASE_URL: restored.url,
      LOG_LEVEL: 'silent',
    });
    expect(broken.code).toBe(1);
    expect(JSON.parse(broken.stdout)).toMatchObject({ ok: false, firstBroken: { seq: 3 } });
  });
});

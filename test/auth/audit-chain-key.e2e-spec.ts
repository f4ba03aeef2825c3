import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { AuditCheckpointService } from '../../apps/audit/src/chain/audit-checkpoint.service';
import { AuditModule } from '../../apps/audit/src/audit.module';
import { AuditLogService, chainHash, GENESIS_HASH, keyringFrom } from '@kuzet/audit-log';
import { kuzet } from '../support/cli';
import { createTestDatabase, TestDatabase } from '../support/database';
import { startTestApp } from '../support/kuzet-app';
import { TEST_AUDIT_CHAIN_KEYS } from '../support/staff';

interface StoredRow {
  seq: string;
  occurred_at: Date;
  actor: string;
  action: string;
  subject_type: string;
  subject_id: string;
  details: Record<string, unknown>;
  prev_hash: Buffer;
  hash: Buffer;
  key_id: string | null;
  mac: Buffer | null;
}

/** Issue 12, finding 7: the chain's rows are signed with a key the database does not hold, and
 * checkpoints kept outside it find a rewritten or truncated chain. Each attack runs on the real
 * PostgreSQL against the real `kuzet audit verify`. */
describe('signed audit chain and checkpoints', () => {
  const databases: TestDatabase[] = [];
  const apps: NestFastifyApplication[] = [];
  const clients: Client[] = [];
  const roles: string[] = [];
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kuzet-chain-'));
  });

  afterAll(async () => {
    for (const app of apps) await app.close();
    for (const client of clients) await client.end();
    for (const database of databases) await database.drop();
    const server = new Client({ connectionString: process.env.DATABASE_URL });
    await server.connect();
    for (const role of roles) await server.query(`DROP ROLE IF EXISTS ${role}`);
    await server.end();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A fresh database with `rows` entries appended by the app, and a superuser connection. */
  async function chainOf(
    rows: number,
    beforeMigrations?: (sql: Client) => Promise<void>,
    keys = TEST_AUDIT_CHAIN_KEYS,
  ) {
    const database = await createTestDatabase();
    databases.push(database);
    const sql = new Client({ connectionString: database.url });
    await sql.connect();
    clients.push(sql);
    await beforeMigrations?.(sql);
    const checkpointFile = join(dir, `${randomUUID()}.jsonl`);
    const { app } = await startTestApp([AuditModule], {
      DATABASE_URL: database.url,
      AUDIT_CHAIN_KEYS: keys,
      AUDIT_CHECKPOINT_FILE: checkpointFile,
      AUDIT_CHECKPOINT_INTERVAL_MS: 0,
      RETENTION_PURGE_INTERVAL_MS: 0,
      KUZET_DATA_DIR: dir,
    });
    apps.push(app);
    const audit = app.get(AuditLogService);
    for (let i = 1; i <= rows; i++) {
      await audit.append({
        actor: 'operator-dana',
        action: 'alert.decided',
        subjectType: 'alert',
        subjectId: `alert-${i}`,
        details: { decision: i % 2 ? 'rejected' : 'confirmed', n: i },
      });
    }
    const verify = (args: string[] = [], env: Record<string, string> = {}) =>
      kuzet(['audit', 'verify', ...args], { DATABASE_URL: database.url, ...env });
    return { database, sql, app, checkpointFile, verify };
  }

  const storedRows = async (sql: Client, fromSeq = 1): Promise<StoredRow[]> =>
    (await sql.query<StoredRow>('SELECT * FROM audit_log WHERE seq >= $1 ORDER BY seq', [fromSeq]))
      .rows;

  const hashOf = (prevHash: Buffer, row: StoredRow): Buffer =>
    chainHash(prevHash, {
      seq: Number(row.seq),
      occurredAt: row.occurred_at,
      actor: row.actor,
      action: row.action,
      subjectType: row.subject_type,
      subjectId: row.subject_id,
      details: row.details,
    });

  /** What a superuser can do: switch the append-only trigger off for a moment, change a row and
   * re-link every later one, re-signing them only when handed the key. */
  async function rewrite(
    sql: Client,
    seq: number,
    change: Record<string, unknown>,
    withKey?: string,
  ): Promise<void> {
    const keyring = withKey ? keyringFrom(withKey) : undefined;
    const rows = await storedRows(sql, seq);
    let prevHash = rows[0]!.prev_hash;
    await sql.query('BEGIN');
    await sql.query('SET LOCAL session_replication_role = replica');
    for (const row of rows) {
      if (Number(row.seq) === seq) row.details = { ...row.details, ...change };
      const hash = hashOf(prevHash, row);
      const signature = keyring?.sign(hash) ?? { keyId: row.key_id, mac: row.mac };
      await sql.query(
        'UPDATE audit_log SET details = $2, prev_hash = $3, hash = $4, key_id = $5, mac = $6 WHERE seq = $1',
        [row.seq, row.details, prevHash, hash, signature.keyId, signature.mac],
      );
      prevHash = hash;
    }
    await sql.query('COMMIT');
  }

  it('catches a correctly chained entry forged by the insert-only service role', async () => {
    const role = `kuzet_svc_${randomUUID().slice(0, 8)}`;
    roles.push(role);
    const { sql, verify } = await chainOf(10, async (admin) => {
      // as a DBA sets up a service account: everything on the tables migrations create
      await admin.query(`CREATE ROLE ${role}`);
      await admin.query(`GRANT USAGE ON SCHEMA public TO ${role}`);
      await admin.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO ${role}`);
    });
    expect((await verify()).code).toBe(0);

    await sql.query(`SET ROLE ${role}`);
    try {
      const [head] = await storedRows(sql, 10);
      const forged = {
        seq: 11,
        occurredAt: new Date(),
        actor: 'supervisor-erlan',
        action: 'alert.decided',
        subjectType: 'alert',
        subjectId: 'alert-3',
        details: { decision: 'confirmed' },
      };
      const hash = chainHash(head!.hash, forged);
      const insert = (keyId: string | null, mac: Buffer | null) =>
        sql.query(
          `INSERT INTO audit_log (seq, occurred_at, actor, action, subject_type, subject_id, details,
             prev_hash, hash, key_id, mac) VALUES (11, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
          [
            forged.occurredAt,
            forged.actor,
            forged.action,
            forged.subjectType,
            forged.subjectId,
            forged.details,
            head!.hash,
            hash,
            keyId,
            mac,
          ],
        );
      await insert(null, null);
      const unsigned = await verify();
      expect(unsigned.code).toBe(1);
      expect(JSON.parse(unsigned.stdout)).toMatchObject({
        ok: false,
        rowsChecked: 10,
        firstBroken: { seq: 11, reason: expect.stringMatching(/not signed/) },
      });
      expect(unsigned.stderr).toMatch(/broken at row 11/);

      // the same forgery dressed with the key's id and a guessed MAC, or a key id of its own
      for (const [keyId, reason] of [
        ['test', /MAC does not match/],
        ['forger', /key id "forger", which is not in AUDIT_CHAIN_KEYS/],
      ] as const) {
        await sql.query('RESET ROLE');
        await sql.query('BEGIN');
        await sql.query('SET LOCAL session_replication_role = replica');
        await sql.query('DELETE FROM audit_log WHERE seq = 11');
        await sql.query('COMMIT');
        await sql.query(`SET ROLE ${role}`);
        await insert(keyId, chainHash(hash, forged));
        const run = await verify();
        expect(run.code).toBe(1);
        expect(JSON.parse(run.stdout)).toMatchObject({ firstBroken: { seq: 11, reason } });
      }

      // the service role can no longer attach a trigger (one broke every sign-in) or reference
      // the table; it keeps what appending needs
      await expect(
        sql.query(
          `CREATE TRIGGER break_sign_in BEFORE INSERT ON audit_log
           FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()`,
        ),
      ).rejects.toThrow(/permission denied/);
      const privileges = await sql.query<{ privilege_type: string }>(
        `SELECT privilege_type FROM information_schema.role_table_grants
         WHERE table_name = 'audit_log' AND grantee = $1 ORDER BY privilege_type`,
        [role],
      );
      expect(privileges.rows.map((r) => r.privilege_type)).toEqual(['INSERT', 'SELECT']);
    } finally {
      await sql.query('RESET ROLE');
    }
    await sql.query(`REASSIGN OWNED BY ${role} TO postgres`);
    await sql.query(`DROP OWNED BY ${role}`);
  });

  it('catches a superuser rewrite by the MAC, and a key holder’s rewrite by a checkpoint', async () => {
    const { sql, app, checkpointFile, verify } = await chainOf(12);
    const checkpoint = await app.get(AuditCheckpointService).takeCheckpoint();
    expect(checkpoint).toMatchObject({ seq: 12, keyId: 'test' });
    expect(JSON.parse(readFileSync(checkpointFile, 'utf8').trim())).toEqual(checkpoint);
    // an auditor's own file, started by verify itself
    const auditorFile = join(dir, `auditor-${randomUUID()}.jsonl`);
    expect((await verify(['--checkpoints', auditorFile, '--record'])).code).toBe(0);
    expect(JSON.parse(readFileSync(auditorFile, 'utf8').trim())).toMatchObject({ seq: 12 });

    await rewrite(sql, 5, { decision: 'confirmed', n: 5 });
    const forged = await verify();
    expect(forged.code).toBe(1);
    expect(JSON.parse(forged.stdout)).toMatchObject({
      rowsChecked: 4,
      firstBroken: { seq: 5, reason: expect.stringMatching(/MAC does not match/) },
    });

    // with the key (the app host's), the rewrite is signed: only a checkpoint shows it
    await rewrite(sql, 5, { decision: 'confirmed', n: 5 }, TEST_AUDIT_CHAIN_KEYS);
    expect((await verify()).code).toBe(0);
    for (const file of [checkpointFile, auditorFile]) {
      const caught = await verify(['--checkpoints', file]);
      expect(caught.code).toBe(1);
      expect(JSON.parse(caught.stdout)).toMatchObject({
        firstBroken: { seq: 12, reason: expect.stringMatching(/differs from the checkpoint/) },
      });
    }
  });

  it('catches rows removed from the end through a checkpoint', async () => {
    const { sql, app, checkpointFile, verify } = await chainOf(8);
    await app.get(AuditCheckpointService).takeCheckpoint();
    await sql.query('BEGIN');
    await sql.query('SET LOCAL session_replication_role = replica');
    await sql.query('DELETE FROM audit_log WHERE seq > 6');
    await sql.query('COMMIT');

    // the chain alone cannot tell: its last row is still well signed
    expect((await verify()).code).toBe(0);
    const caught = await verify(['--checkpoints', checkpointFile]);
    expect(caught.code).toBe(1);
    expect(JSON.parse(caught.stdout)).toMatchObject({
      rowsChecked: 6,
      firstBroken: { seq: 8, reason: expect.stringMatching(/ends at row 6: rows were removed/) },
    });
    expect(caught.stderr).toMatch(/broken at row 8/);
  });

  it('rotates the key: old rows verify while the old key is in the ring, the switch is on the log', async () => {
    const oldKey = `old:${'o'.repeat(40)}`;
    const newKey = `new:${'n'.repeat(40)}`;
    const { database, verify } = await chainOf(3, undefined, oldKey);
    const { app } = await startTestApp([], {
      DATABASE_URL: database.url,
      AUDIT_CHAIN_KEYS: `${newKey},${oldKey}`,
      AUDIT_CHAIN_KEY_ID: 'new',
    });
    apps.push(app);
    await app.get(AuditLogService).append({
      actor: 'auditor-aida',
      action: 'audit.query',
      subjectType: 'audit-log',
      subjectId: '*',
    });
    const log = await app.get(AuditLogService).search({ limit: 10 });
    expect(log.map((e) => [e.seq, e.action, e.keyId])).toEqual([
      [1, 'alert.decided', 'old'],
      [2, 'alert.decided', 'old'],
      [3, 'alert.decided', 'old'],
      [4, 'audit.key-rotated', 'new'],
      [5, 'audit.query', 'new'],
    ]);
    expect(log[3]!.details).toMatchObject({ from: 'old', to: 'new', afterSeq: 3 });

    const both = await verify([], {
      AUDIT_CHAIN_KEYS: `${newKey},${oldKey}`,
      AUDIT_CHAIN_KEY_ID: 'new',
    });
    expect(JSON.parse(both.stdout)).toMatchObject({ ok: true, rowsChecked: 5 });
    const retired = await verify([], { AUDIT_CHAIN_KEYS: newKey });
    expect(retired.code).toBe(1);
    expect(JSON.parse(retired.stdout)).toMatchObject({
      firstBroken: { seq: 1, reason: expect.stringMatching(/key id "old", which is not in/) },
    });
    const keyless = await verify([], { AUDIT_CHAIN_KEYS: '' });
    expect(keyless.code).toBe(1);
    expect(keyless.stderr).toMatch(/AUDIT_CHAIN_KEYS is not set/);
  });

  it('starts a chain with its first row signed', async () => {
    const { sql } = await chainOf(1);
    const [first] = await storedRows(sql);
    expect(first).toMatchObject({ key_id: 'test' });
    expect(first!.prev_hash).toEqual(GENESIS_HASH);
    expect(first!.mac).toHaveLength(32);
  });
});

import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { AuditLogService } from '@kuzet/audit-log';
import { kuzet } from '../support/cli';
import { createTestDatabase, TestDatabase } from '../support/database';
import { startTestApp } from '../support/kuzet-app';

/** The audit log on the real PostgreSQL: one chain from several processes, append-only for
 * the application role and for superusers, and tampering found by `kuzet audit verify`. */
describe('hash-chained audit log', () => {
  let database: TestDatabase;
  let apps: NestFastifyApplication[] = [];
  let sql: Client;
  const appRole = `kuzet_app_${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    database = await createTestDatabase();
    sql = new Client({ connectionString: database.url });
    await sql.connect();
    // as a DBA would set up a service account: everything on the tables migrations create
    await sql.query(`CREATE ROLE ${appRole}`);
    await sql.query(`GRANT USAGE ON SCHEMA public TO ${appRole}`);
    await sql.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO ${appRole}`);
    // two app instances on one database stand for two processes appending at once
    for (let i = 0; i < 2; i++) {
      apps.push((await startTestApp([], { DATABASE_URL: database.url })).app);
    }
  });

  afterAll(async () => {
    for (const app of apps) await app.close();
    apps = [];
    await sql?.query(`REASSIGN OWNED BY ${appRole} TO postgres`).catch(() => undefined);
    await sql?.query(`DROP OWNED BY ${appRole}`).catch(() => undefined);
    await sql?.end();
    await database?.drop();
    const server = new Client({ connectionString: process.env.DATABASE_URL });
    await server.connect();
    await server.query(`DROP ROLE IF EXISTS ${appRole}`).catch(() => undefined);
    await server.end();
  });

  it('keeps one unbroken chain while two processes append concurrently', async () => {
    await Promise.all(
      apps.flatMap((app, instance) =>
        Array.from({ length: 40 }, (_, i) =>
          app.get(AuditLogService).append({
            actor: `instance-${instance}`,
            action: 'test.appended',
            subjectType: 'test',
            subjectId: `${instance}-${i}`,
            details: { i, at: new Date(), nested: { b: [1, 'two', null], a: 0.1 } },
          }),
        ),
      ),
    );
    const result = await apps[0]!.get(AuditLogService).verifyChain();
    expect(result).toMatchObject({ ok: true, rowsChecked: 80 });
    const seqs = await sql.query<{ seq: string }>('SELECT seq FROM audit_log ORDER BY seq');
    expect(seqs.rows.map((r) => Number(r.seq))).toEqual(
      Array.from({ length: 80 }, (_, i) => i + 1),
    );
  });

  it('rolls an entry back with the transaction it was appended in', async () => {
    const audit = apps[0]!.get(AuditLogService);
    const before = (await sql.query('SELECT count(*)::int AS n FROM audit_log')).rows[0].n;
    await expect(
      apps[0]!.get(DataSource).transaction(async (manager) => {
        await audit.append(
          { actor: 't', action: 'test.rolled-back', subjectType: 'test', subjectId: 'x' },
          manager,
        );
        throw new Error('the caller fails after appending');
      }),
    ).rejects.toThrow('the caller fails');
    expect((await sql.query('SELECT count(*)::int AS n FROM audit_log')).rows[0].n).toBe(before);
  });

  it('refuses UPDATE, DELETE and TRUNCATE, to the application role by grant and to a superuser by trigger', async () => {
    await expect(sql.query(`UPDATE audit_log SET actor = 'mallory' WHERE seq = 1`)).rejects.toThrow(
      /append-only/,
    );
    await expect(sql.query('DELETE FROM audit_log WHERE seq = 1')).rejects.toThrow(/append-only/);
    await expect(sql.query('TRUNCATE audit_log')).rejects.toThrow(/append-only/);

    await sql.query(`SET ROLE ${appRole}`);
    try {
      expect((await sql.query('SELECT count(*)::int AS n FROM audit_log')).rows[0].n).toBe(80);
      await expect(
        sql.query(`UPDATE audit_log SET actor = 'mallory' WHERE seq = 1`),
      ).rejects.toThrow(/permission denied/);
      await expect(sql.query('DELETE FROM audit_log WHERE seq = 1')).rejects.toThrow(
        /permission denied/,
      );
      // the same role may still change other tables
      await sql.query(`UPDATE staff_user SET status = status`);
    } finally {
      await sql.query('RESET ROLE');
    }
  });

  it('names the row changed directly in PostgreSQL: `kuzet audit verify` exits 1', async () => {
    const env = { DATABASE_URL: database.url, LOG_LEVEL: 'silent' };
    const intact = await kuzet(['audit', 'verify'], env);
    expect(intact.code).toBe(0);
    expect(JSON.parse(intact.stdout)).toMatchObject({ ok: true, rowsChecked: 80 });

    // someone with the owner's or a superuser's rights switches the trigger off for a moment
    await sql.query('BEGIN');
    await sql.query('SET LOCAL session_replication_role = replica');
    await sql.query(
      `UPDATE audit_log SET details = jsonb_set(details, '{i}', '999') WHERE seq = 37`,
    );
    await sql.query('COMMIT');

    const broken = await kuzet(['audit', 'verify'], env);
    expect(broken.code).toBe(1);
    expect(JSON.parse(broken.stdout)).toMatchObject({
      ok: false,
      rowsChecked: 36,
      firstBroken: { seq: 37, reason: expect.stringMatching(/changed/) },
    });
    expect(broken.stderr).toMatch(/broken at row 37/);
  });
});

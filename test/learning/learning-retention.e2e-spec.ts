import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { AuditModule } from '../../apps/audit/src/audit.module';
import { RetentionService } from '../../apps/audit/src/retention/retention.service';
import { createTestDatabase, TestDatabase } from '../support/database';
import { startTestApp } from '../support/kuzet-app';

/** Probe embeddings of hits and "not this person" negatives are hit evidence: the retention
 * purge deletes them at their expiry, each batch with its audit entry. Suppressed matches and
 * "not this car" rejected reads go once older than EVIDENCE_RETENTION_DAYS. */
describe('the evidence retention purges what learning keeps', () => {
  let database: TestDatabase;
  let app: NestFastifyApplication;
  let dataDir: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'kuzet-learning-retention-'));
    ({ app } = await startTestApp([AuditModule], {
      DATABASE_URL: database.url,
      KUZET_DATA_DIR: dataDir,
      RETENTION_PURGE_INTERVAL_MS: 0,
      EVIDENCE_RETENTION_DAYS: 30,
    }));
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('deletes expired probes and negatives, keeps the others, and audits it', async () => {
    const sql = app.get(DataSource);
    const now = new Date();
    const past = new Date(now.getTime() - 1000);
    const future = new Date(now.getTime() + 86_400_000);
    const embedding = Buffer.from(new Float32Array(512).fill(0.1).buffer);
    const [oldProbe, newProbe, oldNegative, newNegative] = [1, 2, 3, 4].map(() => randomUUID());
    for (const [id, expiresAt] of [
      [oldProbe, past],
      [newProbe, future],
    ] as const)
      await sql.query(
        `INSERT INTO hit_probe (hit_id, embedding, model_id, expires_at) VALUES ($1, $2, 'm', $3)`,
        [id, embedding, expiresAt],
      );
    for (const [id, expiresAt] of [
      [oldNegative, past],
      [newNegative, future],
    ] as const)
      await sql.query(
        `INSERT INTO face_negative (id, person_id, watchlist_id, alert_id, embedding, model_id,
           similarity, created_by, expires_at)
         VALUES ($1, $2, $3, $4, $5, 'm', 0.5, 'op', $6)`,
        [id, randomUUID(), randomUUID(), randomUUID(), embedding, expiresAt],
      );

    const report = await app.get(RetentionService).purgeExpired(now);
    expect(report.learning).toBe(2);
    const probes: { hit_id: string }[] = await sql.query(`SELECT hit_id FROM hit_probe`);
    expect(probes.map((p) => p.hit_id)).toEqual([newProbe]);
    const negatives: { id: string }[] = await sql.query(`SELECT id FROM face_negative`);
    expect(negatives.map((n) => n.id)).toEqual([newNegative]);
    const audited: { subject_type: string; details: { ids: string[] } }[] = await sql.query(
      `SELECT subject_type, details FROM audit_log WHERE action = 'retention.purged'
         AND subject_type IN ('hit_probe', 'face_negative') ORDER BY seq`,
    );
    expect(audited.map((a) => [a.subject_type, a.details.ids])).toEqual([
      ['hit_probe', [oldProbe]],
      ['face_negative', [oldNegative]],
    ]);
  });

  it('deletes suppressed matches and rejected reads older than the evidence retention', async () => {
    const sql = app.get(DataSource);
    const now = new Date();
    const old = new Date(now.getTime() - 31 * 86_400_000);
    const recent = new Date(now.getTime() - 29 * 86_400_000);
    const [oldMatch, newMatch, oldRead, newRead] = [1, 2, 3, 4].map(() => randomUUID());
    for (const [id, at] of [
      [oldMatch, old],
      [newMatch, recent],
    ] as const)
      await sql.query(
        `INSERT INTO suppressed_match (id, event_id, camera_id, person_id, watchlist_id,
           negative_id, similarity, negative_similarity, margin, ceiling, captured_at, recorded_at)
         VALUES ($1, $2, 'cam', $3, $4, $5, 0.5, 0.6, 0.05, 0.8, $6, $6)`,
        [id, randomUUID(), randomUUID(), randomUUID(), randomUUID(), at],
      );
    for (const [alertId, at] of [
      [oldRead, old],
      [newRead, recent],
    ] as const)
      await sql.query(
        `INSERT INTO vehicle_rejected_read (entry_id, plate, alert_id, created_by, created_at)
         VALUES ($1, '123ABC02', $2, 'op', $3)`,
        [randomUUID(), alertId, at],
      );

    const report = await app.get(RetentionService).purgeExpired(now);
    expect(report.learning).toBe(2);
    const matches: { id: string }[] = await sql.query(`SELECT id FROM suppressed_match`);
    expect(matches.map((m) => m.id)).toEqual([newMatch]);
    const reads: { alert_id: string }[] = await sql.query(
      `SELECT alert_id FROM vehicle_rejected_read`,
    );
    expect(reads.map((r) => r.alert_id)).toEqual([newRead]);
    const audited: { subject_type: string; details: { ids: string[]; retentionDays: number } }[] =
      await sql.query(
        `SELECT subject_type, details FROM audit_log WHERE action = 'retention.purged'
           AND subject_type IN ('suppressed_match', 'vehicle_rejected_read') ORDER BY seq`,
      );
    expect(audited.map((a) => [a.subject_type, a.details.ids, a.details.retentionDays])).toEqual([
      ['suppressed_match', [oldMatch], 30],
      ['vehicle_rejected_read', [oldRead], 30],
    ]);
  });
});

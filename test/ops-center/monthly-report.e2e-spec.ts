import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { OpsCenterModule } from '../../apps/ops-center/src/ops-center.module';
import { kuzet } from '../support/cli';
import { createTestDatabase, TestDatabase } from '../support/database';
import { startTestApp } from '../support/kuzet-app';
import { signInAs } from '../support/staff';

const REGION = resolve(__dirname, '../../deploy/config/region.yaml');

/** Mangystau, January 2026, as the region's police published it (../shared/CONTEXT.md):
 * 63,595 cameras, 21,898 of them connected; 5,705 violations found by cameras; 10 wanted
 * persons identified by face recognition, all 10 brought in; 25 SOS buttons, no calls. The
 * month is written into the database, and the report states exactly these figures: in its
 * JSON (API and CLI) and in the text of its PDF (printed by Chromium, read with pdftotext). */
describe('the monthly report of Mangystau, January 2026', () => {
  let database: TestDatabase;
  let app: NestFastifyApplication;
  let dir: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'kuzet-report-'));
    ({ app } = await startTestApp([OpsCenterModule], {
      DATABASE_URL: database.url,
      KUZET_REGION_FILE: REGION,
    }));
    const sql = app.get(DataSource);
    const count = async (where: string) =>
      (await sql.query(`SELECT count(*)::int AS n FROM camera WHERE ${where}`))[0].n as number;
    // connected cameras up to 21,898, SOS buttons up to 25 (the seed region has a few of each)
    await sql.query(
      `INSERT INTO camera (id, name, district_id, centre_id)
       SELECT 'aktau-gen-' || i, 'camera ' || i, 'aktau-city', 'aktau'
         FROM generate_series(1, $1::int) AS i`,
      [21_898 - (await count(`kind = 'camera'`))],
    );
    await sql.query(
      `INSERT INTO camera (id, name, district_id, centre_id, kind)
       SELECT 'zhanaozen-sos-gen-' || i, 'SOS ' || i, 'zhanaozen-city', 'zhanaozen', 'sos_button'
         FROM generate_series(1, $1::int) AS i`,
      [25 - (await count(`kind = 'sos_button'`))],
    );
    // all 63,595: Aktau city is known by its total only, beyond its connected cameras
    const elsewhere = await count(`kind = 'camera' AND district_id <> 'aktau-city'`);
    await sql.query(`UPDATE district SET cameras_total = $1 WHERE id = 'aktau-city'`, [
      63_595 - elsewhere,
    ]);
    // 5,705 violations in January (Asia/Almaty), spread over the districts; some outside it
    await sql.query(
      `INSERT INTO violation_record (event_id, camera_id, district_id, centre_id, code, plate,
         evidence_ref, captured_at)
       SELECT gen_random_uuid(), 'aktau-cam-0001', d.id, d.centre_id, 'speeding', '123ABC12', 'x',
              timestamptz '2025-12-31 19:00:00+00' + (i * interval '7 minutes 49 seconds')
         FROM generate_series(0, 5704) AS i
         JOIN (SELECT id, centre_id, row_number() OVER (ORDER BY id) - 1 AS k FROM district) d
           ON d.k = i % 7`,
    );
    await sql.query(
      `INSERT INTO violation_record (event_id, camera_id, district_id, centre_id, code, plate,
         evidence_ref, captured_at)
       VALUES (gen_random_uuid(), 'aktau-cam-0001', 'aktau-city', 'aktau', 'speeding', '1', 'x',
               '2026-01-31 19:00:00+00'),
              (gen_random_uuid(), 'aktau-cam-0001', 'aktau-city', 'aktau', 'speeding', '1', 'x',
               '2025-12-31 18:59:59+00')`,
    );
    // 10 wanted persons identified, confirmed, each detained and brought in
    for (let i = 0; i < 10; i++) {
      const id = randomUUID();
      const captured = new Date(Date.UTC(2026, 0, 2 + i * 3, 6, 0, 0));
      const confirmed = new Date(captured.getTime() + 60_000);
      await sql.query(
        `INSERT INTO alert (id, kind, state, priority, centre_id, district_id, camera_id, event_id,
           person_id, watchlist_id, similarity, threshold, captured_at, last_seen_at, decided_by,
           decided_at)
         VALUES ($1, 'watchlist_hit', 'confirmed', 10, 'aktau', 'aktau-city', 'aktau-cam-0001',
           $2, $3, $4, 0.7, 0.4, $5, $5, 'aktau.one', $6)`,
        [id, randomUUID(), randomUUID(), randomUUID(), captured, confirmed],
      );
      for (const [step, after, outcome] of [
        ['dispatch', 60, null],
        ['arrival', 60 + 300 + i * 30, null],
        ['outcome', 1_200, 'detained'],
      ] as const)
        await sql.query(
          `INSERT INTO alert_outcome_entry (id, alert_id, step, unit_text, outcome, occurred_at,
             user_id, username)
           VALUES ($1, $2, $3, $4, $5, $6, 'u', 'aktau.one')`,
          [
            randomUUID(),
            id,
            step,
            step === 'dispatch' ? 'ПА-12' : null,
            outcome,
            new Date(confirmed.getTime() + after * 1000),
          ],
        );
    }
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const PUBLISHED = {
    cameras_installed: 63_595,
    cameras_connected: 21_898,
    violations: 5_705,
    wanted_persons_identified: 10,
    wanted_persons_brought_in: 10,
    sos_buttons: 25,
    sos_calls: 0,
  };

  it('states the published figures in its JSON, from the API and from the CLI', async () => {
    const auditor = await signInAs(app, ['auditor']);
    const api = await app.inject({
      method: 'GET',
      url: '/v1/reports/monthly?month=2026-01',
      headers: auditor.headers,
    });
    expect(api.statusCode).toBe(200);
    expect(api.json().region).toMatchObject(PUBLISHED);
    // response: 5 min + 30 s steps, i.e. 6:00 .. 10:30 after the confirm; median 8:15
    expect(api.json().region).toMatchObject({ response_median_s: 495, alerts_confirmed: 10 });
    const cli = await kuzet(['report', 'monthly', '--month', '2026-01', '--format', 'json'], {
      DATABASE_URL: database.url,
    });
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    const json = JSON.parse(cli.stdout);
    expect(json.region).toMatchObject(PUBLISHED);
    expect(json.queries.map((q: { name: string }) => q.name)).toEqual([
      'cameras',
      'violations',
      'alerts',
    ]);
  });

  it('states them in the text of its PDF, printed by Chromium from the HTML', async () => {
    const pdf = join(dir, 'report.pdf');
    const run = await kuzet(
      ['report', 'monthly', '--month', '2026-01', '--format', 'pdf', '--out', pdf],
      { DATABASE_URL: database.url },
    );
    expect(run.code).toBe(0);
    expect(readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-');
    const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
    expect(text).toContain('январь 2026');
    // docs/report-monthly-ru.png: the first page as an image
    if (process.env.KUZET_WRITE_DOCS)
      execFileSync('pdftoppm', [
        '-png',
        '-r',
        '70',
        '-singlefile',
        pdf,
        resolve(__dirname, '../../docs/report-monthly-ru'),
      ]);
    const region = text.split('\n').find((line) => line.trim().startsWith('Область'));
    // the columns: installed, connected, violations, confirmed, identified, brought in,
    // vehicles, false alerts, SOS buttons, SOS calls, median and p90 in minutes
    expect(region?.trim().split(/\s+/)).toEqual([
      'Область',
      '63595',
      '21898',
      '5705',
      '10',
      '10',
      '10',
      '0',
      '0',
      '25',
      '0',
      '8.3',
      '10.1',
    ]);
  });
});

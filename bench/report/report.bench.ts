/**
 * Monthly report benchmark (issue 20): the report of January 2026 over a database holding, in
 * that month, BENCH_PLATE_READS plate reads (1,000,000), BENCH_VIOLATIONS violations (100,000)
 * and BENCH_HITS alerts (10,000: face and vehicle hits and SOS alarms, most confirmed, each
 * confirmed one with its dispatch, arrival and outcome, a tenth of them corrected), on the real
 * PostgreSQL server (DATABASE_URL, a database of its own, dropped after).
 *
 *   npm run bench:report
 *
 * Prints ONE JSON object on stdout (progress on stderr): the whole report's time (median of
 * BENCH_ROUNDS runs, 5, after one warm-up) and each query's, the slowest named. Goal: ≤ 5 s.
 */
import { performance } from 'node:perf_hooks';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@kuzet/persistence';
import { computeMonthlyReport } from '@kuzet/reporting';
import { createTestDatabase } from '../../test/support/database';
import { intFromEnv } from '../support/env';

const GOAL_MS = 5_000;
const PLATE_READS = intFromEnv('BENCH_PLATE_READS', 1_000_000, 0, 50_000_000);
const VIOLATIONS = intFromEnv('BENCH_VIOLATIONS', 100_000, 0, 10_000_000);
const HITS = intFromEnv('BENCH_HITS', 10_000, 0, 1_000_000);
const ROUNDS = intFromEnv('BENCH_ROUNDS', 5, 1, 100);
const FROM = '2025-12-31T19:00:00Z';
const MONTH_S = 31 * 24 * 3600;

const log = (message: string) => process.stderr.write(`[bench:report] ${message}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const database = await createTestDatabase();
  // no logger: stdout carries the one JSON object
  const dataSource = new DataSource({
    ...dataSourceOptions({ url: database.url, poolSize: 4, runMigrations: true }),
    logging: false,
    logger: undefined,
  });
  try {
    await dataSource.initialize();
    const q = (sql: string, params: unknown[] = []) => dataSource.query(sql, params);
    log('filling the month');
    // the seed region's shape: 7 centres, 7 districts, 3,000 cameras each
    await q(`INSERT INTO operations_centre (id, name, kind, parent_centre_id) VALUES
      ('aktau', 'Aktau', 'main', NULL), ('zhanaozen', 'Zhanaozen', 'main', NULL),
      ('munaily', 'Munaily', 'district', 'aktau'), ('tupkaragan', 'Tupkaragan', 'district', 'aktau'),
      ('mangystau', 'Mangystau', 'district', 'aktau'), ('beineu', 'Beineu', 'district', 'zhanaozen'),
      ('karakiya', 'Karakiya', 'district', 'zhanaozen')`);
    await q(`INSERT INTO district (id, name, centre_id, cameras_total)
      SELECT id, name, id, 9000 FROM operations_centre`);
    await q(`INSERT INTO camera (id, name, district_id, centre_id, connected, kind)
      SELECT d.id || '-cam-' || i, 'camera', d.id, d.id, i % 3 <> 0,
             CASE WHEN i % 500 = 0 THEN 'sos_button' ELSE 'camera' END
        FROM district d, generate_series(1, 3000) AS i`);
    await q(`CREATE TABLE plate_read_bench PARTITION OF plate_read
      FOR VALUES FROM ('2025-12-01') TO ('2026-03-01')`);
    let started = performance.now();
    await q(
      `INSERT INTO plate_read (read_at, event_id, confidence, direction, camera_id, plate_normalised, plate_read)
       SELECT $1::timestamptz + (i % $3) * interval '1 second', gen_random_uuid(), 0.9, 1,
              'aktau-cam-' || (i % 3000 + 1), lpad((i % 999)::text, 3, '0') || 'ABC12', 'x'
         FROM generate_series(1, $2::int) AS i`,
      [FROM, PLATE_READS, MONTH_S],
    );
    log(`${PLATE_READS} plate reads in ${Math.round(performance.now() - started)} ms`);
    await q(
      `INSERT INTO violation_record (event_id, camera_id, district_id, centre_id, code, plate,
         evidence_ref, captured_at)
       SELECT gen_random_uuid(), d.id || '-cam-1', d.id, d.id,
              (ARRAY['speeding','red_light','no_seat_belt','wrong_way_driving','illegal_dumping'])[i % 5 + 1],
              '123ABC12', 'x', $1::timestamptz + (i % $3) * interval '1 second'
         FROM generate_series(1, $2::int) AS i
         JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM district) d ON d.k = i % 7`,
      [FROM, VIOLATIONS, MONTH_S],
    );
    await q(
      `INSERT INTO alert (id, kind, state, priority, centre_id, district_id, camera_id, event_id,
         person_id, message, captured_at, last_seen_at, decided_by, decided_at)
       SELECT gen_random_uuid(), (ARRAY['watchlist_hit','vehicle_hit','alarm'])[i % 3 + 1],
              CASE WHEN i % 10 < 7 THEN 'confirmed' ELSE 'rejected' END, 10, d.id, d.id,
              d.id || '-cam-1', gen_random_uuid(),
              CASE WHEN i % 3 = 0 THEN gen_random_uuid() END, lpad((i % 999)::text, 3, '0') || 'ABC12',
              $1::timestamptz + (i % $3) * interval '1 second', $1::timestamptz + (i % $3) * interval '1 second',
              'operator', $1::timestamptz + (i % $3) * interval '1 second' + interval '40 seconds'
         FROM generate_series(1, $2::int) AS i
         JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM district) d ON d.k = i % 7`,
      [FROM, HITS, MONTH_S - 3600],
    );
    for (const [step, seconds, outcome, share] of [
      ['dispatch', 60, null, 1],
      ['arrival', 360, null, 1],
      ['arrival', 420, null, 10], // a tenth corrected
      ['outcome', 1200, 'detained', 1],
    ] as const)
      await q(
        `INSERT INTO alert_outcome_entry (id, alert_id, step, unit_text, outcome, occurred_at,
           user_id, username)
         SELECT gen_random_uuid(), id, $1, CASE WHEN $1 = 'dispatch' THEN 'ПА-1' END, $3,
                decided_at + make_interval(secs => $2 + (abs(hashtext(id::text)) % 300)), 'u', 'operator'
           FROM alert WHERE state = 'confirmed' AND abs(hashtext(id::text)) % $4 = 0`,
        [step, seconds, outcome, share],
      );
    await q(`ANALYZE`);
    log('timing');
    await computeMonthlyReport(dataSource, '2026-01', null, null);
    const totals: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      started = performance.now();
      await computeMonthlyReport(dataSource, '2026-01', null, null);
      totals.push(performance.now() - started);
    }
    const report = await computeMonthlyReport(dataSource, '2026-01', null, null);
    const queries: Record<string, number> = {};
    for (const query of report.queries) {
      const times: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        started = performance.now();
        await dataSource.query(query.sql, query.params);
        times.push(performance.now() - started);
      }
      queries[query.name] = Math.round(median(times));
    }
    const slowest = Object.entries(queries).sort((a, b) => b[1] - a[1])[0]!;
    const reportMs = Math.round(median(totals));
    process.stdout.write(
      `${JSON.stringify({
        bench: 'report',
        month: '2026-01',
        plate_reads: PLATE_READS,
        violations: VIOLATIONS,
        hits: HITS,
        rounds: ROUNDS,
        report_ms_median: reportMs,
        report_ms_max: Math.round(Math.max(...totals)),
        query_ms_median: queries,
        slowest_query: { name: slowest[0], ms: slowest[1] },
        checked: {
          violations: report.region.violations,
          alerts_confirmed: report.region.alerts_confirmed,
          response_median_s: report.region.response_median_s,
        },
        goal_ms: GOAL_MS,
        within_goal: reportMs <= GOAL_MS,
      })}\n`,
    );
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await database.drop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});

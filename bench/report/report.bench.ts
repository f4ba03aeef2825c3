/**
 * Monthly report benchmark (issue 20): the report of January 2026 over a database holding, in
 * that month, BENCH_PLATE_READS plate reads (1,000,000), BENCH_VIOLATIONS violations (100,000)
 * and BENCH_HITS alerts (10,000: face hits and SOS alarms, most confirmed, each confirmed one
 * with its dispatch, arrival and outcome, a tenth of the arrivals corrected), made by
 * `kuzet demo month`'s generator, on the real
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
import { computeMonthlyReport, generateDemoMonth } from '@kuzet/reporting';
import { createTestDatabase } from '../../test/support/database';
import { intFromEnv } from '../support/env';

const GOAL_MS = 5_000;
const PLATE_READS = intFromEnv('BENCH_PLATE_READS', 1_000_000, 0, 50_000_000);
const VIOLATIONS = intFromEnv('BENCH_VIOLATIONS', 100_000, 0, 10_000_000);
const HITS = intFromEnv('BENCH_HITS', 10_000, 0, 1_000_000);
const ROUNDS = intFromEnv('BENCH_ROUNDS', 5, 1, 100);

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
    // the seed region's shape: 7 centres, 7 districts; the month from kuzet's own generator
    // (libs/reporting generateDemoMonth, `kuzet demo month`)
    await q(`INSERT INTO operations_centre (id, name, kind, parent_centre_id) VALUES
      ('aktau', 'Aktau', 'main', NULL), ('zhanaozen', 'Zhanaozen', 'main', NULL),
      ('munaily', 'Munaily', 'district', 'aktau'), ('tupkaragan', 'Tupkaragan', 'district', 'aktau'),
      ('mangystau', 'Mangystau', 'district', 'aktau'), ('beineu', 'Beineu', 'district', 'zhanaozen'),
      ('karakiya', 'Karakiya', 'district', 'zhanaozen')`);
    await q(
      `INSERT INTO district (id, name, centre_id) SELECT id, name, id FROM operations_centre`,
    );
    let started = performance.now();
    // the hits: two thirds face hits (70 % of them confirmed wanted persons, most brought in),
    // a third SOS calls, every confirmed one with its dispatch, arrival and outcome
    const faceHits = Math.round((HITS * 2) / 3);
    await generateDemoMonth(dataSource, {
      month: '2026-01',
      seed: 1,
      violations: VIOLATIONS,
      plateReads: PLATE_READS,
      faceHits,
      wantedIdentified: Math.round(faceHits * 0.7),
      wantedBroughtIn: Math.round(faceHits * 0.6),
      sosButtons: 140,
      sosCalls: HITS - faceHits,
      camerasTotal: 63_000,
      camerasConnected: 21_000,
    });
    log(`the month generated in ${Math.round(performance.now() - started)} ms`);
    // a tenth of the arrivals corrected: the report reads each step's latest entry
    await q(
      `INSERT INTO alert_outcome_entry (id, alert_id, step, occurred_at, user_id, username, corrects)
       SELECT gen_random_uuid(), alert_id, 'arrival', occurred_at + interval '60 seconds', 'u',
              'operator', id
         FROM alert_outcome_entry WHERE step = 'arrival' AND abs(hashtext(alert_id::text)) % 10 = 0`,
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

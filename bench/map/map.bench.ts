/**
 * Camera map at regional scale (issues 17 and 18): Mangystau's 21,898 connected cameras in the
 * registry, GET /v1/camera-map over HTTP on loopback (ops-center in this process, on the real
 * broker and PostgreSQL), and the system administrator's positions map drawn by Debian's
 * Chromium.
 *
 *   npm run bench:map
 *
 * Timed:
 * - the first answer for a scope (its cameras loaded and clustered: supercluster), for the
 *   system administrator (every camera) and for an Aktau operator (Aktau and its district
 *   centres), and again after a camera moved (the scope's snapshot rebuilt);
 * - answers once clustered: the region at zoom 6 (clusters), a town at zoom 12, a street at
 *   zoom 17 (single cameras), BENCH_REQUESTS (100) each, one at a time;
 * - in Chromium: the registry tab clicked -> the positions map (Leaflet, loaded lazily) drawn
 *   with its clusters, BENCH_BROWSER_ROUNDS (5) times.
 * The floors, in the same run: a signed-in request that does nothing (GET /v1/auth/me), the
 * registry-version SQL every answer runs, the bare SQL that loads the cameras, the bare
 * supercluster build and its getClusters for the region, in this process.
 * Goals: the first answer ≤ 2 s, a clustered answer p99 ≤ 100 ms, the map drawn ≤ 3 s.
 *
 * Prints ONE JSON object on stdout; progress on stderr. Starts a fresh broker on
 * 127.0.0.1:KUZET_BENCH_KAFKA_PORT (default 39612) unless KAFKA_BROKERS is set; a fresh database
 * on DATABASE_URL's server, dropped after. Knobs: BENCH_CAMERAS (21898), BENCH_REQUESTS (100),
 * BENCH_BROWSER_ROUNDS (5).
 */
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import Supercluster from 'supercluster';
import { DataSource } from 'typeorm';
import { StaffUserService } from '@kuzet/auth';
import { IngestModule } from '../../apps/ingest/src/ingest.module';
import { OpsCenterModule } from '../../apps/ops-center/src/ops-center.module';
import { launchBrowser } from '../../test/support/browser';
import { createTestDatabase } from '../../test/support/database';
import { startTestApp } from '../../test/support/kuzet-app';
import { MANGYSTAU_CONNECTED_CAMERAS, seedMapCameras } from '../../test/support/map-cameras';
import { freePort } from '../../test/support/process';
import { signInAs } from '../../test/support/staff';
import { startBenchBroker } from '../support/broker';
import { intFromEnv } from '../support/env';

const CAMERAS = intFromEnv('BENCH_CAMERAS', MANGYSTAU_CONNECTED_CAMERAS, 1, 1_000_000);
const REQUESTS = intFromEnv('BENCH_REQUESTS', 100, 1, 100_000);
const BROWSER_ROUNDS = intFromEnv('BENCH_BROWSER_ROUNDS', 5, 0, 100);
const GOALS = { firstAnswerMs: 2000, clusteredP99Ms: 100, mapDrawnMs: 3000 };
const REGION_FILE = resolve(__dirname, '../../deploy/config/region.yaml');
const PASSWORD = 'bench-password-0123456789';
const VIEWS = {
  region: { west: 49, south: 40.5, east: 57, north: 47.5, zoom: 6 },
  town: { west: 51.05, south: 43.55, east: 51.3, north: 43.75, zoom: 12 },
  street: { west: 51.155, south: 43.645, east: 51.175, north: 43.655, zoom: 17 },
};

const progress = (line: string) => process.stderr.write(`[bench:map] ${line}\n`);
const round = (x: number) => Math.round(x * 10) / 10;
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return round(s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!);
};

async function main(): Promise<void> {
  const broker = await startBenchBroker('map', 39612, progress);
  const database = await createTestDatabase();
  process.env.KAFKA_BROKERS = broker.brokers;
  let app: NestFastifyApplication | undefined;
  const browser = BROWSER_ROUNDS > 0 ? await launchBrowser() : undefined;
  try {
    ({ app } = await startTestApp([IngestModule, OpsCenterModule], {
      DATABASE_URL: database.url,
      KAFKA_BROKERS: broker.brokers,
      KUZET_REGION_FILE: REGION_FILE,
    }));
    const port = await freePort();
    await app.listen(port, '127.0.0.1');
    const base = `http://127.0.0.1:${port}`;
    const sql = app.get(DataSource);
    progress(`seeding ${CAMERAS} cameras`);
    await seedMapCameras(sql, CAMERAS);
    await sql.query('ANALYZE camera');
    const admin = await signInAs(app, ['system-admin']);
    const operator = await signInAs(app, ['operator'], ['aktau']);

    const ask = async (token: { authorization: string }, view: Record<string, number>) => {
      const query = new URLSearchParams(
        Object.fromEntries(Object.entries(view).map(([k, v]) => [k, String(v)])),
      );
      const started = performance.now();
      const response = await fetch(`${base}/v1/camera-map?${query}`, { headers: token });
      const body = await response.text();
      const ms = performance.now() - started;
      if (!response.ok) throw new Error(`camera-map answered ${response.status}: ${body}`);
      const answer = JSON.parse(body) as { clusters: unknown[]; cameras: unknown[] };
      return { ms, bytes: body.length, features: answer.clusters.length + answer.cameras.length };
    };

    progress('first answers');
    const firstAdmin = await ask(admin.headers, VIEWS.region);
    const firstOperator = await ask(operator.headers, VIEWS.region);
    const views: Record<string, unknown> = {};
    for (const [name, view] of Object.entries(VIEWS)) {
      const times: number[] = [];
      let last = { bytes: 0, features: 0 };
      for (let i = 0; i < REQUESTS; i += 1) {
        const r = await ask(i % 2 === 0 ? admin.headers : operator.headers, view);
        times.push(r.ms);
        last = r;
      }
      views[name] = {
        zoom: view.zoom,
        p50Ms: pct(times, 50),
        p99Ms: pct(times, 99),
        features: last.features,
        bytes: last.bytes,
      };
    }
    // the floor of any answer: a signed-in request that does nothing (the session looked up)
    const me: number[] = [];
    for (let i = 0; i < REQUESTS; i += 1) {
      const started = performance.now();
      const response = await fetch(`${base}/v1/auth/me`, { headers: admin.headers });
      await response.text();
      me.push(performance.now() - started);
    }
    const version: number[] = [];
    for (let i = 0; i < REQUESTS; i += 1) {
      const started = performance.now();
      await sql.query(
        `SELECT version::text AS version FROM registry_version WHERE name = 'camera-map'`,
      );
      version.push(performance.now() - started);
    }
    progress('after a camera moved');
    await sql.query(
      `UPDATE camera SET latitude = latitude + 0.0001, updated_at = now() WHERE id = 'aktau-cam-0001'`,
    );
    const rebuilt = await ask(admin.headers, VIEWS.region);

    progress('floors');
    let started = performance.now();
    const rows = await sql.query<{ latitude: number; longitude: number }[]>(
      `SELECT c.id, c.name, c.district_id, d.name AS district_name, c.kind, c.latitude, c.longitude
         FROM camera c JOIN district d ON d.id = c.district_id WHERE c.status = 'active' ORDER BY c.id`,
    );
    const sqlMs = performance.now() - started;
    started = performance.now();
    const index = new Supercluster({ radius: 60, extent: 256, maxZoom: 16 }).load(
      rows
        .filter((r) => r.latitude !== null)
        .map((r) => ({
          type: 'Feature' as const,
          properties: {},
          geometry: { type: 'Point' as const, coordinates: [r.longitude, r.latitude] },
        })),
    );
    const buildMs = performance.now() - started;
    started = performance.now();
    const r = VIEWS.region;
    for (let i = 0; i < REQUESTS; i += 1) index.getClusters([r.west, r.south, r.east, r.north], 6);
    const getClustersMs = (performance.now() - started) / REQUESTS;

    const drawn: number[] = [];
    if (browser) {
      await app
        .get(StaffUserService)
        .create(
          { username: 'bench.admin', password: PASSWORD, roles: ['system-admin'], centreIds: [] },
          'bench',
        );
      for (let round = 0; round < BROWSER_ROUNDS; round += 1) {
        progress(`browser round ${round + 1}`);
        const context = await browser.newContext({
          locale: 'ru',
          viewport: { width: 1400, height: 1000 },
        });
        const page = await context.newPage();
        await page.goto(`${base}/console`);
        await page.getByTestId('username').fill('bench.admin');
        await page.getByTestId('password').fill(PASSWORD);
        await page.getByTestId('login').click();
        await page.getByTestId('system-admin-screen').waitFor({ timeout: 30_000 });
        const clicked = performance.now();
        await page.getByTestId('admin-tab-registry').click();
        await page
          .locator(
            '[data-testid="positions-map"]:not([data-drawn="0"]) [data-testid="map-cluster"]',
          )
          .first()
          .waitFor({ timeout: 30_000 });
        drawn.push(performance.now() - clicked);
        await context.close();
      }
    }

    const clusteredP99 = Math.max(
      ...Object.values(views).map((v) => (v as { p99Ms: number }).p99Ms),
    );
    const mapDrawnP50 = drawn.length ? pct(drawn, 50) : null;
    const result = {
      bench: 'map',
      cameras: CAMERAS,
      requests: REQUESTS,
      firstAnswerMs: {
        systemAdmin: round(firstAdmin.ms),
        aktauOperator: round(firstOperator.ms),
        afterACameraMoved: round(rebuilt.ms),
      },
      views,
      browser: drawn.length
        ? { rounds: drawn.length, mapDrawnP50Ms: mapDrawnP50, mapDrawnMaxMs: pct(drawn, 100) }
        : null,
      floor: {
        signedInRequest: { p50Ms: pct(me, 50), p99Ms: pct(me, 99) },
        registryVersionSql: { p50Ms: pct(version, 50), p99Ms: pct(version, 99) },
        sqlLoadMs: round(sqlMs),
        superclusterBuildMs: round(buildMs),
        getClustersRegionMs: round(getClustersMs * 1000) / 1000,
      },
      goals: GOALS,
      met: {
        firstAnswer: Math.max(firstAdmin.ms, firstOperator.ms, rebuilt.ms) <= GOALS.firstAnswerMs,
        clusteredP99: clusteredP99 <= GOALS.clusteredP99Ms,
        mapDrawn: mapDrawnP50 === null ? null : mapDrawnP50 <= GOALS.mapDrawnMs,
      },
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await browser?.close();
    await app?.close();
    await database.drop();
    await broker.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`[bench:map] failed: ${String(error)}\n`);
  process.exit(1);
});

/**
 * Alert latency benchmark: a face observation published to Kafka -> matcher -> hits topic ->
 * ops-center -> live feed -> the alert row in the web console, measured in the browser.
 *
 *   npm run bench:alerts
 *   (= vite build of the console, then node -r ./tools/register-ts.js bench/alerts/alerts.bench.ts)
 *
 * Prints ONE JSON object on stdout; progress and the app's logs go to stderr. Everything runs
 * on loopback and stops by itself: a fresh Kafka broker on 127.0.0.1:KUZET_BENCH_KAFKA_PORT
 * (default 39692; or the cluster in KAFKA_BROKERS), a fresh database on the PostgreSQL server
 * of DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), dropped at the end, the
 * matcher and ops-center modules in this process (PlatformModule in distributed mode, so both
 * talk through the real broker), and Debian's Chromium (CHROMIUM_PATH, default
 * /usr/bin/chromium) showing the console of an operator of the Aktau centre.
 *
 * What is timed, all on this machine's clock (Date.now() in node and in the page):
 * - the event: FaceObservation events on cameras of the Aktau centre, each the embedding of
 *   one enrolled fixture face (enrolled over REST as a watchlist-admin, read back from
 *   enrolled_face.embedding) plus a little Gaussian noise, with its enrolled crop as the
 *   probe crop; captured_at is set to the moment it is handed to the producer, BENCH_RATE
 *   events/s (50) for BENCH_SECONDS (30), one produce request each, acks=all.
 *   MATCHER_DEDUP_WINDOW_MS=0, so every event is its own hit and its own alert.
 * - rendered: a MutationObserver on the console's alert list records when each
 *   [data-alert-id] row first enters the DOM, and the next animation frame after it.
 * - the parts, from the same run: a kafkajs consumer of kuzet.watchlist-hits.v1 (its own
 *   group) records when each hit is on the topic; watchlist_hit.matched_at (the matcher
 *   starting to record the hit) and alert.created_at (ops-center storing the alert) come from
 *   the database; a wrapper around the page's WebSocket records when each alert arrives.
 *
 * Also reported, for the same span (first timed publish to the last alert shown): the CPU time
 * of each process of the pipeline per alert (this node process, Chromium, the broker, this
 * database's PostgreSQL backends; from /proc, Linux only) and the cores each used, at rest and
 * during the run; the console's main-thread time (its feed handler, and all long tasks); the
 * hits per second the matcher kept up with. Below the offered rate the pipeline fell behind
 * and the latency is the backlog's.
 *
 * Before the timed run: one probe per enrolled person until the matcher's index answers for
 * all of them, then BENCH_WARMUP_EVENTS (100) at the paced rate, all left out of the figures.
 *
 * Knobs (environment): BENCH_RATE, BENCH_SECONDS, BENCH_CAMERAS (12 cameras in a bench
 * district of Aktau, added to deploy/config/region.yaml in a temporary copy), BENCH_PEOPLE
 * (4 fixture people), BENCH_WARMUP_EVENTS, BENCH_NOISE (0.01, per-component sigma of the noise
 * on a unit embedding), BENCH_SAMPLES_FILE (per-event timestamps as JSON lines), BENCH_CPU_PROFILE (a .cpuprofile of the
 * console over the timed run). kuzet
 * settings such as OPS_FEED_POLL_MS or KAFKA_TOPIC_PARTITIONS are read from the environment
 * as the apps read them. Bounded: the run gives up after 15 minutes plus BENCH_SECONDS, each
 * clean-up step after 30 s.
 */
import { ConsoleLogger, LogLevel, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Consumer, Kafka, logLevel, Producer } from 'kafkajs';
import { Client } from 'pg';
import { Browser, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import {
  CameraEventSchema,
  create,
  decodeWatchlistHit,
  encodeCameraEvent,
  timestampFromDate,
} from '@kuzet/contracts';
import { StaffUserService } from '@kuzet/auth';
import { KuzetConfig, loadConfig } from '@kuzet/config';
import { TOPICS } from '@kuzet/messaging';
import {
  createHttpAdapter,
  HTTP_APP_OPTIONS,
  PlatformModule,
  prepareHttpApp,
} from '@kuzet/platform';
import { MatcherModule } from '../../apps/matcher/src/matcher.module';
import { OpsCenterModule } from '../../apps/ops-center/src/ops-center.module';
import { REPO_ROOT, runKafkaScript } from '../../test/setup/kafka-broker';
import { startBenchBroker } from '../support/broker';
import { launchBrowser } from '../../test/support/browser';

const MODEL_ID = 'faceplugin-face-recognition-js/fr_feature';
const PEOPLE = ['amy', 'bernadette', 'howard', 'leonard', 'penny', 'raj', 'sheldon', 'stuart'];
const CENTRE = 'aktau';
const DISTRICT = 'aktau-bench';
const THRESHOLD = 0.4;
const PASSWORD = 'bench-password-0123456789';
const JWT_SECRET = `bench-alerts-${randomUUID()}`;
const AUDIT_CHAIN_KEYS = `bench:${randomUUID()}`;
const CONSOLE_INDEX = path.join(REPO_ROOT, 'dist', 'console', 'index.html');

/** A number from the environment within [min, max] (an integer unless `fraction`). */
function numberFromEnv(
  name: string,
  fallback: number,
  min: number,
  max: number,
  fraction = false,
): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!(fraction ? Number.isFinite(value) : Number.isInteger(value)) || value < min || value > max)
    throw new Error(
      `${name}=${raw}: expected ${fraction ? 'a number' : 'an integer'} in [${min}, ${max}]`,
    );
  return value;
}

const RATE = numberFromEnv('BENCH_RATE', 50, 1, 1000);
const SECONDS = numberFromEnv('BENCH_SECONDS', 30, 1, 600);
const CAMERAS = numberFromEnv('BENCH_CAMERAS', 12, 1, 500);
const PEOPLE_COUNT = numberFromEnv('BENCH_PEOPLE', 4, 1, PEOPLE.length);
const WARMUP_EVENTS = numberFromEnv('BENCH_WARMUP_EVENTS', 100, 0, 10_000);
const NOISE = numberFromEnv('BENCH_NOISE', 0.01, 0, 0.05, true);
/** Optional: one JSON line per timed event with every timestamp, for a closer look. */
const SAMPLES_FILE = process.env.BENCH_SAMPLES_FILE;
/** Optional: a CPU profile of the console's renderer over the timed run (Chrome DevTools'
 * .cpuprofile, through CDP), to see where Chromium's time per alert goes. The profiler adds
 * its own cost, so a run with it is for a closer look, not for the figures. */
const CPU_PROFILE_FILE = process.env.BENCH_CPU_PROFILE;
/** Optional: a Chromium trace of the timed run (toplevel and devtools.timeline categories,
 * every process), written to this file and summed per thread and event in the JSON. Like the
 * profiler, tracing costs CPU of its own: for a closer look, not for the figures. */
const TRACE_FILE = process.env.BENCH_TRACE;
const TRACE_CATEGORIES = ['toplevel', 'devtools.timeline', 'disabled-by-default-devtools.timeline'];

interface TraceEvent {
  readonly name: string;
  readonly ph: string;
  readonly pid: number;
  readonly tid: number;
  readonly dur?: number;
  readonly args?: { readonly name?: string };
}

/** The trace's milliseconds per alert of each "process thread: event" (inclusive: an event
 * that runs inside another counts in both), the largest `top`. */
function traceSummary(trace: Buffer, alerts: number, top = 30): Record<string, number> {
  const { traceEvents } = JSON.parse(trace.toString('utf8')) as { traceEvents: TraceEvent[] };
  const processes = new Map<number, string>();
  const threads = new Map<string, string>();
  for (const e of traceEvents) {
    if (e.ph !== 'M' || !e.args?.name) continue;
    if (e.name === 'process_name') processes.set(e.pid, e.args.name);
    if (e.name === 'thread_name') threads.set(`${e.pid}:${e.tid}`, e.args.name);
  }
  const ms = new Map<string, number>();
  for (const e of traceEvents) {
    if (e.ph !== 'X' || e.dur === undefined) continue;
    const thread = threads.get(`${e.pid}:${e.tid}`) ?? String(e.tid);
    const key = `${processes.get(e.pid) ?? e.pid} ${thread}: ${e.name}`;
    ms.set(key, (ms.get(key) ?? 0) + e.dur / 1000);
  }
  return Object.fromEntries(
    [...ms.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([key, total]) => [key, round(total / alerts, 3)]),
  );
}
/** How long the last alerts may take to show before the run counts them as missing: a
 * pipeline that falls behind the offered rate needs a while to work off its backlog. */
const DRAIN_TIMEOUT_MS = Math.max(60_000, 4 * SECONDS * 1000);
/** How long the pipeline's processes are watched at rest before the timed run. */
const IDLE_SAMPLE_MS = 5_000;
/** Bound on each clean-up step (closing the app waits for the handlers in flight). */
const CLEANUP_STEP_MS = 30_000;
/** Hard bound on the whole run, set-up and clean-up included. */
const RUN_TIMEOUT_MS = 15 * 60_000 + SECONDS * 1000;

const progress = (line: string): void => {
  process.stderr.write(`[bench:alerts] ${line}\n`);
};

const round = (value: number, digits = 1): number => Number(value.toFixed(digits));

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(
  what: string,
  predicate: () => boolean | Promise<boolean>,
  timeoutMs: number,
  pollMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(pollMs);
  }
}

interface Distribution {
  count: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
}

function percentile(sorted: readonly number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? NaN;
}

function distribution(values: readonly number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50Ms: round(percentile(sorted, 50)),
    p90Ms: round(percentile(sorted, 90)),
    p99Ms: round(percentile(sorted, 99)),
    maxMs: round(sorted[sorted.length - 1] ?? NaN),
  };
}

/** Clean-up steps run last-in first-out, once, whether the run ends, fails or is stopped;
 * a step that hangs is left behind after CLEANUP_STEP_MS so the next ones still run. */
class Cleanup {
  private readonly steps: { what: string; run: () => Promise<unknown> }[] = [];
  private running?: Promise<void>;

  add(what: string, run: () => Promise<unknown>): void {
    this.steps.push({ what, run });
  }

  run(): Promise<void> {
    this.running ??= (async () => {
      for (const step of [...this.steps].reverse()) {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer within ${CLEANUP_STEP_MS} ms`)),
            CLEANUP_STEP_MS,
          );
        });
        try {
          await Promise.race([step.run(), timeout]);
        } catch (error) {
          progress(`clean-up: ${step.what} failed: ${String(error)}`);
        } finally {
          clearTimeout(timer);
        }
      }
    })();
    return this.running;
  }
}

/** Nest's console logger, on stderr: stdout carries only the result. */
class StderrLogger extends ConsoleLogger {
  protected override printMessages(
    messages: unknown[],
    context?: string,
    level?: LogLevel,
    _stream?: 'stdout' | 'stderr',
    errorStack?: unknown,
  ): void {
    super.printMessages(messages, context, level, 'stderr', errorStack);
  }
}

// ------------------------------------------------------------------------------ set-up

interface BrokerHandle {
  readonly brokers: string;
  /** kafka.sh's pid file of the broker this run started (none for KAFKA_BROKERS). */
  readonly pidFile: string | null;
}

async function startBroker(cleanup: Cleanup): Promise<BrokerHandle> {
  const broker = await startBenchBroker('bench', 39692, progress);
  cleanup.add('stop the broker', () => broker.stop());
  return broker;
}

async function createDatabase(cleanup: Cleanup): Promise<string> {
  const server = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const name = `kuzet_bench_alerts_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const admin = new Client({ connectionString: server });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  cleanup.add(`drop database ${name}`, async () => {
    const client = new Client({ connectionString: server });
    await client.connect();
    try {
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await client.end();
    }
  });
  const url = new URL(server);
  url.pathname = `/${name}`;
  return url.toString();
}

interface RegionFile {
  centres: { id: string; districts: { id: string; name: string; cameras: unknown[] }[] }[];
}

/** The seed region plus a district of CAMERAS bench cameras under the Aktau centre. */
function writeRegionFile(cleanup: Cleanup): { file: string; cameraIds: string[] } {
  const seed = readFileSync(path.join(REPO_ROOT, 'deploy', 'config', 'region.yaml'), 'utf8');
  const region = parseYaml(seed) as RegionFile;
  const aktau = region.centres.find((c) => c.id === CENTRE);
  if (!aktau) throw new Error(`deploy/config/region.yaml has no centre ${CENTRE}`);
  const cameraIds = Array.from(
    { length: CAMERAS },
    (_, i) => `aktau-bench-cam-${String(i + 1).padStart(3, '0')}`,
  );
  aktau.districts.push({
    id: DISTRICT,
    name: 'Aktau bench district',
    cameras: cameraIds.map((id) => ({ id, name: `Bench camera ${id}` })),
  });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kuzet-bench-alerts-'));
  cleanup.add('remove the region file', async () => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'region.yaml');
  writeFileSync(file, stringifyYaml(region));
  return { file, cameraIds };
}

async function startApp(
  cleanup: Cleanup,
  overrides: Partial<KuzetConfig>,
): Promise<{ app: NestFastifyApplication; base: string; config: Readonly<KuzetConfig> }> {
  // kuzet settings from the environment (OPS_FEED_POLL_MS, ...), the bench's own on top;
  // pino stays silent (it writes to stdout), Nest's logger prints warnings on stderr
  const config = loadConfig(process.env, {
    KUZET_MODE: 'distributed',
    LOG_LEVEL: 'silent',
    JWT_SECRET,
    AUDIT_CHAIN_KEYS,
    MATCHER_DEDUP_WINDOW_MS: 0,
    KUZET_DEMO: false,
    ...overrides,
  });
  @Module({
    imports: [
      PlatformModule.forRoot({ service: 'bench-alerts', config }),
      MatcherModule,
      OpsCenterModule,
    ],
  })
  class BenchAlertsApp {}
  const app = await NestFactory.create<NestFastifyApplication>(
    BenchAlertsApp,
    createHttpAdapter(config),
    {
      ...HTTP_APP_OPTIONS,
      logger: new StderrLogger('bench-alerts', { logLevels: ['error', 'warn'] }),
    },
  );
  cleanup.add('close the app', () => app.close());
  await prepareHttpApp(app, config);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  if (!address || typeof address === 'string') throw new Error('the app has no TCP address');
  return { app, base: `http://127.0.0.1:${address.port}`, config };
}

async function post<T>(base: string, url: string, body: unknown, token?: string): Promise<T> {
  const response = await fetch(`${base}${url}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST ${url}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

interface EnrolledFace {
  readonly personId: string;
  readonly embedding: Float32Array;
  readonly thumbnail: Buffer;
}

/** Enrols the fixture people over REST as a watchlist-admin, then reads back what the
 * matcher searches: the embeddings in enrolled_face. */
async function enrol(app: NestFastifyApplication, base: string): Promise<EnrolledFace[]> {
  const users = app.get(StaffUserService);
  await users.create(
    { username: 'bench.admin', password: PASSWORD, roles: ['watchlist-admin'], centreIds: [] },
    'bench',
  );
  const { access_token: accessToken } = await post<{ access_token: string }>(
    base,
    '/v1/auth/login',
    { username: 'bench.admin', password: PASSWORD },
  );
  const list = await post<{ id: string }>(
    base,
    '/v1/watchlists',
    { name: 'Wanted (bench)', category: 'wanted', similarity_threshold: THRESHOLD },
    accessToken,
  );
  const faces = path.join(REPO_ROOT, 'test', 'fixtures', 'faces');
  for (const person of PEOPLE.slice(0, PEOPLE_COUNT)) {
    const photo = readFileSync(path.join(faces, person, `${person}1.png`));
    await post(
      base,
      `/v1/watchlists/${list.id}/persons`,
      { full_name: person, photos: [{ name: `${person}1.png`, data: photo.toString('base64') }] },
      accessToken,
    );
  }
  const dataSource = app.get(DataSource);
  const rows = await dataSource.query<
    { person_id: string; embedding: Buffer; thumbnail: Buffer }[]
  >('SELECT person_id, embedding, thumbnail FROM enrolled_face ORDER BY created_at');
  if (rows.length !== PEOPLE_COUNT)
    throw new Error(`expected ${PEOPLE_COUNT} enrolled faces, found ${rows.length}`);
  return rows.map((row) => {
    const embedding = new Float32Array(row.embedding.byteLength / 4);
    new Uint8Array(embedding.buffer).set(row.embedding);
    return { personId: row.person_id, embedding, thumbnail: row.thumbnail };
  });
}

// ------------------------------------------------------------------------------ CPU time

type CpuGroup = 'node' | 'chromium' | 'kafkaBroker' | 'postgres';
/** `part` names a Chromium process by its --type (renderer, gpu-process, utility with its
 * service, zygote) or "browser". */
type CpuSample = Map<string, { group: CpuGroup; part?: string; ticks: number }>;

/** What a Chromium process does, from its command line. */
function chromiumPart(pid: number): string {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]/);
    const type = args.find((a) => a.startsWith('--type='))?.slice('--type='.length);
    const service = args
      .find((a) => a.startsWith('--utility-sub-type='))
      ?.slice('--utility-sub-type='.length);
    return type === undefined ? 'browser' : service ? `${type}:${service}` : type;
  } catch {
    return 'gone';
  }
}

/**
 * CPU time (user + system, from /proc/<pid>/stat) of the processes of the pipeline: this
 * node process (app, producer, hits reader), Chromium (the children of this process), the
 * broker this run started and the PostgreSQL backends of this run's database. Linux only;
 * elsewhere the figures are empty.
 */
class CpuMeter {
  constructor(
    private readonly dataSource: DataSource,
    private readonly brokerPidFile: string | null,
  ) {}

  async sample(): Promise<CpuSample> {
    const sample: CpuSample = new Map();
    if (!existsSync('/proc/self/stat')) return sample;
    const add = (pid: number, group: CpuGroup, part?: string): void => {
      const ticks = processTicks(pid);
      if (ticks !== null) sample.set(`${group}:${pid}`, { group, part, ticks });
    };
    add(process.pid, 'node');
    for (const pid of descendants(process.pid)) add(pid, 'chromium', chromiumPart(pid));
    if (this.brokerPidFile && existsSync(this.brokerPidFile))
      add(Number(readFileSync(this.brokerPidFile, 'utf8').trim()), 'kafkaBroker');
    const backends = await this.dataSource.query<{ pid: number }[]>(
      'SELECT pid FROM pg_stat_activity WHERE datname = current_database()',
    );
    for (const { pid } of backends) add(pid, 'postgres');
    return sample;
  }

  /** Milliseconds of CPU per group between two samples (a process new in `after` counts
   * from zero). */
  static spent(before: CpuSample, after: CpuSample): Record<CpuGroup | 'total', number> {
    const ms: Record<CpuGroup | 'total', number> = {
      node: 0,
      chromium: 0,
      kafkaBroker: 0,
      postgres: 0,
      total: 0,
    };
    const ticksPerSecond = clockTicks();
    for (const [key, { group, ticks }] of after) {
      const spent = ((ticks - (before.get(key)?.ticks ?? 0)) * 1000) / ticksPerSecond;
      ms[group] += spent;
      ms.total += spent;
    }
    return ms;
  }
}

/** Milliseconds of CPU of each kind of Chromium process between two samples. */
function chromiumParts(before: CpuSample, after: CpuSample): Record<string, number> {
  const ms: Record<string, number> = {};
  for (const [key, { group, part, ticks }] of after) {
    if (group !== 'chromium' || part === undefined) continue;
    ms[part] = (ms[part] ?? 0) + ((ticks - (before.get(key)?.ticks ?? 0)) * 1000) / clockTicks();
  }
  return ms;
}

let ticksPerSecondCache: number | undefined;
function clockTicks(): number {
  if (ticksPerSecondCache === undefined) {
    try {
      ticksPerSecondCache = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));
    } catch {
      ticksPerSecondCache = 100; // Linux's USER_HZ almost everywhere
    }
    if (!Number.isFinite(ticksPerSecondCache) || ticksPerSecondCache <= 0)
      ticksPerSecondCache = 100;
  }
  return ticksPerSecondCache;
}

/** Fields of /proc/<pid>/stat after the command name, or null if the process is gone. */
function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** utime + stime (fields 14 and 15 of /proc/<pid>/stat), in clock ticks. */
function processTicks(pid: number): number | null {
  const fields = statFields(pid);
  return fields ? Number(fields[11]) + Number(fields[12]) : null;
}

function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const parent = Number(statFields(Number(entry))?.[1] ?? NaN);
    if (!Number.isInteger(parent)) continue;
    children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
  }
  const found: number[] = [];
  const queue = [...(children.get(root) ?? [])];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    found.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}

function perGroup(
  ms: Record<string, number>,
  scale: (ms: number) => number,
): Record<string, number> {
  return Object.fromEntries(Object.entries(ms).map(([group, v]) => [group, round(scale(v), 2)]));
}

// ------------------------------------------------------------------------------ browser

/** Installed before the console loads: the time each alert arrives over the live feed, the
 * main-thread time the console's own feed handler takes (building the list), and the page's
 * long tasks (over 50 ms: scripts, style and layout together). */
const RECORD_WEBSOCKET = `(() => {
  const arrived = {};
  const main = { handlerMs: 0, messages: 0, longTaskMs: 0, longTasks: 0 };
  window.__kuzetWs = arrived;
  window.__kuzetMain = main;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      main.longTaskMs += entry.duration;
      main.longTasks++;
    }
  }).observe({ type: 'longtask', buffered: true });
  const Native = window.WebSocket;
  const handler = Object.getOwnPropertyDescriptor(Native.prototype, 'onmessage');
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (event) => {
        const now = Date.now();
        const message = JSON.parse(event.data);
        if (message.type !== 'alerts') return;
        for (const alert of message.alerts) if (!(alert.id in arrived)) arrived[alert.id] = now;
      });
    }
    set onmessage(fn) {
      handler.set.call(this, (event) => {
        const started = performance.now();
        try {
          return fn.call(this, event);
        } finally {
          main.handlerMs += performance.now() - started;
          main.messages++;
        }
      });
    }
    get onmessage() {
      return handler.get.call(this);
    }
  };
})()`;

/** Installed on the alert list once the console is live: when each alert first shows in the
 * DOM, and the animation frame after it. An alert shows as a new row, or as a new sighting on
 * the card of its episode (the card's data-episode-ids), which the console updates in place. */
const OBSERVE_ROWS = `(() => {
  const list = document.querySelector('[data-testid="alert-list"]');
  if (!list) throw new Error('the console shows no alert list');
  const state = { dom: {}, frame: {} };
  window.__kuzetRows = state;
  const fresh = [];
  const seen = (node) => {
    if (node.nodeType !== 1 || node.parentNode !== list) return;
    const ids = (node.getAttribute('data-episode-ids') || node.getAttribute('data-alert-id') || '')
      .split(' ')
      .filter(Boolean);
    for (const id of ids) {
      if (id in state.dom) continue;
      state.dom[id] = Date.now();
      fresh.push(id);
    }
  };
  new MutationObserver((records) => {
    for (const record of records) {
      if (record.type === 'attributes') seen(record.target);
      else for (const node of record.addedNodes) seen(node);
    }
    if (fresh.length > 0) {
      const shown = fresh.splice(0);
      requestAnimationFrame(() => {
        const painted = Date.now();
        for (const id of shown) state.frame[id] = painted;
      });
    }
  }).observe(list, {
    childList: true,
    subtree: true,
    attributes: true,
    attributeFilter: ['data-episode-ids', 'data-alert-id'],
  });
  return true;
})()`;

interface PageMainThread {
  handlerMs: number;
  messages: number;
  longTaskMs: number;
  longTasks: number;
}

interface PageTimes {
  dom: Record<string, number>;
  frame: Record<string, number>;
  ws: Record<string, number>;
  main: PageMainThread;
  rows: number;
}

const readPageTimes = (page: Page): Promise<PageTimes> =>
  page.evaluate(`({
    dom: window.__kuzetRows.dom,
    frame: window.__kuzetRows.frame,
    ws: window.__kuzetWs,
    main: { ...window.__kuzetMain },
    rows: document.querySelectorAll('[data-alert-id]').length,
  })`);

async function openConsole(browser: Browser, base: string, username: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.addInitScript(RECORD_WEBSOCKET);
  await page.goto(`${base}/console`);
  await page.getByTestId('username').fill(username);
  await page.getByTestId('password').fill(PASSWORD);
  await page.getByTestId('login').click();
  await page.locator('[data-testid="feed-status"][data-state="live"]').waitFor({ timeout: 30_000 });
  // the operator's screen is a lazy chunk: the feed can be live before the list is there
  await page.getByTestId('alert-list').waitFor({ timeout: 30_000 });
  await page.evaluate(OBSERVE_ROWS);
  return page;
}

// ------------------------------------------------------------------------------ events

function gaussian(): number {
  // Box-Muller
  const u = 1 - Math.random();
  const v = Math.random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

function noisy(embedding: Float32Array): number[] {
  return Array.from(embedding, (value) => value + NOISE * gaussian());
}

interface Sent {
  readonly eventId: string;
  readonly personId: string;
  readonly publishedAt: number;
  ackedAt?: number;
}

class EventPublisher {
  readonly sent = new Map<string, Sent>();
  private readonly pending = new Set<Promise<void>>();
  private failure: unknown;

  constructor(
    private readonly producer: Producer,
    private readonly faces: readonly EnrolledFace[],
    private readonly cameraIds: readonly string[],
  ) {}

  /** Hands one face observation of `face` to the producer; captured_at is now. */
  publish(face: EnrolledFace, cameraId: string): Sent {
    if (this.failure !== undefined) throw this.failure;
    const eventId = randomUUID();
    const publishedAt = Date.now();
    const value = encodeCameraEvent(
      create(CameraEventSchema, {
        eventId,
        cameraId,
        capturedAt: timestampFromDate(new Date(publishedAt)),
        sourceId: 'bench-alerts',
        payload: {
          case: 'faceObservation',
          value: {
            embedding: noisy(face.embedding),
            modelId: MODEL_ID,
            quality: 0.9,
            box: { x: 400, y: 200, width: 112, height: 112 },
            cropJpeg: face.thumbnail,
          },
        },
      }),
    );
    const sent: Sent = { eventId, personId: face.personId, publishedAt };
    this.sent.set(eventId, sent);
    const request = this.producer
      .send({
        topic: TOPICS.cameraEvents,
        acks: -1,
        messages: [{ key: cameraId, value: Buffer.from(value) }],
      })
      .then(
        () => {
          sent.ackedAt = Date.now();
        },
        (error: unknown) => {
          this.failure ??= error;
        },
      );
    this.pending.add(request);
    void request.then(() => this.pending.delete(request));
    if (this.pending.size > 1000) throw new Error('the broker fell 1000 requests behind');
    return sent;
  }

  /** `count` events at RATE per second, round-robin over people and cameras. */
  async paced(count: number): Promise<{ events: Sent[]; seconds: number }> {
    const events: Sent[] = [];
    const intervalMs = 1000 / RATE;
    const start = Date.now();
    for (let i = 0; i < count; i++) {
      const wait = start + i * intervalMs - Date.now();
      if (wait > 1) await sleep(wait);
      const face = this.faces[i % this.faces.length]!;
      const camera = this.cameraIds[i % this.cameraIds.length]!;
      events.push(this.publish(face, camera));
    }
    const seconds = (Date.now() - start) / 1000;
    await this.flushed();
    return { events, seconds };
  }

  async flushed(): Promise<void> {
    await Promise.all(this.pending);
    if (this.failure !== undefined) throw this.failure;
  }
}

interface SeenHit {
  readonly hitId: string;
  readonly eventId: string;
  readonly personId: string;
  readonly receivedAt: number;
}

/** A consumer of the hits topic in its own group: when each hit is there for anyone. */
async function readHits(kafka: Kafka, cleanup: Cleanup): Promise<Map<string, SeenHit>> {
  const byEvent = new Map<string, SeenHit>();
  const consumer: Consumer = kafka.consumer({
    groupId: `bench-alerts-hits-${randomUUID()}`,
    maxWaitTimeInMs: 100,
  });
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joined = true;
  });
  cleanup.add('disconnect the hits reader', () => consumer.disconnect());
  await consumer.connect();
  await consumer.subscribe({ topic: TOPICS.watchlistHits, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const receivedAt = Date.now();
      if (!message.value) return;
      const decoded = decodeWatchlistHit(message.value);
      if (!decoded.ok) return;
      const hit = decoded.value;
      if (!byEvent.has(hit.eventId))
        byEvent.set(hit.eventId, {
          hitId: hit.hitId,
          eventId: hit.eventId,
          personId: hit.personId,
          receivedAt,
        });
    },
  });
  await waitFor('the hits reader to join its group', () => joined, 60_000);
  return byEvent;
}

// ------------------------------------------------------------------------------ main

async function measure(cleanup: Cleanup): Promise<Record<string, unknown>> {
  if (!existsSync(CONSOLE_INDEX))
    throw new Error(`${CONSOLE_INDEX} is missing: build the console first (npm run build)`);
  const loadAtStart = os.loadavg()[0]!;
  const broker = await startBroker(cleanup);
  const brokers = broker.brokers;
  const databaseUrl = await createDatabase(cleanup);
  const region = writeRegionFile(cleanup);
  progress('starting matcher + ops-center');
  const { app, base, config } = await startApp(cleanup, {
    DATABASE_URL: databaseUrl,
    KAFKA_BROKERS: brokers,
    KUZET_REGION_FILE: region.file,
  });

  progress(`enrolling ${PEOPLE_COUNT} fixture people over REST`);
  const faces = await enrol(app, base);

  const kafka = new Kafka({
    clientId: 'kuzet-bench-alerts',
    brokers: brokers.split(','),
    logLevel: logLevel.ERROR,
  });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  cleanup.add('disconnect the producer', () => producer.disconnect());
  await producer.connect();
  const hits = await readHits(kafka, cleanup);

  await app
    .get(StaffUserService)
    .create(
      { username: 'bench.operator', password: PASSWORD, roles: ['operator'], centreIds: [CENTRE] },
      'bench',
    );
  progress(`opening the console in ${process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'}`);
  const browser = await launchBrowser();
  cleanup.add('close the browser', () => browser.close());
  const page = await openConsole(browser, base, 'bench.operator');

  const publisher = new EventPublisher(producer, faces, region.cameraIds);
  progress('waiting for the matcher to answer for every enrolled person');
  let probes: Sent[] = [];
  await waitFor(
    'a hit for every enrolled person',
    async () => {
      probes = faces.map((face) => publisher.publish(face, region.cameraIds[0]!));
      await sleep(500);
      return probes.every((probe) => hits.has(probe.eventId));
    },
    120_000,
    0,
  );
  const everyRow = (events: readonly Sent[]) => async (): Promise<boolean> => {
    if (!events.every((e) => hits.has(e.eventId))) return false;
    const times = await readPageTimes(page);
    return events.every((e) => hits.get(e.eventId)!.hitId in times.dom);
  };
  await waitFor('the probes to show', everyRow(probes), 60_000, 200);
  if (WARMUP_EVENTS > 0) {
    progress(`warm-up: ${WARMUP_EVENTS} events at ${RATE}/s`);
    const warmup = await publisher.paced(WARMUP_EVENTS);
    await waitFor('the warm-up alerts to show', everyRow(warmup.events), DRAIN_TIMEOUT_MS, 200);
  }

  const total = RATE * SECONDS;
  progress(`timed run: ${total} events at ${RATE}/s over ${CAMERAS} cameras`);
  const cpu = new CpuMeter(app.get(DataSource), broker.pidFile);
  // the idle floor: what the same processes burn with no events (timers, polls, fetches)
  const idleStart = await cpu.sample();
  const idleStartedAt = Date.now();
  await sleep(IDLE_SAMPLE_MS);
  const idleMs = CpuMeter.spent(idleStart, await cpu.sample());
  const idleSeconds = (Date.now() - idleStartedAt) / 1000;
  const cpuBefore = await cpu.sample();
  const cpuStartedAt = Date.now();
  const mainBefore = (await readPageTimes(page)).main;
  const profiler = CPU_PROFILE_FILE ? await page.context().newCDPSession(page) : null;
  if (profiler) {
    await profiler.send('Profiler.enable');
    await profiler.send('Profiler.start');
  }
  if (TRACE_FILE) await browser.startTracing(page, { categories: TRACE_CATEGORIES });
  const run = await publisher.paced(total);
  progress(`published in ${run.seconds.toFixed(1)} s; waiting for every alert to show`);
  const drained = await waitFor(
    'every alert to show',
    everyRow(run.events),
    DRAIN_TIMEOUT_MS,
    500,
  ).then(
    () => true,
    () => false,
  );
  if (!drained) progress('some alerts did not show within the drain time');
  await sleep(200); // the last animation frame
  if (profiler && CPU_PROFILE_FILE) {
    const { profile } = await profiler.send('Profiler.stop');
    writeFileSync(CPU_PROFILE_FILE, JSON.stringify(profile));
    progress(`CPU profile of the console written to ${CPU_PROFILE_FILE}`);
  }
  const trace = TRACE_FILE ? await browser.stopTracing() : null;
  if (trace && TRACE_FILE) {
    writeFileSync(TRACE_FILE, trace);
    progress(`Chromium trace written to ${TRACE_FILE}`);
  }
  const times = await readPageTimes(page);
  const cpuAfter = await cpu.sample();
  const cpuMs = CpuMeter.spent(cpuBefore, cpuAfter);
  const chromiumMs = chromiumParts(cpuBefore, cpuAfter);
  const cpuSeconds = (Date.now() - cpuStartedAt) / 1000;

  const stored = new Map<string, { matchedAt: number; storedAt: number }>();
  const rows = await app.get(DataSource).query<
    { event_id: string; matched_at: Date; created_at: Date }[]
  >(`SELECT h.event_id, h.matched_at, a.created_at
       FROM watchlist_hit h JOIN alert a ON a.id = h.hit_id`);
  for (const row of rows)
    stored.set(row.event_id, {
      matchedAt: row.matched_at.getTime(),
      storedAt: row.created_at.getTime(),
    });

  const series = {
    publishToRendered: [] as number[],
    publishToNextFrame: [] as number[],
    publishToAck: [] as number[],
    publishToHitOnTopic: [] as number[],
    hitOnTopicToRendered: [] as number[],
    publishToMatcherRecording: [] as number[],
    matcherRecordingToAlertStored: [] as number[],
    alertStoredToWebSocket: [] as number[],
    webSocketToRendered: [] as number[],
  };
  let notRendered = 0;
  let wrongPerson = 0;
  const samples: string[] = [];
  const matched: number[] = [];
  let lastRendered = 0;
  for (const event of run.events) {
    const hit = hits.get(event.eventId);
    const rendered = hit ? times.dom[hit.hitId] : undefined;
    const db = stored.get(event.eventId);
    const ws = hit ? times.ws[hit.hitId] : undefined;
    const frame = hit ? times.frame[hit.hitId] : undefined;
    if (db) matched.push(db.matchedAt);
    samples.push(
      JSON.stringify({
        eventId: event.eventId,
        alertId: hit?.hitId ?? null,
        publishedAt: event.publishedAt,
        ackedAt: event.ackedAt ?? null,
        matcherRecordingAt: db?.matchedAt ?? null,
        hitOnTopicAt: hit?.receivedAt ?? null,
        alertStoredAt: db?.storedAt ?? null,
        webSocketAt: ws ?? null,
        renderedAt: rendered ?? null,
        nextFrameAt: frame ?? null,
      }),
    );
    if (!hit || rendered === undefined) {
      notRendered++;
      continue;
    }
    lastRendered = Math.max(lastRendered, rendered);
    if (hit.personId !== event.personId) wrongPerson++;
    series.publishToRendered.push(rendered - event.publishedAt);
    if (frame !== undefined) series.publishToNextFrame.push(frame - event.publishedAt);
    if (event.ackedAt !== undefined) series.publishToAck.push(event.ackedAt - event.publishedAt);
    series.publishToHitOnTopic.push(hit.receivedAt - event.publishedAt);
    series.hitOnTopicToRendered.push(rendered - hit.receivedAt);
    if (db) {
      series.publishToMatcherRecording.push(db.matchedAt - event.publishedAt);
      series.matcherRecordingToAlertStored.push(db.storedAt - db.matchedAt);
      if (ws !== undefined) series.alertStoredToWebSocket.push(ws - db.storedAt);
    }
    if (ws !== undefined) series.webSocketToRendered.push(rendered - ws);
  }
  if (SAMPLES_FILE) {
    writeFileSync(SAMPLES_FILE, `${samples.join('\n')}\n`);
    progress(`per-event timestamps written to ${SAMPLES_FILE}`);
  }
  const latency = distribution(series.publishToRendered);
  const shown = Math.max(1, series.publishToRendered.length);
  const lastPublished = run.events[run.events.length - 1]!.publishedAt;
  const matcherSeconds = (Math.max(...matched) - run.events[0]!.publishedAt) / 1000;
  const components = Object.fromEntries(
    Object.entries(series)
      .filter(([name]) => name !== 'publishToRendered')
      .map(([name, values]) => [name, distribution(values)]),
  );
  return {
    bench: 'alerts',
    command: 'npm run bench:alerts',
    node: process.version,
    cpus: os.cpus().length,
    loadAverage1m: { start: round(loadAtStart, 2), end: round(os.loadavg()[0]!, 2) },
    kafkaVersion: (await runKafkaScript(['version'], { timeoutMs: 30_000 })).stdout.trim(),
    chromium: browser.version(),
    setup: {
      ratePerSec: RATE,
      seconds: SECONDS,
      events: total,
      warmupEvents: WARMUP_EVENTS,
      cameras: CAMERAS,
      centre: CENTRE,
      enrolledPeople: PEOPLE_COUNT,
      partitions: config.KAFKA_TOPIC_PARTITIONS,
      opsFeedPollMs: config.OPS_FEED_POLL_MS,
      matcherDedupWindowMs: config.MATCHER_DEDUP_WINDOW_MS,
      databasePoolSize: config.DATABASE_POOL_SIZE,
    },
    achievedRatePerSec: round(total / run.seconds),
    /** Hits the matcher recorded per second, from the first event published to the last hit:
     * below the offered rate, the pipeline fell behind and latency grew with the backlog. */
    matcherHitsPerSec: round(matched.length / matcherSeconds),
    lastPublishedToLastRenderedMs: lastRendered > 0 ? lastRendered - lastPublished : null,
    latency: {
      what: 'publish (captured_at) -> alert row in the DOM of the console, browser clock',
      ...latency,
    },
    goal: { p99BelowMs: 1000, met: notRendered === 0 && latency.p99Ms < 1000 },
    components,
    cpu: {
      /** CPU time each part of the pipeline spent from the first timed publish to the end of
       * the drain, per alert shown: the cost per alert whatever else the machine runs. */
      msPerAlert: perGroup(cpuMs, (ms) => ms / shown),
      /** Chromium's share per alert by process: the renderer (the console's DOM, style,
       * layout, paint), the GPU process (raster and compositing, in software here), the
       * network service (fetches), the browser process. */
      chromiumMsPerAlertByProcess: perGroup(chromiumMs, (ms) => ms / shown),
      /** Cores used over that span, and at rest just before it (IDLE_SAMPLE_MS). */
      coresDuringRun: perGroup(cpuMs, (ms) => ms / 1000 / cpuSeconds),
      coresIdle: perGroup(idleMs, (ms) => ms / 1000 / idleSeconds),
      runSeconds: round(cpuSeconds),
    },
    ...(trace ? { traceMsPerAlert: traceSummary(trace, shown) } : {}),
    notRendered,
    wrongPerson,
    /** The console's main thread over the same span: its live-feed handler (which rebuilds
     * the alert list) and all long tasks (scripts, style, layout), per alert shown. */
    console: {
      feedMessages: times.main.messages - mainBefore.messages,
      feedHandlerMsPerAlert: round((times.main.handlerMs - mainBefore.handlerMs) / shown, 2),
      longTaskMsPerAlert: round((times.main.longTaskMs - mainBefore.longTaskMs) / shown, 2),
      longTasks: times.main.longTasks - mainBefore.longTasks,
      rowsInListAtEnd: times.rows,
    },
  };
}

async function main(): Promise<void> {
  const cleanup = new Cleanup();
  const stop = (why: string, code: number): void => {
    progress(`${why}: cleaning up`);
    void cleanup.run().finally(() => process.exit(code));
  };
  process.once('SIGINT', () => stop('interrupted', 130));
  process.once('SIGTERM', () => stop('terminated', 143));
  const limit = setTimeout(() => stop(`no result within ${RUN_TIMEOUT_MS} ms`, 1), RUN_TIMEOUT_MS);
  limit.unref();
  try {
    const result = await measure(cleanup);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    progress('cleaning up');
    await cleanup.run();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(
      `[bench:alerts] failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);

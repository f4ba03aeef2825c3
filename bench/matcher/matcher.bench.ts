/**
 * Matcher benchmark: camera events through the real Kafka broker into the matcher (its own
 * process: apps/matcher/src/main.ts, the production module) against a watchlist of
 * BENCH_PERSONS (100,000) people in PostgreSQL, with the floors measured in the same run.
 *
 *   npm run --silent bench:matcher
 *   (= node -r ./tools/register-ts.js bench/matcher/matcher.bench.ts)
 *
 * Prints ONE JSON object on stdout; progress goes to stderr. Starts a fresh broker on
 * 127.0.0.1:KUZET_BENCH_KAFKA_PORT (default 39792) and stops it at the end, unless
 * KAFKA_BROKERS is set; a fresh database on DATABASE_URL's server, dropped at the end (also
 * on SIGTERM / SIGINT). About 5 minutes at 100,000 people, mostly seeding and the frames.
 *
 * Phases, one after the other so that they do not share the 2 cores:
 *  1. seed: BENCH_PERSONS people on one list (threshold 0.5), one random unit 512-d embedding
 *     each, written with multi-row INSERTs straight into watchlist / watchlist_person /
 *     enrolled_face (the enrolment API would run the face engine on a photo per person);
 *  2. BENCH_MATCHERS (1) matchers start; each rebuilds its index from PostgreSQL (timed from
 *     its log) before it joins the consumer group;
 *  3. (a) BENCH_EVENTS (20,000) FaceObservation events (edge embeddings) are produced to
 *     kuzet.camera-events.v1: BENCH_HITS_PER_MILLE (10, so 1%) planted next to a random
 *     person's embedding, in turn at cosine about 0.89, 0.71 and 0.55 to it, the rest random
 *     unit vectors (best cosine to 100,000 random people about 0.2). Events/s from the
 *     group's first commit to the commit of the last event, polled every 50 ms, and over the
 *     backlog left when the bench's producer (its CPU shares the 2 cores) has finished; CPU time of
 *     the matcher processes from /proc; hit recall per cosine band from the match log;
 *  4. floor: a kafkajs consumer of a fresh group reads the same messages, doing nothing else;
 *  5. (b) BENCH_FRAMES (40) JPEG frames, the fixture group photos in turn: faces/s from
 *     publishing to the last commit, faces counted by the engine's own counter, after
 *     BENCH_FRAME_WARMUP (5) untimed frames (the ONNX sessions' first runs);
 *  6. floors, with the matchers stopped: the face engine alone (FaceEngine with the matcher's
 *     defaults, in this process) on the same frames after the same warm-up; the vector index the matcher builds (the sketch
 *     index with its defaults at this size, the same embeddings, this thread), searched with
 *     the events' embeddings at k = 16 as WatchlistIndex.search does (BENCH_INDEX_QUERIES,
 *     5,000); then a re-rank sweep (BENCH_RERANK_SWEEP, 64,128,512,2048): CPU per search and
 *     hit recall per band, to show what a cheaper search would cost in missed hits.
 *
 * Each phase records the load average (1 min) at its start and end and the cores the matcher
 * processes got (CPU seconds / wall seconds): on a shared machine the CPU-time rates
 * (eventsPerCpuSec, facesPerCpuSec, searchesPerCpuSec) are the figures to compare.
 *
 * Other knobs: BENCH_MATCHER_NODE_ARGS (node flags for the matchers, such as
 * "--cpu-prof --cpu-prof-dir=/tmp/prof"). Any variable of the matcher's configuration
 * (libs/config) set in the environment reaches the matchers too.
 */
import { Logger } from '@nestjs/common';
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Admin, Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import {
  CameraEvent,
  CameraEventSchema,
  CANONICAL_ENCODING_HEADERS,
  create,
  encodeCameraEvent,
  timestampFromDate,
} from '@kuzet/contracts';
import { KafkaMessageBus, OutboundMessage, TOPIC_SPECS, TOPICS } from '@kuzet/messaging';
import { FaceEngine } from '@kuzet/face';
import { createDataSource } from '@kuzet/persistence';
import {
  createVectorIndex,
  DEFAULT_SKETCH_OPTIONS,
  SketchVectorIndex,
  VectorIndex,
} from '@kuzet/watchlist';
import {
  fillGaussian,
  normalizeInPlace,
  plantedQuery,
  randomUnitRows,
  seededRandom,
} from '../../libs/watchlist/src/vector-index/testing/random-vectors';
import { MATCHER_GROUP } from '../../apps/matcher/src/camera-events/camera-event.consumer';
import { createTestDatabase, TestDatabase } from '../../test/support/database';
import { FACE_FIXTURES, GROUP_PHOTOS } from '../../test/support/faces';
import { freePort } from '../../test/support/process';
import { localBrokerPid } from '../../test/setup/kafka-broker';
import { startBenchBroker } from '../support/broker';
import { intFromEnv } from '../support/env';

const ROOT = path.resolve(__dirname, '..', '..');
const DIMENSION = 512;
/** The face engine's embedding model (FaceEngine.models.embedding.modelId). */
const MODEL_ID = 'faceplugin-face-recognition-js/fr_feature';
const THRESHOLD = 0.5;
/**
 * Planted probes, in turn: a stored vector plus noise of these norms (relative to it), cosine
 * about 0.89, 0.71 and 0.55 to it: a clear sighting, a fair one and one just above the
 * threshold. Hit recall is reported per band of the probe's actual cosine to its person.
 */
const PLANTED_NOISE = [0.5, 1.0, 1.5] as const;
const RECALL_BANDS = [
  { name: 'cos0.8to1', from: 0.8, to: 1.01 },
  { name: 'cos0.6to0.8', from: 0.6, to: 0.8 },
  { name: 'cos0.5to0.6', from: THRESHOLD, to: 0.6 },
] as const;
/** WatchlistIndex.search asks the vector index for this many faces. */
const SEARCH_K = 16;
const CAMERAS = 200;
/** The production default of KAFKA_TOPIC_PARTITIONS. */
const PARTITIONS = 6;
const SEED_BATCH = 1_000;
const PRODUCE_BATCH = 500;
const POLL_MS = 50;
/** A backlog smaller than this when production ends is too short to time. */
const MIN_BACKLOG_EVENTS = 1_000;
/** A stub JPEG for the seeded faces' thumbnails (the matcher never reads them). */
const THUMBNAIL = Buffer.from([0xff, 0xd8, 0xff, 0xd9]);
const CLOCK_TICKS = 100; // /proc/<pid>/stat times are in USER_HZ, 100 on Linux

const PERSONS = intFromEnv('BENCH_PERSONS', 100_000, 1_000, 2_000_000);
const EVENTS = intFromEnv('BENCH_EVENTS', 20_000, 1_000, 1_000_000);
const HITS_PER_MILLE = intFromEnv('BENCH_HITS_PER_MILLE', 10, 0, 1_000);
const FRAMES = intFromEnv('BENCH_FRAMES', 40, 0, 10_000);
/** Frames through the matcher before the timed ones: the ONNX sessions' first runs allocate
 * and optimise (seconds of CPU per worker), which is start-up, not throughput. */
const FRAME_WARMUP = intFromEnv('BENCH_FRAME_WARMUP', 5, 0, 1_000);
const INDEX_QUERIES = intFromEnv('BENCH_INDEX_QUERIES', 5_000, 100, 1_000_000);
const MATCHERS = intFromEnv('BENCH_MATCHERS', 1, 1, 8);
const RERANK_SWEEP = (process.env.BENCH_RERANK_SWEEP ?? '64,128,512,2048').split(',').map((raw) => {
  const rerank = Number(raw);
  if (!Number.isInteger(rerank) || rerank < 1 || rerank > 100_000) {
    throw new Error(`BENCH_RERANK_SWEEP: ${raw} is not a re-rank count in [1, 100000]`);
  }
  return rerank;
});
const MATCHER_NODE_ARGS = (process.env.BENCH_MATCHER_NODE_ARGS ?? '').split(' ').filter(Boolean);

const progress = (line: string): void => {
  process.stderr.write(`[bench:matcher] ${line}\n`);
};
const round = (value: number, digits = 1): number => Number(value.toFixed(digits));
const loadAverage = (): number => round(os.loadavg()[0]!, 2);
const seconds = (fromMs: number, toMs = performance.now()): number => (toMs - fromMs) / 1000;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
/** Lets timers and signal handlers run during long synchronous loops. */
const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** What to undo (matchers, database, broker), last first: at the end, or on SIGTERM / SIGINT. */
const cleanups: Array<() => Promise<unknown>> = [];
async function cleanUp(): Promise<void> {
  for (let undo = cleanups.pop(); undo; undo = cleanups.pop()) {
    await undo().catch((error: unknown) => progress(`clean-up failed: ${String(error)}`));
  }
}

function row(rows: Float32Array, index: number): Float32Array {
  return rows.subarray(index * DIMENSION, (index + 1) * DIMENSION);
}

// ------------------------------------------------------------------------------ seed

interface Seeded {
  readonly watchlistId: string;
  readonly personIds: readonly string[];
  readonly embeddings: Float32Array;
  readonly seconds: number;
}

/** Runs the migrations, then writes the people and their faces SEED_BATCH rows a statement. */
async function seed(databaseUrl: string): Promise<Seeded> {
  const dataSource = createDataSource({ url: databaseUrl, poolSize: 1, runMigrations: true });
  await dataSource.initialize();
  await dataSource.destroy();
  const started = performance.now();
  const embeddings = randomUnitRows(PERSONS, DIMENSION, 1);
  const personIds = Array.from({ length: PERSONS }, () => randomUUID());
  const watchlistId = randomUUID();
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO watchlist (id, name, category, similarity_threshold) VALUES ($1, $2, 'wanted', $3)`,
      [watchlistId, 'bench/matcher', THRESHOLD],
    );
    // the matcher refuses events of unregistered cameras, as the HTTP ingest does
    await client.query(
      `INSERT INTO operations_centre (id, name, kind) VALUES ('bench', 'bench', 'main')`,
      [],
    );
    await client.query(
      `INSERT INTO district (id, name, centre_id) VALUES ('bench', 'bench', 'bench')`,
      [],
    );
    await client.query(
      `INSERT INTO camera (id, name, district_id, centre_id)
       SELECT prefix || n, 'bench camera', 'bench', 'bench'
         FROM unnest(ARRAY['bench-cam-', 'bench-frame-cam-']) AS p(prefix), generate_series(0, $1 - 1) AS n`,
      [CAMERAS],
    );
    for (let from = 0; from < PERSONS; from += SEED_BATCH) {
      const to = Math.min(PERSONS, from + SEED_BATCH);
      const people: string[] = [];
      const faces: string[] = [];
      const personParams: unknown[] = [watchlistId];
      const faceParams: unknown[] = [MODEL_ID, THUMBNAIL];
      for (let i = from; i < to; i++) {
        personParams.push(personIds[i], `person ${i}`);
        const p = personParams.length;
        people.push(`($${p - 1}, $1, $${p}, 'active')`);
        const embedding = row(embeddings, i);
        faceParams.push(
          randomUUID(),
          personIds[i],
          Buffer.from(embedding.buffer, embedding.byteOffset, embedding.byteLength),
        );
        const f = faceParams.length;
        faces.push(`($${f - 2}, $${f - 1}, $${f}, $1, 0.9, $2)`);
      }
      await client.query(
        `INSERT INTO watchlist_person (id, watchlist_id, full_name, status) VALUES ${people.join(',')}`,
        personParams,
      );
      await client.query(
        `INSERT INTO enrolled_face (id, person_id, embedding, model_id, quality, thumbnail) VALUES ${faces.join(',')}`,
        faceParams,
      );
      if (to % 20_000 === 0 || to === PERSONS) progress(`seeded ${to} / ${PERSONS} people`);
    }
  } finally {
    await client.end();
  }
  return { watchlistId, personIds, embeddings, seconds: round(seconds(started), 1) };
}

// ------------------------------------------------------------------------------ events

interface Workload {
  readonly messages: OutboundMessage[];
  /** Every event's embedding, in order: the floor searches the same vectors. */
  readonly queries: Float32Array;
  /** `${eventId}/${personId}` of every planted probe at or above the threshold, and its
   * cosine to the person's stored embedding. */
  readonly planted: ReadonlyMap<string, number>;
  /** The same probes by position: the event's row in `queries` and the person's row. */
  readonly plantedRows: readonly { query: number; person: number; cosine: number }[];
}

function faceObservations(seeded: Seeded): Workload {
  const random = seededRandom(2);
  const queries = new Float32Array(EVENTS * DIMENSION);
  const planted = new Map<string, number>();
  const plantedRows: { query: number; person: number; cosine: number }[] = [];
  const messages: OutboundMessage[] = [];
  let plantedSoFar = 0;
  const capturedAt = timestampFromDate(new Date());
  for (let i = 0; i < EVENTS; i++) {
    const eventId = randomUUID();
    const query = row(queries, i);
    if (random() * 1000 < HITS_PER_MILLE) {
      const person = Math.floor(random() * PERSONS);
      const stored = row(seeded.embeddings, person);
      const noise = PLANTED_NOISE[plantedSoFar++ % PLANTED_NOISE.length]!;
      query.set(plantedQuery(stored, noise, random));
      let cosine = 0;
      for (let d = 0; d < DIMENSION; d++) cosine += query[d]! * stored[d]!;
      if (cosine >= THRESHOLD) {
        planted.set(`${eventId}/${seeded.personIds[person]}`, cosine);
        plantedRows.push({ query: i, person, cosine });
      }
    } else {
      normalizeInPlace(fillGaussian(query, random));
    }
    const cameraId = `bench-cam-${i % CAMERAS}`;
    const event = create(CameraEventSchema, {
      eventId,
      cameraId,
      capturedAt,
      payload: {
        case: 'faceObservation',
        value: {
          embedding: Array.from(query),
          modelId: MODEL_ID,
          quality: 0.9,
          box: { x: 100, y: 80, width: 112, height: 140 },
        },
      },
    });
    messages.push(edgeRecord(cameraId, event));
  }
  return { messages, queries, planted, plantedRows };
}

/** A record as the HTTP ingest and the device adapters publish it, marked as the event's
 * canonical encoding (the gate then fingerprints its bytes without encoding it again). */
function edgeRecord(cameraId: string, event: CameraEvent): OutboundMessage {
  return { key: cameraId, value: encodeCameraEvent(event), headers: CANONICAL_ENCODING_HEADERS };
}

const groupPhotos = (): Buffer[] =>
  GROUP_PHOTOS.map((name) => readFileSync(path.join(FACE_FIXTURES, name)));

function faceFrames(count: number): OutboundMessage[] {
  const photos = groupPhotos();
  return Array.from({ length: count }, (_, i) => {
    const cameraId = `bench-frame-cam-${i % CAMERAS}`;
    const event = create(CameraEventSchema, {
      eventId: randomUUID(),
      cameraId,
      capturedAt: timestampFromDate(new Date()),
      payload: { case: 'faceFrame', value: { jpeg: photos[i % photos.length]! } },
    });
    return edgeRecord(cameraId, event);
  });
}

async function produce(bus: KafkaMessageBus, messages: readonly OutboundMessage[]) {
  const started = performance.now();
  for (let from = 0; from < messages.length; from += PRODUCE_BATCH) {
    await bus.publish(TOPICS.cameraEvents, messages.slice(from, from + PRODUCE_BATCH));
  }
  const elapsed = seconds(started);
  return { messages: messages.length, seconds: round(elapsed, 2) };
}

// ------------------------------------------------------------------------------ floors

/** A fresh kafkajs group reads the whole topic from the beginning and does nothing else. */
async function consumeFloor(kafka: Kafka, total: number) {
  const consumer = kafka.consumer({
    groupId: `bench-matcher-floor-${randomUUID()}`,
    maxBytesPerPartition: 8 * 1024 * 1024, // as the matcher's consumer
    maxWaitTimeInMs: 100,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: TOPICS.cameraEvents, fromBeginning: true });
    let seen = 0;
    let first = 0;
    let last = 0;
    await consumer.run({
      partitionsConsumedConcurrently: 3, // as the matcher's consumer
      eachBatch: async ({ batch }) => {
        if (first === 0) first = performance.now();
        seen += batch.messages.length;
        last = performance.now();
      },
    });
    const deadline = Date.now() + 300_000;
    while (seen < total) {
      if (Date.now() > deadline) throw new Error(`the floor consumer saw ${seen} of ${total}`);
      await sleep(5);
    }
    const elapsed = seconds(first, last);
    return { messages: seen, seconds: round(elapsed, 3), messagesPerSec: round(seen / elapsed) };
  } finally {
    await consumer.disconnect();
  }
}

/**
 * The face engine alone, in this process with the matcher's defaults (its worker pool), on
 * the same photos in the same order, all queued at once: after the same warm-up, the faces
 * per second and per CPU-second (all threads of this process) the frames can reach at most.
 */
async function frameFloor() {
  const photos = groupPhotos();
  const engine = await FaceEngine.create();
  try {
    for (let i = 0; i < FRAME_WARMUP; i++) await engine.analyze(photos[i % photos.length]!);
    const cpuStarted = process.cpuUsage();
    const started = performance.now();
    const analyses = await Promise.all(
      Array.from({ length: FRAMES }, (_, i) => engine.analyze(photos[i % photos.length]!)),
    );
    const elapsed = seconds(started);
    const cpu = process.cpuUsage(cpuStarted);
    const cpuSecs = (cpu.user + cpu.system) / 1e6;
    const faces = analyses.reduce((sum, analysis) => sum + analysis.faces.length, 0);
    return {
      frames: FRAMES,
      faces,
      seconds: round(elapsed, 2),
      facesPerSec: round(faces / elapsed, 1),
      cpuSeconds: round(cpuSecs, 1),
      facesPerCpuSec: round(faces / cpuSecs, 1),
      cores: round(cpuSecs / elapsed, 2),
    };
  } finally {
    await engine.close();
  }
}

/**
 * The vector index the matcher ends up with (createVectorIndex with its defaults: the sketch
 * index above DEFAULT_APPROXIMATE_ABOVE, else exact), built from the same embeddings in the
 * same order and searched on this thread; then sketch indexes re-ranking the counts of
 * BENCH_RERANK_SWEEP: CPU time per search and hit recall per band, as the matcher judges a
 * hit (the planted person first, at or above the threshold).
 */
async function indexFloor(seeded: Seeded, workload: Workload) {
  const build = async (index: VectorIndex): Promise<number> => {
    const buildStarted = performance.now();
    for (let i = 0; i < PERSONS; i++) {
      index.upsert(`${i}`, row(seeded.embeddings, i));
      if (i % 1_000 === 0) await yieldToLoop();
    }
    return seconds(buildStarted);
  };
  const index = createVectorIndex();
  const buildSeconds = await build(index);
  progress(`floor index: ${index.size} vectors (${index.mode}) in ${round(buildSeconds, 1)} s`);
  const queries = Math.min(INDEX_QUERIES, EVENTS);
  for (let i = 0; i < Math.min(200, queries); i++) index.search(row(workload.queries, i), SEARCH_K);
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  let aboveThreshold = 0;
  let paused = 0;
  for (let i = 0; i < queries; i++) {
    const [best] = index.search(row(workload.queries, i), SEARCH_K);
    if (best && best.similarity >= THRESHOLD) aboveThreshold++;
    if (i % 1_000 === 999) {
      const pause = performance.now();
      await yieldToLoop();
      paused += performance.now() - pause;
    }
  }
  const elapsed = seconds(started) - paused / 1000;
  const cpu = process.cpuUsage(cpuStarted);

  const sweep: Record<string, unknown>[] = [];
  if (index.mode === 'sketch') {
    const timed = Math.min(2_000, queries);
    for (const rerank of RERANK_SWEEP) {
      const variant = new SketchVectorIndex({
        sketch: { rerank, rerankPerMillion: 0, initialCapacity: PERSONS },
      });
      await build(variant);
      const sweepCpu = process.cpuUsage();
      for (let i = 0; i < timed; i++) variant.search(row(workload.queries, i), SEARCH_K);
      const used = process.cpuUsage(sweepCpu);
      const recall = RECALL_BANDS.map(({ name, from, to }) => {
        const band = workload.plantedRows.filter((p) => p.cosine >= from && p.cosine < to);
        const found = band.filter((p) => {
          const [best] = variant.search(row(workload.queries, p.query), SEARCH_K);
          return best?.id === `${p.person}` && best.similarity >= THRESHOLD;
        }).length;
        return [name, round(found / band.length, 3)];
      });
      sweep.push({
        rerank,
        cpuUsPerSearch: round((used.user + used.system) / timed, 0),
        hitRecall: Object.fromEntries(recall),
      });
      await yieldToLoop();
    }
  }
  return {
    mode: index.mode,
    sketch: index.mode === 'sketch' ? DEFAULT_SKETCH_OPTIONS : null,
    vectors: index.size,
    buildSeconds: round(buildSeconds, 1),
    k: SEARCH_K,
    searches: queries,
    searchesPerSec: round(queries / elapsed),
    searchesPerCpuSec: round(queries / ((cpu.user + cpu.system) / 1e6)),
    meanUs: round((elapsed / queries) * 1e6, 1),
    aboveThreshold,
    rerankSweep: sweep,
  };
}

// ------------------------------------------------------------------------------ matcher

interface Matcher {
  readonly child: ChildProcess;
  readonly url: string;
  readonly logLines: string[];
  stop(): Promise<void>;
}

function startMatcher(env: Record<string, string>): Matcher {
  const child = spawn(
    process.execPath,
    [...MATCHER_NODE_ARGS, '-r', './tools/register-ts.js', 'apps/matcher/src/main.ts'],
    { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const logLines: string[] = [];
  let pending = '';
  const collect = (chunk: Buffer): void => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      logLines.push(line);
      if (/index rebuild progress|watchlist index ready/.test(line)) {
        const { loaded, total, ms } = JSON.parse(line) as Record<string, number | undefined>;
        if (ms !== undefined) progress(`matcher: index ready in ${round(ms / 1000)} s`);
        else if (loaded! % 20_000 === 0) progress(`matcher: index ${loaded} / ${total} people`);
      }
    }
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    url: `http://127.0.0.1:${env.HTTP_PORT}`,
    logLines,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function waitForReady(matcher: Matcher, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (matcher.child.exitCode !== null) {
      throw new Error(`the matcher exited:\n${matcher.logLines.slice(-40).join('\n')}`);
    }
    const status = await fetch(`${matcher.url}/health/ready`)
      .then((r) => r.status)
      .catch(() => 0);
    if (status === 200) return;
    await sleep(500);
  }
  throw new Error(`the matcher was not ready in ${timeoutMs} ms`);
}

/** Sums over the matchers of their Prometheus counters whose line starts with each prefix. */
async function counters(
  matchers: readonly Matcher[],
  prefixes: readonly string[],
): Promise<number[]> {
  const sums = prefixes.map(() => 0);
  for (const matcher of matchers) {
    const text = await (await fetch(`${matcher.url}/metrics`)).text();
    for (const line of text.split('\n')) {
      prefixes.forEach((prefix, i) => {
        if (line.startsWith(prefix)) sums[i]! += Number(line.slice(line.lastIndexOf(' ') + 1));
      });
    }
  }
  return sums;
}

/** User + system CPU seconds of the matcher processes, all their threads (face workers too). */
function cpuSeconds(matchers: readonly Matcher[]): number {
  return processCpuSeconds(matchers.map(({ child }) => child.pid!));
}

/** User + system CPU seconds of these processes, all their threads, from /proc. */
function processCpuSeconds(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / CLOCK_TICKS;
}

/** CPU seconds the whole machine spent busy (not idle or waiting for I/O), from /proc/stat. */
function machineBusySeconds(): number {
  const [, ...times] = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq, steal] = times.map(Number);
  return (user! + nice! + system! + irq! + softirq! + steal!) / CLOCK_TICKS;
}

interface CommitTrace {
  /** First poll that saw a commit, and what had been committed then. */
  readonly firstAt: number;
  readonly firstCommitted: number;
  /** First poll that saw everything committed. */
  readonly lastAt: number;
}

/** Messages the matcher's group has committed on the camera-events topic, per poll. */
async function committedTotal(admin: Admin, lowWatermarks: ReadonlyMap<number, bigint>) {
  const [offsets] = await admin.fetchOffsets({
    groupId: MATCHER_GROUP,
    topics: [TOPICS.cameraEvents],
  });
  let total = 0n;
  for (const { partition, offset } of offsets?.partitions ?? []) {
    const committed = BigInt(offset);
    if (committed >= 0n) total += committed - (lowWatermarks.get(partition) ?? 0n);
  }
  return Number(total);
}

async function traceCommits(
  admin: Admin,
  from: ReadonlyMap<number, bigint>,
  target: number,
  timeoutMs: number,
  matchers: readonly Matcher[],
): Promise<CommitTrace> {
  const deadline = Date.now() + timeoutMs;
  let first: { at: number; committed: number } | undefined;
  for (;;) {
    const committed = await committedTotal(admin, from);
    const at = performance.now();
    if (!first && committed > 0) first = { at, committed };
    if (committed >= target) {
      return { firstAt: first!.at, firstCommitted: first!.committed, lastAt: at };
    }
    if (matchers.some((m) => m.child.exitCode !== null)) {
      throw new Error('a matcher exited during the run');
    }
    if (Date.now() > deadline) {
      throw new Error(`the matcher committed ${committed} of ${target} in ${timeoutMs} ms`);
    }
    await sleep(POLL_MS);
  }
}

async function highWatermarks(admin: Admin): Promise<Map<number, bigint>> {
  const offsets = await admin.fetchTopicOffsets(TOPICS.cameraEvents);
  return new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
}

// ------------------------------------------------------------------------------ main

async function measure(brokers: string, database: TestDatabase): Promise<Record<string, unknown>> {
  const kafka = new Kafka({
    clientId: 'kuzet-bench-matcher',
    brokers: brokers.split(','),
    logLevel: logLevel.ERROR,
  });
  const admin = kafka.admin();
  await admin.connect();
  const bus = new KafkaMessageBus({
    brokers: brokers.split(','),
    clientId: 'kuzet-bench-matcher',
    defaultPartitions: PARTITIONS,
    replicationFactor: 1,
  });
  const startLoad = loadAverage();
  const matchers: Matcher[] = [];
  const stopMatchers = async (): Promise<void> => {
    await Promise.all(matchers.map((m) => m.stop()));
  };
  cleanups.push(stopMatchers);
  try {
    await bus.ensureTopics(TOPIC_SPECS);
    progress(`seeding ${PERSONS} people with one random embedding each`);
    const seeded = await seed(database.url);
    progress(`seeded in ${seeded.seconds} s; making ${EVENTS} face observations`);
    const workload = faceObservations(seeded);

    progress(`starting ${MATCHERS} matcher(s): each rebuilds its index of ${PERSONS} people`);
    const started = performance.now();
    const jwtSecret = `bench-${randomUUID()}`;
    const auditKeys = `bench:${randomUUID()}`;
    for (let i = 0; i < MATCHERS; i++) {
      matchers.push(
        startMatcher({
          HTTP_PORT: String(await freePort()),
          DATABASE_URL: database.url,
          KAFKA_BROKERS: brokers,
          KAFKA_TOPIC_PARTITIONS: String(PARTITIONS),
          JWT_SECRET: jwtSecret,
          AUDIT_CHAIN_KEYS: auditKeys,
          LOG_LEVEL: 'info',
        }),
      );
    }
    await Promise.all(matchers.map((m) => waitForReady(m, 3_600_000)));
    const startupSeconds = seconds(started);
    const rebuilds = matchers.map(
      (m) =>
        m.logLines
          .filter((l) => l.includes('watchlist index ready'))
          .map((l) => JSON.parse(l) as { people: number; faces: number; ms: number })[0] ?? null,
    );
    progress(`ready after ${round(startupSeconds)} s; producing ${EVENTS} events`);

    // (a) edge embeddings: the matchers take the events as they arrive; timed from their group's
    // first commit to the commit of the last event
    const before = await highWatermarks(admin);
    const eventsLoadBefore = loadAverage();
    const cpuBefore = cpuSeconds(matchers);
    const eventsStarted = performance.now();
    const trace = traceCommits(admin, before, EVENTS, 3_600_000, matchers);
    trace.catch(() => undefined); // awaited below; a failure meanwhile is not unhandled
    const produced = await produce(bus, workload.messages);
    // from here on the load generator is idle and the matchers drain the backlog alone
    // the broker's own CPU, when the bench started it
    const localPort = /:(\d+)$/.exec(brokers)?.[1];
    const brokerPid =
      process.env.KAFKA_BROKERS || !localPort ? null : localBrokerPid(Number(localPort));
    const drainFrom = {
      at: performance.now(),
      committed: await committedTotal(admin, before),
      cpu: cpuSeconds(matchers),
      brokerCpu: brokerPid ? processCpuSeconds([brokerPid]) : 0,
      machineBusy: machineBusySeconds(),
    };
    progress(`produced ${EVENTS} events in ${produced.seconds} s; waiting for the last commit`);
    const commits = await trace;
    const cpu = cpuSeconds(matchers) - cpuBefore;
    const backlogSeconds = seconds(drainFrom.at, commits.lastAt);
    const backlogCpu = cpuSeconds(matchers) - drainFrom.cpu;
    const backlogBrokerCpu = brokerPid
      ? processCpuSeconds([brokerPid]) - drainFrom.brokerCpu
      : null;
    const backlogBusy = machineBusySeconds() - drainFrom.machineBusy;
    const backlogEvents = EVENTS - drainFrom.committed;
    const backlog =
      backlogEvents < MIN_BACKLOG_EVENTS
        ? null
        : {
            events: backlogEvents,
            seconds: round(backlogSeconds, 2),
            eventsPerSec: round(backlogEvents / backlogSeconds),
            matcherCores: round(backlogCpu / backlogSeconds, 2),
            /** The broker's JVM (null when KAFKA_BROKERS names another broker). */
            brokerCores:
              backlogBrokerCpu === null ? null : round(backlogBrokerCpu / backlogSeconds, 2),
            /** Every process: what is left of 2 is idle. */
            machineBusyCores: round(backlogBusy / backlogSeconds, 2),
            matcherCpuUsPerEvent: round((backlogCpu / backlogEvents) * 1e6),
            brokerCpuUsPerEvent:
              backlogBrokerCpu === null ? null : round((backlogBrokerCpu / backlogEvents) * 1e6),
          };
    const [handled, deadLettered, hits, noMatch] = await counters(matchers, [
      `kuzet_messages_consumed_total{topic="${TOPICS.cameraEvents}",group="${MATCHER_GROUP}",outcome="handled"}`,
      `kuzet_messages_consumed_total{topic="${TOPICS.cameraEvents}",group="${MATCHER_GROUP}",outcome="dead-lettered"}`,
      'kuzet_matcher_probe_faces_total{outcome="hit"}',
      'kuzet_matcher_probe_faces_total{outcome="no_match"}',
    ]);
    if (deadLettered! > 0) throw new Error(`${deadLettered} events were dead-lettered`);
    const eventsLoadAfter = loadAverage();
    const drainSeconds = seconds(commits.firstAt, commits.lastAt);
    const measured = EVENTS - commits.firstCommitted;
    const eventsPerSec = measured / drainSeconds;

    const client = new Client({ connectionString: database.url });
    await client.connect();
    const { rows } = await client.query<{ event_id: string; person_id: string }>(
      'SELECT event_id, person_id FROM match_log',
    );
    await client.end();
    const logged = new Set(rows.map((r) => `${r.event_id}/${r.person_id}`));
    const recall = RECALL_BANDS.map(({ name, from, to }) => {
      const band = [...workload.planted].filter(([, cos]) => cos >= from && cos < to);
      const found = band.filter(([key]) => logged.has(key)).length;
      return [name, { planted: band.length, logged: found, recall: round(found / band.length, 3) }];
    });
    const plantedLogged = [...workload.planted.keys()].filter((key) => logged.has(key)).length;

    progress('floor: a kafkajs consumer of a fresh group reads the same events');
    const consume = await consumeFloor(kafka, EVENTS);

    // (b) JPEG frames through the same path
    let frames: Record<string, unknown> | null = null;
    if (FRAMES > 0) {
      progress(`${FRAMES} JPEG frames (${GROUP_PHOTOS.join(', ')} in turn)`);
      if (FRAME_WARMUP > 0) {
        progress(`${FRAME_WARMUP} warm-up frames, not timed`);
        const warmupFrom = await highWatermarks(admin);
        await produce(bus, faceFrames(FRAME_WARMUP));
        await traceCommits(admin, warmupFrom, FRAME_WARMUP, 1_800_000, matchers);
      }
      const framesLoadBefore = loadAverage();
      const [facesBefore] = await counters(matchers, ['kuzet_face_faces_total']);
      const framesFrom = await highWatermarks(admin);
      const frameCpuBefore = cpuSeconds(matchers);
      const framesStarted = performance.now();
      await produce(bus, faceFrames(FRAMES));
      const frameCommits = await traceCommits(admin, framesFrom, FRAMES, 1_800_000, matchers);
      const elapsed = seconds(framesStarted, frameCommits.lastAt);
      const frameCpu = cpuSeconds(matchers) - frameCpuBefore;
      const [facesAfter] = await counters(matchers, ['kuzet_face_faces_total']);
      const faces = facesAfter! - facesBefore!;
      frames = {
        frames: FRAMES,
        faces,
        seconds: round(elapsed, 2),
        framesPerSec: round(FRAMES / elapsed, 2),
        facesPerSec: round(faces / elapsed, 1),
        cpuSeconds: round(frameCpu, 1),
        facesPerCpuSec: round(faces / frameCpu, 1),
        warmupFrames: FRAME_WARMUP,
        matcherCores: round(frameCpu / elapsed, 2),
        loadAverage1m: { before: framesLoadBefore, after: loadAverage() },
      };
    }

    progress('stopping the matchers');
    await stopMatchers();

    let engineFloor: Record<string, unknown> | null = null;
    if (FRAMES > 0) {
      progress(`floor: the face engine alone on the same ${FRAMES} frames`);
      const engineLoadBefore = loadAverage();
      engineFloor = {
        ...(await frameFloor()),
        loadAverage1m: { before: engineLoadBefore, after: loadAverage() },
      };
    }

    progress(`floor: the vector index alone, ${PERSONS} vectors, on this thread`);
    const indexLoadBefore = loadAverage();
    const index = {
      ...(await indexFloor(seeded, workload)),
      loadAverage1m: { before: indexLoadBefore, after: loadAverage() },
    };

    return {
      bench: 'matcher',
      command: 'npm run --silent bench:matcher',
      node: process.version,
      cpus: os.cpus().length,
      loadAverage1m: { start: startLoad, end: loadAverage() },
      persons: PERSONS,
      threshold: THRESHOLD,
      partitions: PARTITIONS,
      matchers: MATCHERS,
      seedSeconds: seeded.seconds,
      startupSeconds: round(startupSeconds, 1),
      indexRebuildSeconds: rebuilds.map((r) => (r ? round(r.ms / 1000, 1) : null)),
      edgeEmbeddings: {
        events: EVENTS,
        produceSeconds: produced.seconds,
        measuredEvents: measured,
        seconds: round(drainSeconds, 2),
        eventsPerSec: round(eventsPerSec),
        cpuSeconds: round(cpu, 1),
        eventsPerCpuSec: round(EVENTS / cpu),
        /** Cores the matcher got, producing included: below 2 means others held the CPU. */
        matcherCores: round(cpu / seconds(eventsStarted, commits.lastAt), 2),
        /** After the last event was produced: the backlog left, drained with the bench's own
         * producer idle, so the 2 cores are shared by the matchers and the broker only (null
         * when too little was left to time). */
        backlog,
        loadAverage1m: { before: eventsLoadBefore, after: eventsLoadAfter },
        handled,
        probeOutcomes: { hit: hits, noMatch },
        plantedHits: workload.planted.size,
        plantedHitsLogged: plantedLogged,
        hitRecall: Object.fromEntries(recall),
        otherHitsLogged: logged.size - plantedLogged,
      },
      jpegFrames: frames,
      floor: { kafkajsConsume: consume, faceEngine: engineFloor, vectorIndex: index },
      ratio: {
        eventsToConsumeFloor: round(eventsPerSec / consume.messagesPerSec, 3),
        eventsToIndexFloor: round(eventsPerSec / index.searchesPerSec, 3),
        eventsPerCpuSecToIndexFloor: round(EVENTS / cpu / index.searchesPerCpuSec, 3),
        facesPerCpuSecToEngineFloor:
          frames && engineFloor
            ? round((frames.facesPerCpuSec as number) / (engineFloor.facesPerCpuSec as number), 3)
            : null,
      },
      goal: {
        eventsPerSec: 5_000,
        met: eventsPerSec >= 5_000,
        backlogMet: backlog ? backlog.eventsPerSec >= 5_000 : null,
      },
    };
  } finally {
    await stopMatchers();
    await bus.close();
    await admin.disconnect();
  }
}

async function main(): Promise<void> {
  if (!MATCHER_GROUP) throw new Error('MATCHER_GROUP did not load from the matcher sources');
  // stdout is for the result only; the bus's warnings (kafkajs start-up chatter) are dropped
  Logger.overrideLogger(['error']);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      progress(`${signal}: stopping the matchers, dropping the database, stopping the broker`);
      void cleanUp().finally(() => process.exit(1));
    });
  }
  const broker = await startBenchBroker('bench', 39792, progress);
  cleanups.push(() => broker.stop());
  const brokers = broker.brokers;
  const database = await createTestDatabase();
  cleanups.push(() => database.drop());
  try {
    process.stdout.write(`${JSON.stringify(await measure(brokers, database))}\n`);
  } finally {
    await cleanUp();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `[bench:matcher] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);

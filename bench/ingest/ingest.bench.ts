/**
 * Ingest benchmark: autocannon on loopback against the ingest HTTP API (a child process on the
 * real Kafka broker and PostgreSQL), 1 KB JSON events one per request and in batches of 100,
 * against the floor measured in the same run: the message bus publishing the same 1 KB records
 * straight to Kafka, one per call with the same concurrency, and 100 per call.
 *
 *   npm run bench:ingest
 *   (= node -r ./bench/ingest/register.js bench/ingest/ingest.bench.ts)
 *
 * Prints ONE JSON object on stdout; progress goes to stderr. Starts a fresh broker on
 * 127.0.0.1:KUZET_BENCH_KAFKA_PORT (default 39492) and stops it at the end, unless
 * KAFKA_BROKERS is set. PostgreSQL: a fresh database on DATABASE_URL's server, dropped after.
 *
 * Knobs (environment): BENCH_SECONDS (15 per run, after 3 s of warm-up), BENCH_CONNECTIONS
 * (32 for single events), BENCH_BATCH_CONNECTIONS (8 for batches of 100), BENCH_SERVER_NODE_ARGS
 * (node flags for the server process, such as --cpu-prof).
 */
import { Logger } from '@nestjs/common';
import autocannon from 'autocannon';
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { KafkaMessageBus, TOPIC_SPECS, TOPICS } from '@kuzet/messaging';
import { createTestDatabase, TestDatabase } from '../../test/support/database';
import { freePort } from '../../test/support/process';
import { startBenchBroker } from '../support/broker';
import { intFromEnv } from '../support/env';

const ROOT = path.resolve(__dirname, '..', '..');
const EVENT_BYTES = 1024;
const BATCH = 100;
const CAMERAS = [
  'aktau-cam-0001',
  'aktau-cam-0002',
  'zhanaozen-cam-0042',
  'munaily-cam-0001',
  'tupkaragan-cam-0001',
  'mangystau-cam-0001',
  'beineu-cam-0001',
  'karakiya-cam-0001',
];
const REGION_FILE = path.join(ROOT, 'deploy/config/region.yaml');

const SECONDS = intFromEnv('BENCH_SECONDS', 15, 1, 600);
const WARMUP_SECONDS = 3;
const CONNECTIONS = intFromEnv('BENCH_CONNECTIONS', 32, 1, 1024);
const BATCH_CONNECTIONS = intFromEnv('BENCH_BATCH_CONNECTIONS', 8, 1, 256);
/** Extra node flags for the server process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof". */
const SERVER_NODE_ARGS = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);

const progress = (line: string): void => {
  process.stderr.write(`[bench:ingest] ${line}\n`);
};
const round = (value: number, digits = 1): number => Number(value.toFixed(digits));

/** A valid speeding violation whose proto3 JSON is EVENT_BYTES long, with a fresh event id. */
function eventFactory(): () => string {
  const capturedAt = new Date(Date.now() - 1_000).toISOString();
  const render = (camera: string, padding: string): string =>
    JSON.stringify({
      eventId: '00000000-0000-4000-8000-000000000000',
      cameraId: camera,
      capturedAt,
      violation: {
        code: 'VIOLATION_CODE_SPEEDING',
        plate: '123ABC12',
        measuredSpeedKmh: 92.5,
        limitSpeedKmh: 60,
        evidenceRef: `s3://evidence/${padding}`,
        lane: 2,
      },
    });
  const templates = CAMERAS.map((camera) => {
    const base = render(camera, '').length;
    return render(camera, 'x'.repeat(Math.max(0, EVENT_BYTES - base)));
  });
  let next = 0;
  return () =>
    templates[next++ % templates.length]!.replace(
      '00000000-0000-4000-8000-000000000000',
      randomUUID(),
    );
}

interface LoadResult {
  connections: number;
  seconds: number;
  requests: number;
  requestsPerSec: number;
  eventsPerSec: number;
  latencyMs: { p50: number; p97_5: number; p99: number; max: number };
  non2xx: number;
  errors: number;
}

async function load(
  url: string,
  apiKey: string,
  body: () => string,
  eventsPerRequest: number,
  connections: number,
  seconds: number,
): Promise<LoadResult> {
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        path: '/v1/events',
        headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
        setupRequest: (request) => ({ ...request, body: body() }),
      },
    ],
  });
  return {
    connections,
    seconds,
    requests: result.requests.total,
    requestsPerSec: round(result.requests.average),
    eventsPerSec: round(result.requests.average * eventsPerRequest),
    latencyMs: {
      p50: result.latency.p50,
      p97_5: result.latency.p97_5,
      p99: result.latency.p99,
      max: result.latency.max,
    },
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

/** The floor: the same records through the bus kuzet uses, without HTTP, validation or SQL. */
async function busFloor(brokers: string, concurrency: number, perCall: number, seconds: number) {
  const bus = new KafkaMessageBus({
    brokers: brokers.split(','),
    clientId: 'kuzet-bench-floor',
    defaultPartitions: 6,
    replicationFactor: 1,
  });
  await bus.ensureTopics(TOPIC_SPECS);
  const next = eventFactory();
  const records = () =>
    Array.from({ length: perCall }, (_, i) => ({
      key: CAMERAS[i % CAMERAS.length]!,
      value: Buffer.from(next()),
    }));
  // the producer's first sends also set up its connection and idempotence: not measured
  await bus.publish(TOPICS.cameraEvents, records());
  let published = 0;
  const latencies: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        await bus.publish(TOPICS.cameraEvents, records());
        latencies.push(performance.now() - t0);
        published += perCall;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  await bus.close();
  latencies.sort((a, b) => a - b);
  return {
    concurrency,
    recordsPerCall: perCall,
    callsPerSec: round(latencies.length / elapsed),
    recordsPerSec: round(published / elapsed),
    latencyMs: {
      p50: round(latencies[Math.floor(latencies.length * 0.5)]!),
      p99: round(latencies[Math.floor(latencies.length * 0.99)]!),
    },
  };
}

function startServer(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string; key: string }> {
  const child = spawn(
    process.execPath,
    [...SERVER_NODE_ARGS, '-r', './bench/ingest/register.js', 'bench/ingest/ingest-server.ts'],
    {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => reject(new Error(`ingest server did not start:\n${output}`)),
      120_000,
    );
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n').find((l) => l.startsWith('{"url"'));
      if (line) {
        clearTimeout(timer);
        resolve({ child, ...(JSON.parse(line) as { url: string; key: string }) });
      }
    });
    child.once('exit', (code) =>
      reject(new Error(`ingest server exited with ${code}:\n${output}`)),
    );
  });
}

async function measure(brokers: string, db: TestDatabase): Promise<Record<string, unknown>> {
  const port = await freePort();
  const { child, url, key } = await startServer({
    KAFKA_BROKERS: brokers,
    DATABASE_URL: db.url,
    HTTP_PORT: String(port),
    JWT_SECRET: `bench-${randomUUID()}`,
    AUDIT_CHAIN_KEYS: `bench:${randomUUID()}`,
    KUZET_REGION_FILE: REGION_FILE,
    LOG_LEVEL: 'warn',
  });
  try {
    const single = eventFactory();
    const batch = (): string => `{"events":[${Array.from({ length: BATCH }, single).join(',')}]}`;

    progress(
      `floor: bus.publish of one 1 KB record, ${CONNECTIONS} concurrent calls, ${SECONDS} s`,
    );
    const floorSingle = await busFloor(brokers, CONNECTIONS, 1, SECONDS);
    progress(
      `floor: bus.publish of ${BATCH} records, ${BATCH_CONNECTIONS} concurrent calls, ${SECONDS} s`,
    );
    const floorBatch = await busFloor(brokers, BATCH_CONNECTIONS, BATCH, SECONDS);

    progress(`warm-up ${WARMUP_SECONDS} s`);
    await load(url, key, single, 1, CONNECTIONS, WARMUP_SECONDS);
    progress(`single events: ${CONNECTIONS} connections, ${SECONDS} s`);
    const singleResult = await load(url, key, single, 1, CONNECTIONS, SECONDS);
    progress(`warm-up ${WARMUP_SECONDS} s`);
    await load(url, key, batch, BATCH, BATCH_CONNECTIONS, WARMUP_SECONDS);
    progress(`batches of ${BATCH}: ${BATCH_CONNECTIONS} connections, ${SECONDS} s`);
    const batchResult = await load(url, key, batch, BATCH, BATCH_CONNECTIONS, SECONDS);

    return {
      benchmark: 'ingest',
      machine: { cpus: os.cpus().length, node: process.version },
      eventBytes: Buffer.byteLength(single()),
      batchBodyBytes: Buffer.byteLength(batch()),
      single: singleResult,
      batch100: batchResult,
      floor: { busPublishSingle: floorSingle, busPublishBatch100: floorBatch },
      ratioToFloor: {
        single: round(singleResult.eventsPerSec / floorSingle.recordsPerSec, 2),
        batch100: round(batchResult.eventsPerSec / floorBatch.recordsPerSec, 2),
      },
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

async function main(): Promise<void> {
  // stdout is for the result only; the bus's warnings (kafkajs start-up chatter) are dropped
  Logger.overrideLogger(['error']);
  const broker = await startBenchBroker('bench', 39492, progress);
  const db = await createTestDatabase();
  try {
    process.stdout.write(`${JSON.stringify(await measure(broker.brokers, db))}\n`);
  } finally {
    await db.drop();
    await broker.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

/**
 * Device adapters benchmark (issue 19): autocannon on loopback against the ingest app (a child
 * process on the real Kafka broker and PostgreSQL, bench/ingest/ingest-server.ts):
 *
 * - Hikvision ISAPI ANPR alerts through POST /v1/devices/hikvision/events, multipart with the
 *   plate crop and the overview picture (as the cameras post them), and as XML alone;
 * - the floor, measured in the same run: the same reads (same plate, same two pictures) as
 *   proto3 JSON through the plain ingest, POST /v1/events; goal ISAPI / floor >= 0.7;
 * - DeepStream: N nvmsgconv full-schema vehicle messages produced to DEEPSTREAM_TOPIC at once,
 *   timed until the ingest has published all of them as camera events (messages per second).
 *
 *   npm run bench:adapters
 *
 * Prints ONE JSON object on stdout; progress on stderr. Starts a fresh broker on
 * 127.0.0.1:KUZET_BENCH_KAFKA_PORT (default 39592) unless KAFKA_BROKERS is set; a fresh database
 * on DATABASE_URL's server, dropped after. Knobs: BENCH_SECONDS (10 per run after 3 s warm-up),
 * BENCH_CONNECTIONS (16), BENCH_DEEPSTREAM_MESSAGES (3000).
 */
import { Logger } from '@nestjs/common';
import autocannon from 'autocannon';
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import sharp from 'sharp';
import { generateApiKeyToken, hashApiKeySecret } from '@kuzet/auth';
import { KafkaMessageBus } from '@kuzet/messaging';
import { createTestDatabase, TestDatabase } from '../../test/support/database';
import { freePort } from '../../test/support/process';
import {
  KAFKA_CACHE_DIR,
  portFromEnv,
  recordOwner,
  releaseOwner,
  startLocalBroker,
  stopLocalBroker,
  unownedPort,
} from '../../test/setup/kafka-broker';
import { intFromEnv } from '../support/env';

const ROOT = path.resolve(__dirname, '..', '..');
const REGION_FILE = path.join(ROOT, 'deploy/config/region.yaml');
const ANPR_XML = readFileSync(path.join(ROOT, 'test/fixtures/hikvision/anpr.xml'), 'utf8');
const DEEPSTREAM = readFileSync(
  path.join(ROOT, 'test/fixtures/deepstream/full-vehicle.json'),
  'utf8',
);
const CAMERA = 'aktau-cam-0001';
const MAC = 'bc:ba:c2:4e:11:0a';
const GOAL_RATIO = 0.7;

const SECONDS = intFromEnv('BENCH_SECONDS', 10, 1, 600);
const WARMUP_SECONDS = 3;
const CONNECTIONS = intFromEnv('BENCH_CONNECTIONS', 16, 1, 1024);
const DEEPSTREAM_MESSAGES = intFromEnv('BENCH_DEEPSTREAM_MESSAGES', 3000, 1, 1_000_000);

const progress = (line: string): void => void process.stderr.write(`[bench:adapters] ${line}\n`);
const round = (value: number, digits = 1): number => Number(value.toFixed(digits));

/** A plate crop and a 1280x720 overview: a gradient with noise, so they compress to about the
 * size of a camera's pictures (tens and a hundred-odd kilobytes). */
async function pictures(): Promise<{ plate: Buffer; overview: Buffer }> {
  const scene = (width: number, height: number, noise: number) => {
    const raw = Buffer.alloc(width * height * 3);
    for (let i = 0; i < raw.length; i++) {
      const pixel = Math.floor(i / 3);
      const base = (((pixel % width) + Math.floor(pixel / width)) * 255) / (width + height);
      raw[i] = Math.max(0, Math.min(255, base + (Math.random() - 0.5) * noise));
    }
    return sharp(raw, { raw: { width, height, channels: 3 } })
      .jpeg({ quality: 80 })
      .toBuffer();
  };
  return { plate: await scene(240, 60, 60), overview: await scene(1280, 720, 24) };
}

function deviceNow(): string {
  return `${new Date(Date.now() + 5 * 3600_000 - 1000).toISOString().slice(0, 19)}+05:00`;
}

function anprXml(): string {
  return ANPR_XML.replace(/<dateTime>[^<]*<\/dateTime>/, `<dateTime>${deviceNow()}</dateTime>`)
    .replace(/<UUID>[^<]*<\/UUID>/, '')
    .replace('<eventState>', `<UUID>${randomUUID()}</UUID><eventState>`);
}

function multipart(xml: string, plate: Buffer, overview: Buffer): Buffer {
  const b = 'MIME_boundary';
  const part = (name: string, type: string, body: Buffer) => [
    Buffer.from(
      `--${b}\r\nContent-Disposition: form-data; name="${name}"; filename="${name}"\r\nContent-Type: ${type}\r\nContent-Length: ${body.length}\r\n\r\n`,
    ),
    body,
    Buffer.from('\r\n'),
  ];
  return Buffer.concat([
    ...part('anpr.xml', 'application/xml', Buffer.from(xml)),
    ...part('licensePlatePicture.jpg', 'image/jpeg', plate),
    ...part('detectionPicture.jpg', 'image/jpeg', overview),
    Buffer.from(`--${b}--\r\n`),
  ]);
}

interface LoadResult {
  connections: number;
  seconds: number;
  requests: number;
  readsPerSec: number;
  bodyBytes: number;
  latencyMs: { p50: number; p99: number; max: number };
  non2xx: number;
  errors: number;
}

async function load(
  url: string,
  path: string,
  headers: Record<string, string>,
  body: () => string | Buffer,
  seconds: number,
): Promise<LoadResult> {
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [{ method: 'POST', path, headers, setupRequest: (r) => ({ ...r, body: body() }) }],
  });
  return {
    connections: CONNECTIONS,
    seconds,
    requests: result.requests.total,
    readsPerSec: round(result.requests.average),
    bodyBytes: Buffer.byteLength(body()),
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

function startServer(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string; key: string }> {
  const child = spawn(
    process.execPath,
    ['-r', './bench/ingest/register.js', 'bench/ingest/ingest-server.ts'],
    { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 120_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n').find((l) => l.startsWith('{"url"'));
      if (line) {
        clearTimeout(timer);
        resolve({ child, ...(JSON.parse(line) as { url: string; key: string }) });
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
}

async function measure(brokers: string, db: TestDatabase): Promise<Record<string, unknown>> {
  const topic = `bench.deepstream.${randomUUID().slice(0, 8)}`;
  const ds = generateApiKeyToken();
  const { child, url, key } = await startServer({
    KAFKA_BROKERS: brokers,
    DATABASE_URL: db.url,
    HTTP_PORT: String(await freePort()),
    JWT_SECRET: `bench-${randomUUID()}`,
    AUDIT_CHAIN_KEYS: `bench:${randomUUID()}`,
    KUZET_REGION_FILE: REGION_FILE,
    LOG_LEVEL: 'error',
    DEEPSTREAM_TOPIC: topic,
    DEEPSTREAM_API_KEY: ds.token,
  });
  const sql = new Client({ connectionString: db.url });
  await sql.connect();
  try {
    await sql.query(`UPDATE camera SET device_id = $1, device_channel = 1 WHERE id = $2`, [
      MAC,
      CAMERA,
    ]);
    await sql.query(
      `INSERT INTO integrator_api_key (id, integrator_id, label, secret_sha256, camera_ids, district_ids)
       VALUES ($1, 'bench-deepstream', 'bench/adapters', $2, '{}', '{aktau-city}')`,
      [ds.id, hashApiKeySecret(ds.secret)],
    );
    const { plate, overview } = await pictures();
    const basic = `Basic ${Buffer.from(`admin:${key}`).toString('base64')}`;
    const json = () =>
      JSON.stringify({
        eventId: randomUUID(),
        cameraId: CAMERA,
        capturedAt: new Date(Date.now() - 1000).toISOString(),
        plateRead: {
          plate: '123ABC12',
          confidence: 0.97,
          country: 'KZ',
          direction: 'VEHICLE_DIRECTION_APPROACHING',
          lane: 2,
          vehicleType: 'VEHICLE_TYPE_CAR',
          vehicleColour: 'white',
          plateCropJpeg: plate.toString('base64'),
          overviewJpeg: overview.toString('base64'),
        },
      });
    const isapi = () => multipart(anprXml(), plate, overview);
    const runs: Record<string, LoadResult> = {};
    const plan: [string, string, Record<string, string>, () => string | Buffer][] = [
      ['jsonIngest', '/v1/events', { 'content-type': 'application/json', 'x-api-key': key }, json],
      [
        'isapiMultipart',
        '/v1/devices/hikvision/events',
        { 'content-type': 'multipart/form-data; boundary=MIME_boundary', authorization: basic },
        isapi,
      ],
      [
        'isapiXmlOnly',
        '/v1/devices/hikvision/events',
        { 'content-type': 'application/xml', authorization: basic },
        anprXml,
      ],
    ];
    for (const [name, route, headers, body] of plan) {
      progress(
        `${name}: warm-up ${WARMUP_SECONDS} s, then ${SECONDS} s at ${CONNECTIONS} connections`,
      );
      await load(url, route, headers, body, WARMUP_SECONDS);
      runs[name] = await load(url, route, headers, body, SECONDS);
    }

    progress(`deepstream: ${DEEPSTREAM_MESSAGES} full-schema vehicle messages on ${topic}`);
    const bus = new KafkaMessageBus({
      brokers: brokers.split(','),
      clientId: 'kuzet-bench-deepstream',
      defaultPartitions: 3,
      replicationFactor: 1,
    });
    const template = JSON.parse(DEEPSTREAM) as Record<string, unknown>;
    const messages = Array.from({ length: DEEPSTREAM_MESSAGES }, () => ({
      key: CAMERA,
      value: Buffer.from(
        JSON.stringify({
          ...template,
          messageid: randomUUID(),
          '@timestamp': new Date(Date.now() - 1000).toISOString(),
        }),
      ),
    }));
    const count = async () =>
      Number(
        (
          await sql.query<{ n: string }>(
            `SELECT count(*) AS n FROM ingested_event WHERE api_key_id = $1 AND published_at IS NOT NULL`,
            [ds.id],
          )
        ).rows[0]!.n,
      );
    const started = performance.now();
    for (let i = 0; i < messages.length; i += 500) {
      await bus.publish(topic, messages.slice(i, i + 500));
    }
    const deadline = started + 300_000;
    let done = 0;
    while ((done = await count()) < DEEPSTREAM_MESSAGES && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const deepstreamSeconds = (performance.now() - started) / 1000;
    await bus.close();

    const ratio = round(runs.isapiMultipart!.readsPerSec / runs.jsonIngest!.readsPerSec, 2);
    return {
      benchmark: 'adapters',
      machine: { cpus: os.cpus().length, node: process.version },
      pictures: { plateCropBytes: plate.length, overviewBytes: overview.length },
      floor: { jsonIngestOfTheSameReads: runs.jsonIngest },
      isapi: { multipart: runs.isapiMultipart, xmlOnly: runs.isapiXmlOnly },
      deepstream: {
        messages: DEEPSTREAM_MESSAGES,
        published: done,
        seconds: round(deepstreamSeconds, 2),
        messagesPerSec: round(done / deepstreamSeconds),
        note: 'one consumer, one partition key (one camera): messages one at a time, in order',
      },
      ratioToFloor: { isapiMultipart: ratio },
      goal: { isapiMultipartRatioAtLeast: GOAL_RATIO, met: ratio >= GOAL_RATIO },
    };
  } finally {
    await sql.end();
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

async function main(): Promise<void> {
  Logger.overrideLogger(['error']);
  const external = process.env.KAFKA_BROKERS;
  let startedPort: number | undefined;
  let brokers: string;
  if (external) {
    brokers = external;
  } else {
    const port = unownedPort(portFromEnv('KUZET_BENCH_KAFKA_PORT', 39592));
    recordOwner(port);
    try {
      brokers = (
        await startLocalBroker({
          port,
          dataDir: path.join(KAFKA_CACHE_DIR, `bench-data-${port}`),
          fresh: true,
        })
      ).brokers;
    } catch (error) {
      releaseOwner(port);
      throw error;
    }
    startedPort = port;
  }
  const db = await createTestDatabase();
  try {
    process.stdout.write(`${JSON.stringify(await measure(brokers, db))}\n`);
  } finally {
    await db.drop();
    if (startedPort !== undefined) {
      await stopLocalBroker(startedPort);
      releaseOwner(startedPort);
    }
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

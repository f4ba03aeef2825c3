import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import {
  CameraEventSchema,
  create,
  decodeCameraEvent,
  encodeCameraEvent,
  timestampFromMs,
  VehicleDirection,
} from '../../libs/contracts/src';
import { loadConfig } from '../../libs/config/src';
import {
  KafkaMessageBus,
  MESSAGE_BUS,
  MessageBus,
  TOPICS,
  TOPIC_SPECS,
} from '../../libs/messaging/src';
import { PlatformModule } from '../../libs/platform/src';
import { CameraEventGate } from '../../libs/registry/src';
import { PlateIndex, PlateReadRepository, PlateReadStore } from '../../libs/vehicles/src';
import { VehicleMatchingModule } from '../../apps/matcher/src/vehicles/vehicle-matching.module';
import { createTestDatabase } from '../../test/support/database';
import { TEST_AUDIT_CHAIN_KEYS, TEST_JWT_SECRET } from '../../test/support/staff';
import { startBenchBroker } from '../support/broker';

// Intake: BENCH_INTAKE_READS plate reads (protobuf CameraEvents, no images, 13 cameras of the
// seed region) produced to kuzet.camera-events.v1 on a real broker, then taken by the matcher's
// own plate path (VehicleMatchingModule: the Kafka bus's batch handler, the camera-event gate,
// normalisation, the list check against BENCH_INTAKE_ENTRIES listed plates, the bulk insert into
// the day-partitioned plate_read). The clock runs from the first stored read to the last, so
// the consumer group's join is left out. The floor: PostgreSQL's own COPY (psql \copy) of the
// same rows into the same, emptied, table with the same indexes. Stops by itself; prints JSON.
const READS = Number(process.env.BENCH_INTAKE_READS ?? 100_000);
const ENTRIES = Number(process.env.BENCH_INTAKE_ENTRIES ?? 100_000);
const CAMERAS = [
  'aktau-cam-0001',
  'aktau-cam-0002',
  'aktau-cam-0003',
  'zhanaozen-cam-0042',
  'zhanaozen-cam-0043',
  'beineu-cam-0001',
  'mangystau-cam-0001',
  'tupkaragan-cam-0001',
];
const WITHOUT_FINGERPRINT = process.env.BENCH_INTAKE_WITHOUT === 'fingerprint';
if (process.env.BENCH_INTAKE_WITHOUT && !WITHOUT_FINGERPRINT)
  throw new Error(`BENCH_INTAKE_WITHOUT=${process.env.BENCH_INTAKE_WITHOUT}: only "fingerprint"`);
const REGION_FILE = path.resolve(__dirname, '../../deploy/config/region.yaml');
const COLUMNS = 'read_at, event_id, confidence, direction, camera_id, plate_normalised, plate_read';

const progress = (line: string) => process.stderr.write(`[bench:plates intake] ${line}\n`);
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
let seed = 20_261_204;
function random(): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 2 ** 32;
}
const pick = (s: string) => s[Math.floor(random() * s.length)]!;
const plate = () =>
  `${pick('0123456789')}${pick('0123456789')}${pick('0123456789')} ${pick(LETTERS)}${pick(LETTERS)}${pick(LETTERS)} ${String(1 + Math.floor(random() * 20)).padStart(2, '0')}`;

/** Wall time summed over the calls of one method of one instance (calls may overlap). */
function timed<T extends object>(target: T, method: keyof T & string, totals: Map<string, number>) {
  if (typeof target[method] !== 'function') return;
  const original = (target[method] as (...a: unknown[]) => unknown).bind(target);
  const name = `${target.constructor.name}.${method}`;
  totals.set(name, 0);
  (target as Record<string, unknown>)[method] = async (...args: unknown[]) => {
    const start = process.hrtime.bigint();
    try {
      return await original(...args);
    } finally {
      totals.set(name, totals.get(name)! + Number(process.hrtime.bigint() - start) / 1e6);
    }
  };
}

async function measure(brokers: string): Promise<Record<string, unknown>> {
  const database = await createTestDatabase();
  const work = mkdtempSync(path.join(tmpdir(), 'kuzet-intake-'));
  const config = loadConfig(
    { LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'error' },
    {
      DATABASE_URL: database.url,
      KAFKA_BROKERS: brokers,
      KAFKA_TOPIC_PARTITIONS: 3,
      KAFKA_GROUP_PREFIX: `bench-${randomUUID().slice(0, 8)}.`,
      KAFKA_NEW_GROUP_START: 'earliest',
      KUZET_REGION_FILE: REGION_FILE,
      KUZET_DATA_DIR: work,
      JWT_SECRET: TEST_JWT_SECRET,
      AUDIT_CHAIN_KEYS: TEST_AUDIT_CHAIN_KEYS,
    },
  );
  const producerBus = new KafkaMessageBus({
    brokers: brokers.split(','),
    clientId: 'bench-intake',
    defaultPartitions: 3,
    replicationFactor: 1,
  });
  try {
    await producerBus.ensureTopics(TOPIC_SPECS);
    const now = Date.now();
    const events = Array.from({ length: READS }, (_, i) =>
      create(CameraEventSchema, {
        eventId: randomUUID(),
        cameraId: CAMERAS[i % CAMERAS.length]!,
        capturedAt: timestampFromMs(now - 60_000 + Math.floor((i * 60_000) / READS)),
        sourceId: 'anpr-vendor',
        payload: {
          case: 'plateRead',
          value: {
            plate: plate().replace(/ /g, ''),
            confidence: 0.9,
            characterConfidences: [1, 1, 1, 0.9, 0.9, 0.9, 1, 1],
            country: 'KZ',
            direction: VehicleDirection.APPROACHING,
            lane: 1 + (i % 3),
            speedKmh: 60 + (i % 40),
          },
        },
      }),
    );
    const encoded = events.map((e) => ({ key: e.cameraId, value: encodeCameraEvent(e) }));
    const producedStart = process.hrtime.bigint();
    for (let i = 0; i < encoded.length; i += 1000)
      await producerBus.publish(TOPICS.cameraEvents, encoded.slice(i, i + 1000));
    progress(
      `${READS} reads produced in ${(Number(process.hrtime.bigint() - producedStart) / 1e9).toFixed(1)} s, ${Math.round(encoded.reduce((n, m) => n + m.value.byteLength, 0) / READS)} bytes each`,
    );

    // decode alone, in one thread, for the breakdown
    const decodeStart = process.hrtime.bigint();
    for (const m of encoded) decodeCameraEvent(m.value, new Date());
    const decodeMs = Number(process.hrtime.bigint() - decodeStart) / 1e6;

    @Module({
      imports: [PlatformModule.forRoot({ service: 'bench', config }), VehicleMatchingModule],
    })
    class IntakeBenchModule {}
    const app = await NestFactory.createApplicationContext(IntakeBenchModule, {
      logger: ['error'],
      abortOnError: false,
    });
    const totals = new Map<string, number>();
    const index = app.get(PlateIndex);
    const listId = randomUUID();
    for (let i = 0; i < ENTRIES; i++)
      index.upsert({
        entryId: randomUUID(),
        listId,
        plate: plate().replace(/ /g, ''),
        policy: i % 10 === 0 ? 'edit' : 'confusion',
        category: 'stolen',
        priority: 80,
        expiresAtMs: null,
      } as Parameters<PlateIndex['upsert']>[0]);
    // decomposition only (BENCH_INTAKE_WITHOUT=fingerprint): the one-content-per-event_id
    // statement answered "first content" without the database, to see what it costs; never
    // the figure compared with the goal
    if (WITHOUT_FINGERPRINT) {
      const gate = app.get(CameraEventGate) as unknown as Record<string, unknown>;
      gate.firstContentsMatch = async (events: readonly object[]) =>
        new Map(events.map((event) => [event, true]));
    }
    timed(app.get(CameraEventGate), 'admit', totals);
    timed(app.get(CameraEventGate), 'admitMany' as never, totals);
    timed(app.get(PlateReadStore), 'store', totals);
    timed(app.get(PlateReadRepository), 'insert', totals);
    const db = new Client({ connectionString: database.url });
    await db.connect();
    const stored = async () =>
      Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM plate_read')).rows[0]!.n);

    progress('matcher plate path started; waiting for the first stored read');
    await app.init();
    let first = 0;
    let firstAt = 0n;
    for (let waited = 0; ; waited++) {
      first = await stored();
      if (first > 0) break;
      if (waited % 500 === 499) {
        const { rows } = await db.query<{ cameras: string; fingerprints: string }>(
          `SELECT (SELECT count(*) FROM camera) AS cameras,
                  (SELECT count(*) FROM camera_event_fingerprint) AS fingerprints`,
        );
        progress(
          `still no read stored: ${JSON.stringify(rows[0])} ${JSON.stringify(app.get<MessageBus>(MESSAGE_BUS).consumerGroups())}`,
        );
        if (waited > 3000) throw new Error('no read stored in a minute');
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    firstAt = process.hrtime.bigint();
    for (const key of totals.keys()) totals.set(key, 0);
    let last = first;
    while (last < READS) {
      await new Promise((r) => setTimeout(r, 50));
      last = await stored();
    }
    const intakeSeconds = Number(process.hrtime.bigint() - firstAt) / 1e9;
    const intakeRate = (READS - first) / intakeSeconds;
    progress(`intake: ${READS - first} reads in ${intakeSeconds.toFixed(2)} s`);
    await app.close();

    // the floor: the same rows, COPY'd by psql into the same emptied table
    const file = path.join(work, 'plate_read.csv');
    execFileSync('psql', [
      database.url,
      '-qc',
      `\\copy (SELECT ${COLUMNS} FROM plate_read) TO '${file}' CSV`,
    ]);
    await db.query('TRUNCATE plate_read');
    await db.query('CHECKPOINT');
    const copyStart = process.hrtime.bigint();
    execFileSync('psql', [
      database.url,
      '-qc',
      `\\copy plate_read (${COLUMNS}) FROM '${file}' CSV`,
    ]);
    const copySeconds = Number(process.hrtime.bigint() - copyStart) / 1e9;
    const copied = await stored();
    const copyRate = copied / copySeconds;
    progress(
      `COPY: ${copied} rows in ${copySeconds.toFixed(2)} s (${statSync(file).size} bytes of CSV)`,
    );
    await db.end();

    const breakdown = Object.fromEntries(
      [...totals].filter(([, ms]) => ms > 0).map(([k, ms]) => [k, Math.round(ms)]),
    );
    return {
      bench: WITHOUT_FINGERPRINT ? 'plates-intake-without-fingerprint' : 'plates-intake',
      reads: READS,
      list_entries: ENTRIES,
      partitions_consumed_concurrently: 3,
      intake_reads_per_second: Math.round(intakeRate),
      copy_rows_per_second: Math.round(copyRate),
      ratio: Number((intakeRate / copyRate).toFixed(3)),
      intake_seconds: Number(intakeSeconds.toFixed(2)),
      copy_seconds: Number(copySeconds.toFixed(2)),
      // summed wall time of each stage over the timed part (calls overlap across partitions)
      stage_ms: breakdown,
      decode_only_ms_single_thread: Math.round((decodeMs * (READS - first)) / READS),
    };
  } finally {
    await producerBus.close().catch(() => undefined);
    await database.drop();
    rmSync(work, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const broker = await startBenchBroker('bench', 39392, progress);
  try {
    process.stdout.write(`${JSON.stringify(await measure(broker.brokers))}\n`);
  } finally {
    await broker.stop().catch(() => undefined);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    progress(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);

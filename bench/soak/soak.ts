/*
 * `npm run soak`: the distributed stack as deploy/apps.ts describes it (deploy/launcher.ts:
 * every app its own process, two matchers), on a fresh local broker (or KAFKA_BROKERS) and a
 * fresh database on DATABASE_URL's server, under a paced mixed load pushed through ingest's
 * HTTP API for SOAK_MINUTES (default 30): edge face embeddings, traffic violations and SOS
 * alarms (alerts) from the seed region's cameras, one batch a second. Prints one JSON line:
 * events in (accepted) and out (logged violations, SOS alerts, stored plate reads) with what
 * was lost or stored twice per kind, consumer lag over time, alert latency (stored minus
 * captured) p50/p99 per window (SOAK_WINDOW_MINUTES, default 5), RSS and heap of every process
 * at start, after the warm-up (SOAK_WARMUP_MINUTES, default 5) and at the end, with the growth
 * after the warm-up, and every error seen.
 *
 * SOAK_RATE (events/s, default 40) and SOAK_MIX (embeddings:violations:alarms:plates, default
 * 70:15:5:10) change the load.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import * as path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { parse } from 'yaml';
import { timestampFromMs } from '@kuzet/contracts';
import { CAMERA_EVENT_GROUPS, TOPICS } from '@kuzet/messaging';
import { launchStack, LaunchedProcess, runCli, Stack } from '../../deploy/launcher';
import { sampleJson } from '../../test/ingest/sample-events';
import { createTestDatabase } from '../../test/support/database';
import { TEST_AUDIT_CHAIN_KEYS, TEST_JWT_SECRET } from '../../test/support/staff';
import { startBenchBroker } from '../support/broker';

const ROOT = path.resolve(__dirname, '..', '..');
const REGION = path.join(ROOT, 'deploy/config/region.yaml');
const MINUTES = Number(process.env.SOAK_MINUTES ?? 30);
const WINDOW_MINUTES = Number(process.env.SOAK_WINDOW_MINUTES ?? 5);
const RATE = Number(process.env.SOAK_RATE ?? 40);
const WARMUP_MINUTES = Math.min(Number(process.env.SOAK_WARMUP_MINUTES ?? 5), MINUTES / 2);
const MIX_PARTS = (process.env.SOAK_MIX ?? '70:15:5:10').split(':').map(Number);
const MIX = [0, 1, 2, 3].map((i) => MIX_PARTS[i] ?? 0) as [number, number, number, number];
if (MIX.some((n) => !Number.isInteger(n) || n < 0) || MIX.every((n) => n === 0))
  throw new Error(
    `SOAK_MIX=${process.env.SOAK_MIX}: embeddings:violations:alarms:plates, integers`,
  );
const LAG_SAMPLE_MS = 30_000;
const DRAIN_MINUTES = Number(process.env.SOAK_DRAIN_MINUTES ?? 5);
const PREFIX = `soak-${Date.now()}.`;
const PASSWORD = 'soak administrator password';

const progress = (line: string) => process.stderr.write(`[soak] ${line}\n`);

interface Memory {
  readonly rssMiB: number;
  readonly heapUsedMiB: number | null;
}

async function memoryOf(p: LaunchedProcess): Promise<Memory> {
  const status = readFileSync(`/proc/${p.child.pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const metrics = await fetch(`${p.url}/metrics`)
    .then((r) => r.text())
    .catch(() => '');
  const heap = /^\w*nodejs_heap_size_used_bytes\s+([\d.e+]+)$/m.exec(metrics)?.[1];
  return {
    rssMiB: Math.round(rssKb / 102.4) / 10,
    heapUsedMiB: heap ? Math.round(Number(heap) / 104_857.6) / 10 : null,
  };
}

const percentile = (sorted: number[], q: number): number | null =>
  sorted.length === 0
    ? null
    : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;

function cameras(): string[] {
  const region = parse(readFileSync(REGION, 'utf8')) as {
    centres: { districts: { id: string; cameras: { id: string }[] }[] }[];
  };
  return region.centres.flatMap((c) => c.districts.flatMap((d) => d.cameras.map((k) => k.id)));
}

function districts(): string[] {
  const region = parse(readFileSync(REGION, 'utf8')) as {
    centres: { districts: { id: string }[] }[];
  };
  return region.centres.flatMap((c) => c.districts.map((d) => d.id));
}

async function main(): Promise<void> {
  const errors: string[] = [];
  const broker = await startBenchBroker('soak', 39492, progress);
  const brokers = broker.brokers;
  const database = await createTestDatabase();
  let stack: Stack | undefined;
  const kafka = new Kafka({ brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  try {
    const options = {
      settings: {
        DATABASE_URL: database.url,
        KAFKA_BROKERS: brokers,
        JWT_SECRET: TEST_JWT_SECRET,
        AUDIT_CHAIN_KEYS: TEST_AUDIT_CHAIN_KEYS,
        KUZET_REGION_FILE: REGION,
      },
      env: {
        KAFKA_GROUP_PREFIX: PREFIX,
        LOG_LEVEL: 'warn',
        INGEST_RATE_LIMIT_PER_MINUTE: '600000',
      },
      replicas: { ingest: 1, matcher: 2, 'ops-center': 1, violations: 1, audit: 1 },
    };
    progress('starting the stack from deploy/apps.ts');
    stack = await launchStack(options);
    const ingest = stack.url('ingest');
    const created = await runCli(['users', 'create-admin', '--username', 'soak.admin'], options, {
      KUZET_ADMIN_PASSWORD: PASSWORD,
    });
    if (created.code !== 0) throw new Error(`create-admin failed: ${created.output}`);
    const login = await fetch(`${ingest}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'soak.admin', password: PASSWORD }),
    }).then((r) => r.json() as Promise<{ access_token: string }>);
    const keyResponse = await fetch(`${ingest}/v1/api-keys`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${login.access_token}`,
      },
      body: JSON.stringify({ integrator_id: 'soak', label: 'soak', district_ids: districts() }),
    }).then((r) => r.json() as Promise<{ key: string }>);
    await admin.connect();

    const start = new Map<string, Memory>();
    for (const p of stack.processes) start.set(p.id, await memoryOf(p));
    const cameraIds = cameras();
    const total = MIX[0] + MIX[1] + MIX[2] + MIX[3];
    const sent = { embeddings: 0, violations: 0, alarms: 0, plates: 0 };
    let warm: Map<string, Memory> | undefined;
    const warmAt = Date.now() + WARMUP_MINUTES * 60_000;
    let accepted = 0;
    const lag: { atS: number; load1: number; byGroup: Record<string, number> }[] = [];
    const groups = [
      CAMERA_EVENT_GROUPS.matcher,
      CAMERA_EVENT_GROUPS.violations,
      CAMERA_EVENT_GROUPS.alarms,
      CAMERA_EVENT_GROUPS.plates,
    ];
    const began = Date.now();
    const sampleLag = async () => {
      const ends = await admin.fetchTopicOffsets(TOPICS.cameraEvents);
      const byGroup: Record<string, number> = {};
      for (const group of groups) {
        const [committed] = await admin.fetchOffsets({
          groupId: `${PREFIX}${group}`,
          topics: [TOPICS.cameraEvents],
        });
        byGroup[group] = ends.reduce((sum, end) => {
          const c = committed?.partitions.find((p) => p.partition === end.partition)?.offset;
          return sum + Number(end.high) - (c === undefined || c === '-1' ? 0 : Number(c));
        }, 0);
      }
      // the machine's own load: a soak beside other work says so in its figures
      const load1 = Math.round(loadavg()[0]! * 10) / 10;
      lag.push({ atS: Math.round((Date.now() - began) / 1000), load1, byGroup });
      return byGroup;
    };

    progress(`load: ${RATE} events/s for ${MINUTES} min, mix ${MIX.join(':')}`);
    let nextLag = began + LAG_SAMPLE_MS;
    for (let second = 0; Date.now() - began < MINUTES * 60_000; second++) {
      const events = Array.from({ length: RATE }, (_, i) => {
        const slot = ((second * RATE + i) % total) as number;
        const kind =
          slot < MIX[0]
            ? 'observation'
            : slot < MIX[0] + MIX[1]
              ? 'violation'
              : slot < MIX[0] + MIX[1] + MIX[2]
                ? 'alarm'
                : 'plate';
        if (kind === 'observation') sent.embeddings++;
        else if (kind === 'violation') sent.violations++;
        else if (kind === 'alarm') sent.alarms++;
        else sent.plates++;
        return sampleJson(kind, (e) => {
          e.cameraId = cameraIds[(second * RATE + i) % cameraIds.length]!;
          e.capturedAt = timestampFromMs(Date.now());
          // a different car every read, in the seed region's format (digits, letters, region)
          if (e.payload.case === 'plateRead')
            e.payload.value.plate = `${100 + (sent.plates % 900)} ${'ABCEHK'[sent.plates % 6]}KZ 12`;
        });
      });
      try {
        const response = await fetch(`${ingest}/v1/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': keyResponse.key },
          body: JSON.stringify({ events }),
        });
        if (response.status === 202) accepted += events.length;
        else
          errors.push(
            `ingest answered ${response.status}: ${(await response.text()).slice(0, 200)}`,
          );
      } catch (error) {
        errors.push(`ingest request failed: ${String(error)}`);
      }
      for (const p of stack.processes) {
        if (p.child.exitCode !== null) errors.push(`${p.id} exited with ${p.child.exitCode}`);
      }
      if (!warm && Date.now() >= warmAt) {
        warm = new Map();
        for (const p of stack.processes) warm.set(p.id, await memoryOf(p));
      }
      if (Date.now() >= nextLag) {
        await sampleLag().catch((e: unknown) => errors.push(`lag sample: ${String(e)}`));
        nextLag += LAG_SAMPLE_MS;
      }
      const due = began + (second + 1) * 1000;
      await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
    }
    const loadEnded = Date.now();
    progress('load done; draining');
    let drained = false;
    while (!drained && Date.now() - loadEnded < DRAIN_MINUTES * 60_000) {
      const byGroup = await sampleLag();
      drained = Object.values(byGroup).every((n) => n === 0);
      if (!drained) await new Promise((r) => setTimeout(r, 2_000));
    }
    const end = new Map<string, Memory>();
    for (const p of stack.processes) end.set(p.id, await memoryOf(p));

    const sql = new Client({ connectionString: database.url });
    await sql.connect();
    const counted = async (table: string, where = 'true') =>
      (
        await sql.query<{ rows: number; events: number }>(
          `SELECT count(*)::int AS rows, count(DISTINCT event_id)::int AS events FROM ${table} WHERE ${where}`,
        )
      ).rows[0]!;
    const violations = await counted('violation_record');
    const sos = await counted('alert', `kind = 'alarm'`);
    const plates = await counted('plate_read');
    const alerts = await sql.query<{ at: Date; ms: number }>(
      `SELECT created_at AS at, EXTRACT(EPOCH FROM (created_at - captured_at)) * 1000 AS ms FROM alert`,
    );
    await sql.end();
    const windows: {
      fromMin: number;
      alerts: number;
      p50Ms: number | null;
      p99Ms: number | null;
    }[] = [];
    for (let from = 0; from < MINUTES; from += WINDOW_MINUTES) {
      const inWindow = alerts.rows
        .filter((a) => {
          const minute = (a.at.getTime() - began) / 60_000;
          // the last window also takes the alerts stored while the backlog drained
          const last = from + WINDOW_MINUTES >= MINUTES;
          return minute >= from && (last || minute < from + WINDOW_MINUTES);
        })
        .map((a) => Number(a.ms))
        .sort((a, b) => a - b);
      const round = (v: number | null) => (v === null ? null : Math.round(v));
      windows.push({
        fromMin: from,
        alerts: inWindow.length,
        p50Ms: round(percentile(inWindow, 0.5)),
        p99Ms: round(percentile(inWindow, 0.99)),
      });
    }
    for (const p of stack.processes) {
      const errorLines = p
        .output()
        .split('\n')
        .filter((l) => /"level":(50|60)|\bERROR\b/.test(l));
      for (const line of errorLines.slice(0, 5)) errors.push(`${p.id}: ${line.slice(0, 300)}`);
    }
    const result = {
      bench: 'soak',
      minutes: MINUTES,
      ratePerS: RATE,
      mix: { embeddings: MIX[0], violations: MIX[1], alarms: MIX[2], plates: MIX[3] },
      processes: stack.processes.map((p) => p.id),
      eventsIn: { sent, accepted },
      eventsOut: {
        violationsLogged: violations.rows,
        sosAlerts: sos.rows,
        plateReadsStored: plates.rows,
        alertsStored: alerts.rows.length,
      },
      // accepted events of a kind that reached no row once every group drained (null while a
      // backlog is left: those are late, not lost), and rows stored twice for one event
      lost: !drained
        ? null
        : {
            violations: sent.violations - violations.events,
            alarms: sent.alarms - sos.events,
            // a violation's plate is a plate read too
            plates: sent.plates + sent.violations - plates.events,
          },
      storedTwice: {
        violations: violations.rows - violations.events,
        alarms: sos.rows - sos.events,
        plates: plates.rows - plates.events,
      },
      drained,
      lag,
      alertLatencyWindows: windows,
      warmupMinutes: WARMUP_MINUTES,
      memory: stack.processes.map((p) => {
        const after = warm?.get(p.id);
        const last = end.get(p.id);
        return {
          id: p.id,
          start: start.get(p.id),
          afterWarmup: after,
          end: last,
          rssGrowthAfterWarmupPct:
            after && last ? Math.round((last.rssMiB / after.rssMiB - 1) * 1000) / 10 : null,
        };
      }),
      errors,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await admin.disconnect().catch(() => undefined);
    await stack?.stop();
    await database.drop();
    await broker.stop();
  }
}

void main().catch((error: unknown) => {
  process.stderr.write(`${String(error instanceof Error ? error.stack : error)}\n`);
  process.exit(1);
});

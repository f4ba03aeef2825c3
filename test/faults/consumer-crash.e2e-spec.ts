import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Client } from 'pg';
import { CameraEvent, encodeCameraEvent } from '@kuzet/contracts';
import { sampleAlarmEvent, sampleViolationEvent } from '@kuzet/contracts/testing';
import { KafkaMessageBus, TOPICS } from '@kuzet/messaging';
import { registerCameras } from '../support/cameras';
import { createTestDatabase, TestDatabase } from '../support/database';
import { freePort, RunningProcess, startNode, waitForHttp } from '../support/process';
import { TEST_AUDIT_CHAIN_KEYS, TEST_JWT_SECRET } from '../support/staff';
import { kafkaBrokers, SUITE_GROUPS, uniqueName } from '../support/transports';
import { waitFor } from '../support/wait';

const EVENTS = 400;
const CAMERAS = 8;

interface ConsumerUnderTest {
  readonly app: string;
  /** What it makes of each event: one row per event id. */
  readonly rows: string;
  readonly sample: (now: Date) => CameraEvent;
}

/** The two consumers of kuzet.camera-events.v1 besides the matcher (test/faults/matcher-crash),
 * each the built app on the real broker and PostgreSQL. */
const CONSUMERS: readonly ConsumerUnderTest[] = [
  {
    app: 'violations',
    rows: 'SELECT event_id::text AS id FROM violation_record WHERE event_id::text = ANY($1::text[])',
    sample: sampleViolationEvent,
  },
  {
    app: 'ops-center',
    rows: "SELECT event_id::text AS id FROM alert WHERE kind = 'alarm' AND event_id::text = ANY($1::text[])",
    sample: sampleAlarmEvent,
  },
];

/**
 * Killed (SIGKILL) in the middle of a stream of events and restarted: afterwards every event
 * is recorded exactly once. The kill comes when this test's own rows show progress (some, not
 * all, recorded), never after a fixed time.
 */
describe.each(CONSUMERS)('the $app consumer killed mid-stream and restarted', (consumer) => {
  const main = resolve(__dirname, `../../dist/apps/${consumer.app}/src/main.js`);
  let database: TestDatabase;
  let db: Client;
  let bus: KafkaMessageBus;
  const running: RunningProcess[] = [];

  const start = async (): Promise<RunningProcess> => {
    const port = await freePort();
    const process_ = startNode(main, {
      HTTP_PORT: String(port),
      DATABASE_URL: database.url,
      KAFKA_BROKERS: kafkaBrokers().join(','),
      KAFKA_TOPIC_PARTITIONS: '3',
      ...SUITE_GROUPS,
      JWT_SECRET: TEST_JWT_SECRET,
      AUDIT_CHAIN_KEYS: TEST_AUDIT_CHAIN_KEYS,
      LOG_LEVEL: process.env.KUZET_TEST_LOGS ? 'info' : 'warn',
    });
    running.push(process_);
    await waitForHttp(`http://127.0.0.1:${port}/health/ready`, (s) => s === 200, 90_000, process_);
    return process_;
  };

  beforeAll(async () => {
    if (!existsSync(main)) throw new Error(`${main} is missing: run npm run build`);
    database = await createTestDatabase();
    db = new Client({ connectionString: database.url });
    await db.connect();
    bus = new KafkaMessageBus({
      brokers: kafkaBrokers(),
      clientId: uniqueName('consumer-crash'),
      defaultPartitions: 3,
      replicationFactor: 1,
    });
  }, 120_000);

  afterAll(async () => {
    for (const process_ of running) await process_.stop('SIGTERM', 20_000);
    await bus?.close();
    await db?.end();
    await database?.drop();
  }, 120_000);

  it('records every event exactly once', async () => {
    const prefix = uniqueName(`crash-${consumer.app}`);
    const cameras = Array.from({ length: CAMERAS }, (_, i) => `${prefix}-${i}`);
    // the app's start migrates the database the cameras are registered in
    await start();
    await registerCameras(db, cameras);
    const events = Array.from({ length: EVENTS }, (_, i) => {
      const event = consumer.sample(new Date());
      event.eventId = randomUUID();
      event.cameraId = cameras[i % CAMERAS]!;
      return event;
    });
    const ids = events.map((e) => e.eventId);
    const recorded = async (): Promise<string[]> =>
      (await db.query<{ id: string }>(consumer.rows, [ids])).rows.map((r) => r.id);

    await bus.publish(
      TOPICS.cameraEvents,
      events.map((e) => ({ key: e.cameraId, value: encodeCameraEvent(e) })),
    );
    // some recorded, not all: the kill lands in the middle of the stream
    const atKill = await waitFor(
      'the first events recorded',
      async () => {
        const n = (await recorded()).length;
        return n > 0 && n;
      },
      { timeoutMs: 90_000, intervalMs: 20 },
    );
    const victim = running[running.length - 1]!;
    await victim.stop('SIGKILL');
    expect({ signal: victim.child.signalCode }).toEqual({ signal: 'SIGKILL' });
    expect(atKill).toBeLessThan(EVENTS);

    // the restarted member joins once the killed one's session has expired, then catches up
    await start();
    const rows = await waitFor(
      `all ${EVENTS} events recorded after the restart`,
      async () => {
        const all = await recorded();
        if (all.length < EVENTS) throw new Error(`${all.length} of ${EVENTS} recorded`);
        return all;
      },
      { timeoutMs: 150_000, intervalMs: 200 },
    );
    expect(rows).toHaveLength(EVENTS);
    expect(new Set(rows)).toEqual(new Set(ids));
  }, 360_000);
});

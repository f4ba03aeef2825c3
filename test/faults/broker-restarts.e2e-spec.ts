import { fromBinary } from '@bufbuild/protobuf';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Consumer, EachBatchPayload, Kafka, KafkaJSNonRetriableError, logLevel } from 'kafkajs';
import { CameraEventSchema, encodeCameraEvent, ViolationCode } from '@kuzet/contracts';
import {
  ConsumerGroupStatus,
  InboundMessage,
  KafkaMessageBus,
  MESSAGE_BUS,
  MessageBus,
  Subscription,
  SupervisedConsumer,
  TOPICS,
} from '@kuzet/messaging';
import { MessageProcessor } from '@kuzet/messaging/message-processor';
import { DataSource } from 'typeorm';
import { ViolationsModule } from '../../apps/violations/src/violations.module';
import { VIOLATIONS_GROUP } from '../../apps/violations/src/violation-log/violation.consumer';
import { REGION_FILE } from '../ingest/ingest-app';
import { sampleEvent } from '../ingest/sample-events';
import {
  KAFKA_CACHE_DIR,
  portFromEnv,
  recordOwner,
  releaseOwner,
  startLocalBroker,
  stopLocalBroker,
  unownedPort,
} from '../setup/kafka-broker';
import { createTestDatabase, TestDatabase } from '../support/database';
import { closeTestApp, startTestApp } from '../support/kuzet-app';
import { eventually, provision, suiteGroup, uniqueName } from '../support/transports';

jest.setTimeout(300_000);

const RESTARTS = 10;
const GRACE_MS = 4_000;

/**
 * Consumers that survive the broker (issue 13): the violations app on a broker of this file's
 * own (it is stopped and started here, so no other suite shares it) and a database of its own.
 */
describe('consumers under supervision across broker restarts', () => {
  let port: number;
  let dataDir: string;
  let database: TestDatabase;
  let app: NestFastifyApplication;
  let appBus: MessageBus;
  let producer: KafkaMessageBus;
  let reader: Subscription;
  const republished = new Map<string, number>();

  const startBroker = (fresh = false): Promise<unknown> =>
    startLocalBroker({ port, dataDir, fresh, echo: false, startTimeoutSeconds: 60 });

  async function ready(): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await app.getHttpAdapter().getInstance().inject({
      method: 'GET',
      url: '/health/ready',
    });
    return { status: response.statusCode, body: response.json<Record<string, unknown>>() };
  }

  const groups = (): readonly ConsumerGroupStatus[] => appBus.consumerGroups();

  beforeAll(async () => {
    // the shared broker's port + 4: clear of it and of its controller port
    port = unownedPort(portFromEnv('KUZET_TEST_KAFKA_PORT', 39092) + 4);
    recordOwner(port);
    dataDir = join(KAFKA_CACHE_DIR, `restarts-data-${port}`);
    await startBroker(true);
    database = await createTestDatabase();
    ({ app } = await startTestApp([ViolationsModule], {
      DATABASE_URL: database.url,
      KAFKA_BROKERS: `127.0.0.1:${port}`,
      KUZET_REGION_FILE: REGION_FILE,
      // the broker's smallest session: a restarted consumer waits this long at most for the
      // member the broker remembers from before its restart
      KAFKA_SESSION_TIMEOUT_MS: 6_000,
      KAFKA_LAG_INTERVAL_MS: 500,
      KAFKA_CONSUMER_DOWN_GRACE_MS: GRACE_MS,
    }));
    appBus = app.get<MessageBus>(MESSAGE_BUS);
    reader = await appBus.subscribe({
      topic: TOPICS.violations,
      groupId: uniqueName('restarts-reader'),
      handler: async (m: InboundMessage) => {
        const { eventId } = fromBinary(CameraEventSchema, m.value);
        republished.set(eventId, (republished.get(eventId) ?? 0) + 1);
      },
    });
    producer = new KafkaMessageBus({
      brokers: [`127.0.0.1:${port}`],
      clientId: 'restarts-producer',
      defaultPartitions: 3,
      replicationFactor: 1,
    });
  });

  afterAll(async () => {
    await reader?.close().catch(() => undefined);
    await producer?.close().catch(() => undefined);
    await closeTestApp(app).catch(() => undefined);
    await database?.drop();
    if (port) {
      await stopLocalBroker(port, false).catch(() => undefined);
      releaseOwner(port);
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function loggedIds(ids: readonly string[]): Promise<Map<string, number>> {
    const dataSource = app.get(DataSource);
    const rows = await dataSource.query<{ event_id: string; n: number }[]>(
      'SELECT event_id, count(*)::int AS n FROM violation_record WHERE event_id = ANY($1::uuid[]) GROUP BY event_id',
      [ids],
    );
    return new Map(rows.map((r) => [r.event_id, r.n]));
  }

  it('restarts a consumer that kafkajs abandoned after a non-retriable error', async () => {
    // A real kafkajs consumer on the real broker; its first batch throws a non-retriable
    // error inside kafkajs's runner, so kafkajs takes its own crash path: it leaves the group,
    // emits CRASH with restart=false and never starts again. The supervisor must.
    const topic = uniqueName('supervised');
    await provision(producer, topic);
    const kafka = new Kafka({
      clientId: 'supervised-test',
      brokers: [`127.0.0.1:${port}`],
      logLevel: logLevel.NOTHING,
    });
    const handled: string[] = [];
    const options = {
      topic,
      groupId: uniqueName('supervised-group'),
      handler: async (m: InboundMessage) => {
        handled.push(m.value.toString());
      },
    };
    const crashes: boolean[] = [];
    let created = 0;
    const supervised = new SupervisedConsumer(
      () => {
        const consumer = kafka.consumer({ groupId: options.groupId, sessionTimeout: 6_000 });
        consumer.on(consumer.events.CRASH, (e) => crashes.push(e.payload.restart));
        if (created++ > 0) return consumer;
        const run = consumer.run.bind(consumer);
        return Object.assign(consumer, {
          run: (config: Parameters<Consumer['run']>[0]) =>
            run({
              ...config,
              eachBatch: async (_payload: EachBatchPayload) => {
                throw new KafkaJSNonRetriableError('injected: not retriable');
              },
            }),
        });
      },
      options,
      new MessageProcessor(options, async () => undefined),
      {
        commitEveryMessages: 1,
        partitionsConsumedConcurrently: 1,
        restartBackoff: { initialMs: 200, maxMs: 1_000 },
      },
      () => undefined,
    );
    try {
      await supervised.start();
      await producer.publish(topic, [{ key: 'k', value: Buffer.from('one') }]);
      await eventually(() => handled.length > 0, 'the message handled after the restart', 60_000);
      expect(crashes[0]).toBe(false);
      expect(created).toBeGreaterThanOrEqual(2);
      expect(handled).toEqual(['one']);
      const status = supervised.tracker.status();
      expect(status).toMatchObject({ state: 'running' });
      expect(status.restarts).toBeGreaterThanOrEqual(1);
    } finally {
      await supervised.close();
    }
  });

  it('says not ready, naming the group, while the broker is down, and ready once it is back', async () => {
    const group = `consumer:${suiteGroup(VIOLATIONS_GROUP)}`;
    await eventually(async () => (await ready()).status === 200, 'ready at first', 60_000);
    await stopLocalBroker(port, false);
    try {
      await eventually(
        async () => {
          const { status, body } = await ready();
          const error = body.error as Record<string, { status: string }> | undefined;
          return status === 503 && error?.[group]?.status === 'down';
        },
        `503 naming ${group}`,
        60_000,
      );
    } finally {
      await startBroker();
    }
    await eventually(async () => (await ready()).status === 200, 'ready again', 90_000);
  });

  it(`loses nothing and duplicates nothing over ${RESTARTS} broker restarts under traffic`, async () => {
    const acknowledged: string[] = [];
    const attempted: string[] = [];
    let producing = true;
    const traffic = (async () => {
      while (producing) {
        const event = sampleEvent('violation', (e) => {
          if (e.payload.case === 'violation') e.payload.value.code = ViolationCode.SPEEDING;
        });
        attempted.push(event.eventId);
        try {
          await producer.publish(TOPICS.cameraEvents, [
            { key: event.cameraId, value: encodeCameraEvent(event) },
          ]);
          acknowledged.push(event.eventId);
        } catch {
          // not acknowledged: it may or may not be on the topic
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const started = Date.now();
    for (let i = 0; i < RESTARTS; i++) {
      await new Promise((r) => setTimeout(r, 1_500));
      await stopLocalBroker(port, false);
      await new Promise((r) => setTimeout(r, 500));
      await startBroker();
    }
    await new Promise((r) => setTimeout(r, 2_000));
    producing = false;
    await traffic;
    const restartsSeconds = (Date.now() - started) / 1000;

    await eventually(
      () => groups().every((g) => g.state === 'running' && g.lag === 0),
      'every group running with no lag',
      120_000,
    );
    await eventually(
      async () => (await loggedIds(acknowledged)).size === acknowledged.length,
      'every acknowledged violation logged',
      60_000,
    );
    const logged = await loggedIds(attempted);
    // publishing waits out each outage, so traffic flows between restarts only
    expect(acknowledged.length).toBeGreaterThanOrEqual(RESTARTS * 5);
    expect([...logged.values()].every((n) => n === 1)).toBe(true);
    expect(acknowledged.every((id) => logged.has(id))).toBe(true);
    await eventually(
      () => acknowledged.every((id) => republished.has(id)),
      'every acknowledged violation republished',
      60_000,
    );
    const statuses = groups();
    expect(statuses.map((g) => g.groupId).sort()).toEqual(
      [suiteGroup(VIOLATIONS_GROUP), reader.groupId].sort(),
    );
    expect((await ready()).status).toBe(200);
    process.stderr.write(
      `${JSON.stringify({
        restarts: RESTARTS,
        seconds: restartsSeconds,
        attempted: attempted.length,
        acknowledged: acknowledged.length,
        logged: logged.size,
        republishedTwiceOrMore: [...republished.values()].filter((n) => n > 1).length,
        groups: statuses.map((g) => ({ group: g.groupId, restarts: g.restarts, err: g.lastError })),
      })}\n`,
    );
  });
});

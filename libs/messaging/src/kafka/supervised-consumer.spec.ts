import { EventEmitter } from 'node:events';
import { Consumer, ConsumerRunConfig, EachBatchPayload, KafkaJSNonRetriableError } from 'kafkajs';
import { REPLAY_GROUPS_HEADER } from '../dead-letter';
import { MessageProcessor } from '../message-processor';
import { InboundMessage, SubscriptionOptions } from '../message-bus';
import { SupervisedConsumer } from './kafka-message-bus';

const EVENTS = { GROUP_JOIN: 'consumer.group_join', CRASH: 'consumer.crash' } as const;

/** Just enough of a kafkajs consumer to drive the supervisor: events and a lifecycle. */
class FakeConsumer extends EventEmitter {
  readonly events = EVENTS;
  disconnected = 0;
  run_?: ConsumerRunConfig;
  readonly commits: string[] = [];
  constructor(private readonly failConnect: boolean) {
    super();
  }
  async connect(): Promise<void> {
    if (this.failConnect) throw new Error('connect ECONNREFUSED');
  }
  async subscribe(): Promise<void> {}
  async commitOffsets(offsets: { offset: string }[]): Promise<void> {
    this.commits.push(...offsets.map((o) => o.offset));
  }
  async run(config: ConsumerRunConfig): Promise<void> {
    this.run_ = config;
    setImmediate(() => this.emit(EVENTS.GROUP_JOIN, {}));
  }
  async disconnect(): Promise<void> {
    this.disconnected += 1;
  }
  crash(error: Error, restart: boolean): void {
    this.emit(EVENTS.CRASH, { payload: { error, restart, groupId: 'g' } });
  }
}

const options: SubscriptionOptions = { topic: 't', groupId: 'g', handler: async () => undefined };

async function until(predicate: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !predicate(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(predicate()).toBe(true);
}

describe('SupervisedConsumer', () => {
  it('restarts a consumer kafkajs gave up on, with back-off, until it runs again', async () => {
    const created: FakeConsumer[] = [];
    // the first consumer runs; the second and third cannot connect; the fourth runs
    const plan = [false, true, true, false];
    const supervised = new SupervisedConsumer(
      () => {
        const consumer = new FakeConsumer(plan[created.length] ?? false);
        created.push(consumer);
        return consumer as unknown as Consumer;
      },
      options,
      new MessageProcessor(options, async () => undefined),
      {
        commitEveryMessages: 1,
        partitionsConsumedConcurrently: 1,
        restartBackoff: { initialMs: 5, maxMs: 20 },
      },
      () => undefined,
    );
    await supervised.start();
    await until(() => supervised.tracker.current === 'running');

    created[0]!.crash(new KafkaJSNonRetriableError('Failed to find group coordinator'), false);
    expect(supervised.tracker.status()).toMatchObject({
      state: 'crashed',
      lastError: 'Failed to find group coordinator',
    });
    await until(() => created.length === 4 && supervised.tracker.current === 'running');
    expect(supervised.tracker.status().restarts).toBe(3);

    // a retriable crash is kafkajs's to restart: no new consumer
    created[3]!.crash(new Error('No broker available'), true);
    expect(supervised.tracker.current).toBe('restarting');
    await new Promise((r) => setTimeout(r, 50));
    expect(created).toHaveLength(4);

    await supervised.close();
    created[3]!.crash(new KafkaJSNonRetriableError('late'), false);
    await new Promise((r) => setTimeout(r, 50));
    expect(created).toHaveLength(4);
  });
});

describe('SupervisedConsumer with a batch handler', () => {
  const record = (offset: number, headers: Record<string, string> = {}) => ({
    offset: String(offset),
    key: Buffer.from('k'),
    value: Buffer.from(`m${offset}`),
    headers,
    timestamp: '0',
    attributes: 0,
  });

  async function consume(
    batchHandler: (messages: readonly InboundMessage[]) => Promise<void>,
    handled: string[],
  ): Promise<FakeConsumer> {
    const consumer = new FakeConsumer(false);
    const subscription: SubscriptionOptions = {
      topic: 't',
      groupId: 'g',
      handler: async (message) => void handled.push(message.value.toString()),
      batchHandler,
      batchLimit: 2,
    };
    const supervised = new SupervisedConsumer(
      () => consumer as unknown as Consumer,
      subscription,
      new MessageProcessor(subscription, async () => undefined),
      { commitEveryMessages: 100, partitionsConsumedConcurrently: 1 },
      () => undefined,
    );
    await supervised.start();
    const messages = [
      record(10),
      record(11, { [REPLAY_GROUPS_HEADER]: 'other' }),
      record(12),
      record(13),
      record(14),
    ];
    await consumer.run_!.eachBatch!({
      batch: { topic: 't', partition: 0, messages },
      resolveOffset: () => undefined,
      heartbeat: async () => undefined,
      isRunning: () => true,
      isStale: () => false,
    } as unknown as EachBatchPayload);
    await supervised.close();
    return consumer;
  }

  it('hands it at most batchLimit messages, commits each call, and leaves out replays for other groups', async () => {
    const calls: string[][] = [];
    const handled: string[] = [];
    const consumer = await consume(async (messages) => {
      calls.push(messages.map((m) => m.value.toString()));
    }, handled);
    expect(calls).toEqual([['m10'], ['m12', 'm13']]);
    // the last chunk, a single message, goes through the handler with its retries
    expect(handled).toEqual(['m14']);
    expect(consumer.commits).toEqual(['12', '14', '15']);
  });

  it('takes a chunk whose call failed one message at a time, then goes on by chunks', async () => {
    const calls: string[][] = [];
    const handled: string[] = [];
    const consumer = await consume(async (messages) => {
      calls.push(messages.map((m) => m.value.toString()));
      if (messages.some((m) => m.value.toString() === 'm12')) throw new Error('refused');
    }, handled);
    expect(calls).toEqual([['m10'], ['m12', 'm13']]);
    expect(handled).toEqual(['m12', 'm13', 'm14']);
    expect(consumer.commits).toEqual(['12', '14', '15']);
  });
});

import { EventEmitter } from 'node:events';
import { Consumer, KafkaJSNonRetriableError } from 'kafkajs';
import { MessageProcessor } from '../message-processor';
import { SubscriptionOptions } from '../message-bus';
import { SupervisedConsumer } from './kafka-message-bus';

const EVENTS = { GROUP_JOIN: 'consumer.group_join', CRASH: 'consumer.crash' } as const;

/** Just enough of a kafkajs consumer to drive the supervisor: events and a lifecycle. */
class FakeConsumer extends EventEmitter {
  readonly events = EVENTS;
  disconnected = 0;
  constructor(private readonly failConnect: boolean) {
    super();
  }
  async connect(): Promise<void> {
    if (this.failConnect) throw new Error('connect ECONNREFUSED');
  }
  async subscribe(): Promise<void> {}
  async run(): Promise<void> {
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

import { Logger } from '@nestjs/common';
import {
  Admin,
  Consumer,
  EachBatchPayload,
  IHeaders,
  Kafka,
  KafkaMessage,
  KafkaConfig,
  logLevel,
  Producer,
} from 'kafkajs';
import { ConsumerGroupStatus, ConsumerStatusTracker } from '../consumer-status';
import { MessageProcessor, replayedForOthers } from '../message-processor';
import {
  InboundMessage,
  MessageBus,
  MessageHeaders,
  OutboundMessage,
  Subscription,
  SubscriptionOptions,
} from '../message-bus';
import { TopicSpec } from '../topics';

export interface KafkaBusOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly defaultPartitions: number;
  readonly replicationFactor: number;
  /** Partitions a consumer handles at once; order is kept within each partition. */
  readonly partitionsConsumedConcurrently?: number;
  /** Commit at least every this many handled messages inside a long batch. */
  readonly commitEveryMessages?: number;
  /** A fetch waits for this many bytes or for fetchMaxWaitMs, whichever comes first
   * (kafkajs's defaults, 1 byte and 5 s, answer every fetch as soon as one message exists). */
  readonly fetchMinBytes?: number;
  readonly fetchMaxWaitMs?: number;
  /** How long the broker waits for a silent member before it rebalances without it (and how
   * long a restarted consumer may wait for a dead predecessor's partitions). Default 30 s. */
  readonly sessionTimeoutMs?: number;
  /** How often each group's lag is measured (two admin requests per group); 0: never. */
  readonly lagIntervalMs?: number;
  /** The supervisor's back-off between restarts of a crashed consumer. */
  readonly restartBackoff?: RestartBackoff;
  /** Prepended to every group id (KAFKA_GROUP_PREFIX). */
  readonly groupPrefix?: string;
}

export class KafkaMessageBus implements MessageBus {
  readonly transport = 'kafka' as const;
  private readonly logger = new Logger(KafkaMessageBus.name);
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private readonly admin: Admin;
  private producerConnection?: Promise<void>;
  private adminConnection?: Promise<void>;
  private readonly subscriptions = new Set<SupervisedConsumer>();
  private lagTimer?: NodeJS.Timeout;
  private measuringLag?: Promise<void>;

  constructor(private readonly options: KafkaBusOptions) {
    const config: KafkaConfig = {
      clientId: options.clientId,
      brokers: [...options.brokers],
      logLevel: logLevel.WARN,
      logCreator: () => (entry) => {
        const { message, ...rest } = entry.log;
        const line = { namespace: entry.namespace, ...rest };
        // kafkajs logs retriable coordinator and leadership changes as errors; only a crash is one
        if (entry.level <= logLevel.ERROR && /crash/i.test(message))
          this.logger.error(line, message);
        else this.logger.warn(line, message);
      },
      retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 10_000 },
    };
    this.kafka = new Kafka(config);
    // idempotent producer with acks=-1: a retried send never duplicates or reorders a partition
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    this.admin = this.kafka.admin();
  }

  async ensureTopics(specs: readonly TopicSpec[]): Promise<void> {
    await this.connectAdmin();
    const existing = new Set(await this.admin.listTopics());
    const missing = specs.filter((spec) => !existing.has(spec.name));
    if (missing.length === 0) return;
    await this.admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((spec) => ({
        topic: spec.name,
        numPartitions: spec.partitions ?? this.options.defaultPartitions,
        replicationFactor: this.options.replicationFactor,
        configEntries: Object.entries(spec.config).map(([name, value]) => ({ name, value })),
      })),
    });
    this.logger.log({ topics: missing.map((s) => s.name) }, 'topics created');
  }

  async publish(topic: string, messages: readonly OutboundMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.connectProducer();
    await this.producer.send({
      topic,
      acks: -1,
      messages: messages.map((m) => ({
        key: m.key,
        value: Buffer.from(m.value.buffer, m.value.byteOffset, m.value.byteLength),
        headers: m.headers ? { ...m.headers } : undefined,
      })),
    });
  }

  groupId(group: string): string {
    return `${this.options.groupPrefix ?? ''}${group}`;
  }

  async subscribe(named: SubscriptionOptions): Promise<Subscription> {
    const options = { ...named, groupId: this.groupId(named.groupId) };
    if (options.newGroupStartsAt === 'latest') await this.pinNewGroupToEnd(options);
    const sessionTimeout = this.options.sessionTimeoutMs ?? 30_000;
    const subscription = new SupervisedConsumer(
      () =>
        this.kafka.consumer({
          groupId: options.groupId,
          sessionTimeout,
          heartbeatInterval: Math.max(500, Math.floor(sessionTimeout / 10)),
          rebalanceTimeout: 60_000,
          allowAutoTopicCreation: false,
          maxBytesPerPartition: 8 * 1024 * 1024,
          minBytes: this.options.fetchMinBytes,
          maxWaitTimeInMs: this.options.fetchMaxWaitMs,
        }),
      options,
      new MessageProcessor(options, (topic, messages) => this.publish(topic, messages)),
      {
        commitEveryMessages: this.options.commitEveryMessages ?? 500,
        partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 3,
        restartBackoff: this.options.restartBackoff,
        afterClose: options.ephemeral ? () => this.deleteGroup(options.groupId) : undefined,
      },
      () => this.subscriptions.delete(subscription),
    );
    this.subscriptions.add(subscription);
    try {
      await subscription.start();
    } catch (error) {
      await subscription.abort().catch(() => undefined);
      throw error;
    }
    this.scheduleLag();
    return subscription;
  }

  consumerGroups(): readonly ConsumerGroupStatus[] {
    return [...this.subscriptions].map((s) => s.tracker.status());
  }

  /** Measures every group's lag now (the periodic measurement calls this too). */
  measureLag(): Promise<void> {
    this.measuringLag ??= this.measureAllLag().finally(() => (this.measuringLag = undefined));
    return this.measuringLag;
  }

  async checkHealth(): Promise<void> {
    await this.connectAdmin();
    const cluster = await this.admin.describeCluster();
    if (cluster.brokers.length === 0) throw new Error('no Kafka broker in the cluster metadata');
  }

  async close(): Promise<void> {
    clearTimeout(this.lagTimer);
    this.lagTimer = undefined;
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    await this.measuringLag?.catch(() => undefined);
    if (this.producerConnection) await this.producer.disconnect();
    if (this.adminConnection) await this.admin.disconnect();
    this.producerConnection = undefined;
    this.adminConnection = undefined;
  }

  private scheduleLag(): void {
    const interval = this.options.lagIntervalMs ?? 15_000;
    if (interval <= 0 || this.lagTimer) return;
    this.lagTimer = setTimeout(() => {
      void this.measureLag().finally(() => {
        this.lagTimer = undefined;
        if (this.subscriptions.size > 0) this.scheduleLag();
      });
    }, interval);
    this.lagTimer.unref();
  }

  private async measureAllLag(): Promise<void> {
    type Range = { low: bigint; high: bigint };
    const ends = new Map<string, Promise<Map<number, Range>>>();
    const endsOf = (topic: string): Promise<Map<number, Range>> => {
      let found = ends.get(topic);
      if (!found) {
        found = this.admin
          .fetchTopicOffsets(topic)
          .then(
            (offsets) =>
              new Map(
                offsets.map((o) => [o.partition, { low: BigInt(o.low), high: BigInt(o.high) }]),
              ),
          );
        ends.set(topic, found);
      }
      return found;
    };
    try {
      await this.connectAdmin();
      for (const subscription of this.subscriptions) {
        const { groupId, topic } = subscription;
        const [committed] = await this.admin.fetchOffsets({ groupId, topics: [topic] });
        const ranges = await endsOf(topic);
        let lag = 0n;
        for (const { partition, offset } of committed?.partitions ?? []) {
          const range = ranges.get(partition);
          if (!range) continue;
          // no commit yet (-1) or one older than retention: reading starts at the log's start
          const position =
            offset === '-1' || BigInt(offset) < range.low ? range.low : BigInt(offset);
          if (range.high > position) lag += range.high - position;
        }
        subscription.tracker.setLag(Number(lag));
      }
    } catch (error) {
      // the broker is away: the groups' states say so; the last lag stays
      this.logger.debug({ err: String(error) }, 'consumer lag not measured');
    }
  }

  /** A per-instance group is of no use once its instance has left it. */
  private async deleteGroup(groupId: string): Promise<void> {
    try {
      await this.connectAdmin();
      await this.admin.deleteGroups([groupId]);
      this.logger.log({ groupId }, 'per-instance consumer group deleted');
    } catch (error) {
      this.logger.warn({ groupId, err: String(error) }, 'per-instance consumer group not deleted');
    }
  }

  /** kafkajs resolves `fromBeginning: false` only at the group's first fetch, after the join;
   * committing the ends now makes "everything produced after subscribe" exact. */
  private async pinNewGroupToEnd({ groupId, topic }: SubscriptionOptions): Promise<void> {
    await this.connectAdmin();
    // kafkajs's admin does not retry these while a fresh broker elects the group coordinator
    for (let attempt = 1; ; attempt++) {
      try {
        const [committed] = await this.admin.fetchOffsets({ groupId, topics: [topic] });
        if (committed?.partitions.some((p) => p.offset !== '-1')) return;
        const ends = await this.admin.fetchTopicOffsets(topic);
        await this.admin.setOffsets({
          groupId,
          topic,
          partitions: ends.map((end) => ({ partition: end.partition, offset: end.high })),
        });
        return;
      } catch (error) {
        // another replica of the same group pinned it and joined between our read and our
        // write (replicas starting together): the group is already at the ends, or later
        if (/must have no running instances/.test(String(error))) return;
        const retriable = (error as { retriable?: unknown }).retriable === true;
        if (!retriable || attempt >= 30) throw error;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  private connectProducer(): Promise<void> {
    this.producerConnection ??= this.producer.connect().catch((error: unknown) => {
      this.producerConnection = undefined;
      throw error;
    });
    return this.producerConnection;
  }

  private connectAdmin(): Promise<void> {
    this.adminConnection ??= this.admin.connect().catch((error: unknown) => {
      this.adminConnection = undefined;
      throw error;
    });
    return this.adminConnection;
  }
}

export interface RestartBackoff {
  readonly initialMs: number;
  readonly maxMs: number;
}

const DEFAULT_RESTART_BACKOFF: RestartBackoff = { initialMs: 500, maxMs: 30_000 };

/** A kafkajs consumer under supervision. kafkajs restarts a consumer by itself only after a
 * retriable error; after a non-retriable one (e.g. "Failed to find group coordinator" when it
 * restarts while the broker is still down) it disconnects for good. The supervisor then
 * creates a new consumer and runs it again, with exponential back-off, until it is closed. */
export class SupervisedConsumer implements Subscription {
  private readonly abortController = new AbortController();
  private readonly stopController = new AbortController();
  private readonly logger: Logger;
  readonly tracker: ConsumerStatusTracker;
  private consumer?: Consumer;
  private restartTimer?: NodeJS.Timeout;
  /** Supervisor restarts since the consumer last joined its group (drives the back-off). */
  private failures = 0;
  private closing?: Promise<void>;

  constructor(
    private readonly createConsumer: () => Consumer,
    private readonly options: SubscriptionOptions,
    private readonly processor: MessageProcessor,
    private readonly settings: {
      readonly commitEveryMessages: number;
      readonly partitionsConsumedConcurrently: number;
      readonly restartBackoff?: RestartBackoff;
      /** Runs after the consumer has left its group at a graceful close. */
      readonly afterClose?: () => Promise<void>;
    },
    private readonly onClosed: () => void,
  ) {
    this.logger = new Logger(`Consumer:${options.groupId}`);
    this.tracker = new ConsumerStatusTracker(options.groupId, options.topic);
  }

  get topic(): string {
    return this.options.topic;
  }

  get groupId(): string {
    return this.options.groupId;
  }

  /** The first start fails the caller (the app does not start without its consumers). */
  async start(): Promise<void> {
    await this.launch();
  }

  close(): Promise<void> {
    this.stopController.abort();
    clearTimeout(this.restartTimer);
    this.closing ??= (async () => {
      try {
        await this.consumer?.disconnect();
        if (!this.abortController.signal.aborted) await this.settings.afterClose?.();
      } finally {
        this.tracker.remove();
        this.onClosed();
      }
    })();
    return this.closing;
  }

  abort(): Promise<void> {
    this.abortController.abort();
    return this.close();
  }

  private async launch(): Promise<void> {
    const consumer = this.createConsumer();
    this.consumer = consumer;
    const current = (): boolean => this.consumer === consumer && !this.closing;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      if (!current()) return;
      this.failures = 0;
      this.tracker.set('running');
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!current()) return;
      if (payload.restart) {
        // kafkajs starts it again itself
        this.tracker.set('restarting', payload.error);
        this.tracker.restarted();
        return;
      }
      this.logger.error(
        { err: payload.error.message, name: payload.error.name },
        'consumer crashed with a non-retriable error; the supervisor restarts it',
      );
      this.tracker.set('crashed', payload.error);
      this.scheduleRestart();
    });
    await consumer.connect();
    // a new group starts from the earliest offset so nothing produced before it is missed
    await consumer.subscribe({ topics: [this.options.topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.settings.partitionsConsumedConcurrently,
      eachBatch: (payload) => this.handleBatch(consumer, payload),
    });
  }

  private scheduleRestart(): void {
    if (this.closing || this.restartTimer) return;
    const { initialMs, maxMs } = this.settings.restartBackoff ?? DEFAULT_RESTART_BACKOFF;
    const delay = Math.min(maxMs, initialMs * 2 ** this.failures);
    this.failures += 1;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      void this.restart();
    }, delay);
    this.restartTimer.unref();
  }

  private async restart(): Promise<void> {
    if (this.closing) return;
    this.tracker.set('restarting');
    this.tracker.restarted();
    const previous = this.consumer;
    try {
      // kafkajs has disconnected it already after a non-retriable crash; this is idempotent
      await previous?.disconnect().catch(() => undefined);
      if (this.closing) return;
      await this.launch();
    } catch (error) {
      if (this.closing) return;
      this.logger.warn({ err: String(error) }, 'consumer restart failed, retrying');
      this.tracker.set('crashed', error);
      // the failed consumer may hold a connection: drop it before the next attempt
      await this.consumer?.disconnect().catch(() => undefined);
      this.scheduleRestart();
    }
  }

  /** A fetched batch of one partition, in order: through the batch handler, if there is one,
   * `batchLimit` messages at a time (each chunk committed once its effects are durable), and
   * through the handler one by one otherwise, or for a chunk the batch handler failed. */
  private async handleBatch(consumer: Consumer, payload: EachBatchPayload): Promise<void> {
    const { batch, isRunning, isStale } = payload;
    const { batchHandler, batchLimit } = this.options;
    const signal = this.abortController.signal;
    const messages = batch.messages;
    const chunkSize = batchHandler ? Math.max(1, batchLimit ?? messages.length) : messages.length;
    for (let at = 0; at < messages.length; at += chunkSize) {
      if (!isRunning() || isStale() || signal.aborted) return;
      const chunk = messages.slice(at, at + chunkSize);
      if (batchHandler && chunk.length > 1) {
        const outcome = await this.handleChunk(consumer, payload, chunk, batchHandler);
        if (outcome === 'stopped') return;
        if (outcome === 'done') continue;
      }
      if (!(await this.handleOneByOne(consumer, payload, chunk))) return;
    }
  }

  /** 'failed': its effects are idempotent, so the same messages go again one by one, which
   * isolates a bad one. */
  private async handleChunk(
    consumer: Consumer,
    { batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload,
    chunk: readonly KafkaMessage[],
    batchHandler: NonNullable<SubscriptionOptions['batchHandler']>,
  ): Promise<'done' | 'failed' | 'stopped'> {
    const signal = this.abortController.signal;
    const last = chunk[chunk.length - 1]!.offset;
    const taken: InboundMessage[] = [];
    for (const raw of chunk) {
      const message = inbound(batch, raw);
      if (!replayedForOthers(message, this.options.groupId)) taken.push(message);
    }
    try {
      if (taken.length > 0) await batchHandler(taken);
    } catch (error) {
      if (signal.aborted) return 'stopped';
      this.logger.warn({ err: String(error) }, 'batch handler failed; one message at a time');
      return 'failed';
    }
    if (signal.aborted || !isRunning() || isStale()) return 'stopped';
    this.processor.countBatch(taken.length, chunk.length - taken.length);
    resolveOffset(last);
    await commit(consumer, batch.topic, batch.partition, last);
    await heartbeat();
    return 'done';
  }

  /** False if the consumer stopped or crashed on the way. */
  private async handleOneByOne(
    consumer: Consumer,
    { batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload,
    messages: readonly KafkaMessage[],
  ): Promise<boolean> {
    const signal = this.abortController.signal;
    let uncommitted: string | undefined;
    let sinceCommit = 0;
    let running = true;
    for (const raw of messages) {
      if (!isRunning() || isStale() || signal.aborted) {
        running = false;
        break;
      }
      const message = inbound(batch, raw);
      const outcome = await this.processor.process(message, {
        crash: signal,
        stop: this.stopController.signal,
      });
      if (outcome === 'aborted') return false;
      resolveOffset(raw.offset);
      uncommitted = raw.offset;
      if (++sinceCommit >= this.settings.commitEveryMessages) {
        await commit(consumer, batch.topic, batch.partition, uncommitted);
        uncommitted = undefined;
        sinceCommit = 0;
      }
      await heartbeat();
    }
    if (uncommitted !== undefined && !signal.aborted) {
      await commit(consumer, batch.topic, batch.partition, uncommitted);
    }
    return running && !signal.aborted;
  }
}

function inbound(batch: EachBatchPayload['batch'], raw: KafkaMessage): InboundMessage {
  return {
    topic: batch.topic,
    partition: batch.partition,
    offset: raw.offset,
    key: raw.key ? raw.key.toString('utf8') : null,
    value: raw.value ?? Buffer.alloc(0),
    headers: decodeHeaders(raw.headers),
    timestamp: Number(raw.timestamp),
  };
}

async function commit(
  consumer: Consumer,
  topic: string,
  partition: number,
  offset: string,
): Promise<void> {
  // Kafka's committed offset is the next one to read
  const next = (BigInt(offset) + 1n).toString();
  await consumer.commitOffsets([{ topic, partition, offset: next }]);
}

function decodeHeaders(headers: IHeaders | undefined): MessageHeaders {
  const decoded: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) decoded[name] = first.toString();
  }
  return decoded;
}

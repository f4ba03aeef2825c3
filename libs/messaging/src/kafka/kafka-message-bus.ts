import { Logger } from '@nestjs/common';
import {
  Admin,
  Consumer,
  EachBatchPayload,
  IHeaders,
  Kafka,
  KafkaConfig,
  logLevel,
  Producer,
} from 'kafkajs';
import { MessageProcessor } from '../message-processor';
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
}

export class KafkaMessageBus implements MessageBus {
  readonly transport = 'kafka' as const;
  private readonly logger = new Logger(KafkaMessageBus.name);
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private readonly admin: Admin;
  private producerConnection?: Promise<void>;
  private adminConnection?: Promise<void>;
  private readonly subscriptions = new Set<KafkaSubscription>();

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

  async subscribe(options: SubscriptionOptions): Promise<Subscription> {
    if (options.newGroupStartsAt === 'latest') await this.pinNewGroupToEnd(options);
    const consumer = this.kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
      rebalanceTimeout: 60_000,
      allowAutoTopicCreation: false,
      maxBytesPerPartition: 8 * 1024 * 1024,
      minBytes: this.options.fetchMinBytes,
      maxWaitTimeInMs: this.options.fetchMaxWaitMs,
    });
    const subscription = new KafkaSubscription(
      consumer,
      options,
      new MessageProcessor(options, (topic, messages) => this.publish(topic, messages)),
      this.options.commitEveryMessages ?? 500,
      () => this.subscriptions.delete(subscription),
    );
    this.subscriptions.add(subscription);
    await subscription.start(this.options.partitionsConsumedConcurrently ?? 3);
    return subscription;
  }

  async checkHealth(): Promise<void> {
    await this.connectAdmin();
    const cluster = await this.admin.describeCluster();
    if (cluster.brokers.length === 0) throw new Error('no Kafka broker in the cluster metadata');
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    if (this.producerConnection) await this.producer.disconnect();
    if (this.adminConnection) await this.admin.disconnect();
    this.producerConnection = undefined;
    this.adminConnection = undefined;
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

class KafkaSubscription implements Subscription {
  private readonly abortController = new AbortController();
  private readonly stopController = new AbortController();
  private closing?: Promise<void>;

  constructor(
    private readonly consumer: Consumer,
    private readonly options: SubscriptionOptions,
    private readonly processor: MessageProcessor,
    private readonly commitEveryMessages: number,
    private readonly onClosed: () => void,
  ) {}

  get topic(): string {
    return this.options.topic;
  }

  get groupId(): string {
    return this.options.groupId;
  }

  async start(partitionsConsumedConcurrently: number): Promise<void> {
    await this.consumer.connect();
    // a new group starts from the earliest offset so nothing produced before it is missed
    await this.consumer.subscribe({ topics: [this.options.topic], fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently,
      eachBatch: (payload) => this.handleBatch(payload),
    });
  }

  close(): Promise<void> {
    this.stopController.abort();
    this.closing ??= this.consumer.disconnect().finally(this.onClosed);
    return this.closing;
  }

  abort(): Promise<void> {
    this.abortController.abort();
    return this.close();
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    const signal = this.abortController.signal;
    let uncommitted: string | undefined;
    let sinceCommit = 0;
    for (const raw of batch.messages) {
      if (!isRunning() || isStale() || signal.aborted) break;
      const message: InboundMessage = {
        topic: batch.topic,
        partition: batch.partition,
        offset: raw.offset,
        key: raw.key ? raw.key.toString('utf8') : null,
        value: raw.value ?? Buffer.alloc(0),
        headers: decodeHeaders(raw.headers),
        timestamp: Number(raw.timestamp),
      };
      const outcome = await this.processor.process(message, {
        crash: signal,
        stop: this.stopController.signal,
      });
      if (outcome === 'aborted') return;
      resolveOffset(raw.offset);
      uncommitted = raw.offset;
      if (++sinceCommit >= this.commitEveryMessages) {
        await this.commit(batch.topic, batch.partition, uncommitted);
        uncommitted = undefined;
        sinceCommit = 0;
      }
      await heartbeat();
    }
    if (uncommitted !== undefined && !signal.aborted) {
      await this.commit(batch.topic, batch.partition, uncommitted);
    }
  }

  private async commit(topic: string, partition: number, offset: string): Promise<void> {
    // Kafka's committed offset is the next one to read
    const next = (BigInt(offset) + 1n).toString();
    await this.consumer.commitOffsets([{ topic, partition, offset: next }]);
  }
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

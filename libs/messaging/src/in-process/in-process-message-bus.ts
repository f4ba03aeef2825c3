import { Logger } from '@nestjs/common';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConsumerGroupStatus, ConsumerStatusTracker } from '../consumer-status';
import { MessageProcessor } from '../message-processor';
import { MessageBus, OutboundMessage, Subscription, SubscriptionOptions } from '../message-bus';
import { TopicSpec } from '../topics';
import { PartitionLog, partitionFile, RetentionPolicy } from './partition-log';

export interface InProcessBusOptions {
  readonly defaultPartitions: number;
  /** Where topic logs and committed offsets are kept; in memory only when absent. */
  readonly dataDir?: string;
  /** Bytes kept per partition of a topic with the delete policy (default 64 MiB): a
   * standalone demo replaying camera frames would otherwise grow without end. */
  readonly partitionMaxBytes?: number;
  /** Prepended to every group id (KAFKA_GROUP_PREFIX). */
  readonly groupPrefix?: string;
}

const DEFAULT_PARTITION_MAX_BYTES = 64 * 1024 * 1024;
/** Kafka's default retention.ms, for a topic that sets none. */
const DEFAULT_RETENTION_MS = 7 * 24 * 3600 * 1000;

/** Kafka's semantics inside one process, for the standalone mode and tests: keyed
 * partitions with order per key, consumer groups that share partitions, at-least-once
 * delivery with redelivery of whatever was not committed, dead-lettering. */
export class InProcessMessageBus implements MessageBus {
  readonly transport = 'in-process' as const;
  private readonly logger = new Logger(InProcessMessageBus.name);
  private readonly topics = new Map<string, PartitionLog[]>();
  private readonly groups = new Map<string, ConsumerGroup>();

  constructor(private readonly options: InProcessBusOptions) {
    if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  }

  async ensureTopics(specs: readonly TopicSpec[]): Promise<void> {
    for (const spec of specs) this.topic(spec);
  }

  async publish(topic: string, messages: readonly OutboundMessage[]): Promise<void> {
    const partitions = this.requireTopic(topic);
    const byPartition = new Map<number, OutboundMessage[]>();
    for (const message of messages) {
      const partition = partitionFor(message.key, partitions.length);
      byPartition.set(partition, [...(byPartition.get(partition) ?? []), message]);
    }
    const timestamp = Date.now();
    for (const [partition, batch] of byPartition) {
      partitions[partition]!.append(
        batch.map((m) => ({
          key: m.key,
          value: Buffer.from(m.value),
          headers: { ...m.headers },
          timestamp,
        })),
      );
    }
  }

  groupId(group: string): string {
    return `${this.options.groupPrefix ?? ''}${group}`;
  }

  async subscribe(named: SubscriptionOptions): Promise<Subscription> {
    const options = { ...named, groupId: this.groupId(named.groupId) };
    const partitions = this.requireTopic(options.topic);
    const groupKey = `${options.groupId}\u0000${options.topic}`;
    let group = this.groups.get(groupKey);
    if (!group) {
      group = new ConsumerGroup(
        options.topic,
        partitions,
        this.offsetsFile(options),
        options.newGroupStartsAt ?? 'earliest',
      );
      this.groups.set(groupKey, group);
    }
    const processor = new MessageProcessor(options, (topic, messages) =>
      this.publish(topic, messages),
    );
    return group.join(options, processor);
  }

  /** Nothing outside the process can stop an in-process consumer: every open one is running,
   * and its lag is counted from the log. */
  consumerGroups(): readonly ConsumerGroupStatus[] {
    return [...this.groups.values()].flatMap((group) => group.statuses());
  }

  async checkHealth(): Promise<void> {
    // nothing outside the process can fail
  }

  async close(): Promise<void> {
    await Promise.all([...this.groups.values()].map((group) => group.closeAll()));
    this.logger.log('in-process transport closed');
  }

  private topic(spec: TopicSpec): PartitionLog[] {
    let logs = this.topics.get(spec.name);
    if (!logs) {
      const count = spec.partitions ?? this.options.defaultPartitions;
      const dataDir = this.options.dataDir;
      const retention = retentionOf(spec, this.options.partitionMaxBytes);
      logs = Array.from(
        { length: count },
        (_, p) =>
          new PartitionLog(dataDir ? partitionFile(dataDir, spec.name, p) : undefined, retention),
      );
      this.topics.set(spec.name, logs);
    }
    return logs;
  }

  private requireTopic(name: string): PartitionLog[] {
    const logs = this.topics.get(name);
    if (!logs) throw new Error(`unknown topic ${name}: provision it with ensureTopics first`);
    return logs;
  }

  private offsetsFile(options: SubscriptionOptions): string | undefined {
    if (!this.options.dataDir) return undefined;
    const dir = join(this.options.dataDir, '__consumer_offsets');
    mkdirSync(dir, { recursive: true });
    return join(dir, `${encodeURIComponent(options.groupId)}--${options.topic}.json`);
  }
}

/** Compacted topics (the watchlist changes) are small and must keep every key's last value:
 * only topics with the delete policy lose their oldest records. */
function retentionOf(spec: TopicSpec, maxBytes?: number): RetentionPolicy | undefined {
  if ((spec.config['cleanup.policy'] ?? 'delete') !== 'delete') return undefined;
  const configured = Number(spec.config['retention.ms']);
  return {
    maxBytes: maxBytes ?? DEFAULT_PARTITION_MAX_BYTES,
    maxAgeMs: Number.isFinite(configured) && configured > 0 ? configured : DEFAULT_RETENTION_MS,
  };
}

/** The same key always lands on the same partition (FNV-1a; any stable hash keeps order). */
export function partitionFor(key: string, partitionCount: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitionCount;
}

class ConsumerGroup {
  private readonly committed: number[];
  private readonly members: GroupMember[] = [];
  /** A partition is handled by one worker at a time: a new owner waits for the old one. */
  private readonly partitionReleased: Promise<void>[];

  constructor(
    readonly topic: string,
    readonly partitions: readonly PartitionLog[],
    private readonly offsetsFile: string | undefined,
    startsAt: 'earliest' | 'latest',
  ) {
    this.committed = partitions.map((log) =>
      startsAt === 'latest' ? log.endOffset : log.startOffset,
    );
    this.partitionReleased = partitions.map(() => Promise.resolve());
    if (offsetsFile && existsSync(offsetsFile)) {
      const saved = JSON.parse(readFileSync(offsetsFile, 'utf8')) as number[];
      saved.forEach((offset, p) => {
        if (p < this.committed.length) this.committed[p] = offset;
      });
    }
  }

  join(options: SubscriptionOptions, processor: MessageProcessor): Subscription {
    const member = new GroupMember(this, options, processor);
    this.members.push(member);
    this.rebalance();
    return member;
  }

  leave(member: GroupMember): void {
    const index = this.members.indexOf(member);
    if (index >= 0) this.members.splice(index, 1);
    this.rebalance();
  }

  statuses(): ConsumerGroupStatus[] {
    const lag = this.partitions.reduce(
      (sum, log, p) =>
        sum + Math.max(0, log.endOffset - Math.max(log.startOffset, this.committed[p]!)),
      0,
    );
    return this.members.map((member) => {
      member.tracker.setLag(lag);
      return member.tracker.status();
    });
  }

  committedOffset(partition: number): number {
    return this.committed[partition]!;
  }

  commit(partition: number, nextOffset: number): void {
    this.committed[partition] = nextOffset;
    if (this.offsetsFile) {
      const temporary = `${this.offsetsFile}.tmp`;
      writeFileSync(temporary, JSON.stringify(this.committed));
      renameSync(temporary, this.offsetsFile);
    }
  }

  async acquire(partition: number): Promise<() => void> {
    const previous = this.partitionReleased[partition]!;
    let release!: () => void;
    this.partitionReleased[partition] = new Promise((resolve) => (release = resolve));
    await previous;
    return release;
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.members].map((member) => member.close()));
  }

  private rebalance(): void {
    const assignments = this.members.map((): number[] => []);
    this.partitions.forEach((_, p) => {
      if (this.members.length > 0) assignments[p % this.members.length]!.push(p);
    });
    this.members.forEach((member, i) => member.assign(assignments[i]!));
  }
}

class GroupMember implements Subscription {
  private readonly logger = new Logger(InProcessMessageBus.name);
  private readonly crash = new AbortController();
  private readonly workers = new Map<number, { stop: AbortController; done: Promise<void> }>();
  private closed = false;
  readonly tracker: ConsumerStatusTracker;

  constructor(
    private readonly group: ConsumerGroup,
    private readonly options: SubscriptionOptions,
    private readonly processor: MessageProcessor,
  ) {
    this.tracker = new ConsumerStatusTracker(options.groupId, options.topic);
    this.tracker.set('running');
  }

  get topic(): string {
    return this.options.topic;
  }

  get groupId(): string {
    return this.options.groupId;
  }

  assign(partitions: readonly number[]): void {
    for (const [partition, worker] of this.workers) {
      if (!partitions.includes(partition)) {
        worker.stop.abort();
        this.workers.delete(partition);
      }
    }
    for (const partition of partitions) {
      if (this.workers.has(partition) || this.closed) continue;
      const stop = new AbortController();
      this.workers.set(partition, { stop, done: this.consume(partition, stop.signal) });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const running = [...this.workers.values()];
    for (const worker of running) worker.stop.abort();
    this.workers.clear();
    await Promise.all(running.map((w) => w.done));
    this.group.leave(this);
    this.tracker.remove();
  }

  async abort(): Promise<void> {
    this.crash.abort();
    await this.close();
  }

  private async consume(partition: number, stop: AbortSignal): Promise<void> {
    const release = await this.group.acquire(partition);
    try {
      const log = this.group.partitions[partition]!;
      let position = this.group.committedOffset(partition);
      while (!stop.aborted && !this.crash.signal.aborted) {
        if (position < log.startOffset) {
          // like Kafka's offset reset: what retention removed before this group read it is gone
          this.logger.warn(
            { topic: this.group.topic, partition, skipped: log.startOffset - position },
            'records removed by retention before this group consumed them',
          );
          position = log.startOffset;
        }
        const record = log.at(position);
        if (!record) {
          await log.waitFor(position, stop);
          continue;
        }
        const outcome = await this.processor.process(
          {
            topic: this.group.topic,
            partition,
            offset: String(position),
            key: record.key,
            value: record.value,
            headers: record.headers,
            timestamp: record.timestamp,
          },
          { crash: this.crash.signal, stop },
        );
        if (outcome === 'aborted') break;
        position += 1;
        this.group.commit(partition, position);
      }
    } finally {
      release();
    }
  }
}

import { ConsumerGroupStatus } from './consumer-status';
import { TopicSpec } from './topics';

export type MessageHeaders = Readonly<Record<string, string>>;

export interface OutboundMessage {
  readonly key: string;
  readonly value: Uint8Array;
  readonly headers?: MessageHeaders;
}

export interface InboundMessage {
  readonly topic: string;
  readonly partition: number;
  /** Kafka offsets are 64-bit; kept as a decimal string like kafkajs does. */
  readonly offset: string;
  readonly key: string | null;
  readonly value: Buffer;
  readonly headers: MessageHeaders;
  readonly timestamp: number;
}

/** What a handler's outcome means to the bus:
 * - resolves: the effect is durable, the offset may be committed;
 * - throws RejectedMessageError: the message can never succeed, it goes to the dead-letter
 *   topic with the reason and is then committed;
 * - throws anything else: transient, retried with back-off, never skipped. */
export type MessageHandler = (message: InboundMessage) => Promise<void>;

export interface SubscriptionOptions {
  readonly topic: string;
  /** The group's name: the bus prepends its group prefix (KAFKA_GROUP_PREFIX), so every
   * subscriber gets it, whether by @ConsumeTopic or by subscribe(). */
  readonly groupId: string;
  readonly handler: MessageHandler;
  /** Optional: consecutive messages of one partition at once (Kafka only), for handlers that
   * write in bulk. Its effects must be idempotent: if it throws, the same messages go through
   * `handler` one by one, with its retries and dead-lettering. */
  readonly batchHandler?: (messages: readonly InboundMessage[]) => Promise<void>;
  /** The most messages per batchHandler call (default: the whole fetched batch); each call's
   * messages are committed once it resolves, so this bounds the work redone after a crash and
   * the time between heartbeats. Records replayed from the dead-letter topic for other groups
   * only are left out of the call, as `handler` skips them. */
  readonly batchLimit?: number;
  /** After this many failed attempts a message is dead-lettered instead of retried
   * (default: retried until it succeeds, so an outage never loses data). */
  readonly maxAttempts?: number;
  /** Where a group with no committed offsets begins: 'earliest' (the default), so nothing
   * produced before it first subscribed is missed; or 'latest', pinned to the partitions'
   * ends when it subscribes, so it sees exactly what is produced afterwards. */
  readonly newGroupStartsAt?: 'earliest' | 'latest';
  /** The group belongs to this process alone (every instance reads every record): it is
   * deleted from the broker when the subscription closes gracefully, so per-instance groups
   * do not pile up. */
  readonly ephemeral?: boolean;
}

export interface Subscription {
  readonly topic: string;
  /** The group's id on the broker, the prefix included. */
  readonly groupId: string;
  /** Finishes the message in flight, commits, and leaves the group. */
  close(): Promise<void>;
  /** Leaves at once like a crashed process: nothing in flight is committed. */
  abort(): Promise<void>;
}

export interface MessageBus {
  readonly transport: 'kafka' | 'in-process';
  ensureTopics(specs: readonly TopicSpec[]): Promise<void>;
  publish(topic: string, messages: readonly OutboundMessage[]): Promise<void>;
  subscribe(options: SubscriptionOptions): Promise<Subscription>;
  /** The id a group named `group` has on this bus: the group prefix applied (for naming
   * groups elsewhere, as dead letters do). */
  groupId(group: string): string;
  /** The state of every open subscription's consumer, for readiness and metrics. */
  consumerGroups(): readonly ConsumerGroupStatus[];
  /** Resolves when the transport can publish and consume; rejects with the reason otherwise. */
  checkHealth(): Promise<void>;
  /** Closes every subscription gracefully, then the producer. */
  close(): Promise<void>;
}

export const MESSAGE_BUS = Symbol('MESSAGE_BUS');

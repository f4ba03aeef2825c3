import { randomUUID } from 'node:crypto';
import {
  InboundMessage,
  InProcessMessageBus,
  KafkaMessageBus,
  MessageBus,
  TOPIC_SPECS,
} from '@kuzet/messaging';
import { waitUntil } from './wait';

export interface TransportUnderTest {
  readonly name: 'kafka' | 'in-process';
  create(): MessageBus;
}

export function kafkaBrokers(): string[] {
  const brokers = process.env.KAFKA_BROKERS;
  if (!brokers) throw new Error('KAFKA_BROKERS is not set: the jest global set-up starts a broker');
  return brokers.split(',');
}

export const TRANSPORTS: readonly TransportUnderTest[] = [
  {
    name: 'kafka',
    create: () =>
      new KafkaMessageBus({
        brokers: kafkaBrokers(),
        clientId: 'kuzet-test',
        defaultPartitions: 3,
        replicationFactor: 1,
      }),
  },
  { name: 'in-process', create: () => new InProcessMessageBus({ defaultPartitions: 3 }) },
];

export function uniqueName(prefix: string): string {
  return `${prefix}.${randomUUID().slice(0, 8)}`;
}

/**
 * The consumer groups of one test file's apps: their own names, beginning at the ends of the
 * shared topics. Without this, every suite's matcher is the same `kuzet-matcher` group: it
 * inherits the previous suite's unprocessed events, and a member another suite SIGKILLed
 * holds up the next rebalance for a whole session timeout. jest loads this module once per
 * test file, so the prefix is one per file and survives an app's restart within the file.
 */
export const SUITE_GROUP_PREFIX = `${uniqueName('test')}.`;

export const SUITE_GROUPS = {
  KAFKA_GROUP_PREFIX: SUITE_GROUP_PREFIX,
  KAFKA_NEW_GROUP_START: 'latest',
} as const;

/** The id the group an app names `group` has in this test file. */
export function suiteGroup(group: string): string {
  return `${SUITE_GROUP_PREFIX}${group}`;
}

export async function provision(bus: MessageBus, ...topics: string[]): Promise<void> {
  await bus.ensureTopics([...TOPIC_SPECS, ...topics.map((name) => ({ name, config: {} }))]);
}

/** Polls until the predicate holds (see ./wait.ts, the one waiting helper). */
export async function eventually(
  predicate: () => boolean | Promise<boolean>,
  description: string,
  timeoutMs = 30_000,
): Promise<void> {
  await waitUntil(description, predicate, { timeoutMs, intervalMs: 50 });
}

export function text(message: InboundMessage): string {
  return message.value.toString('utf8');
}

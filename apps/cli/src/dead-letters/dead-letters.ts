import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { DEAD_LETTER_HEADERS, REPLAY_GROUPS_HEADER, TOPICS } from '@kuzet/messaging';

/** A record of kuzet.dead-letter.v1, as the replay tool shows and replays it. */
export interface DeadLetter {
  readonly partition: number;
  readonly offset: string;
  readonly key: string;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, string>>;
  readonly reason: string;
  /** Every consumer group that refused the original record: the groups a replay is for. */
  readonly groups: readonly string[];
  readonly sourceTopic: string;
}

export interface DeadLetterFilter {
  readonly reason?: string;
  readonly key?: string;
  /** `partition:offset` of dead letters */
  readonly offsets?: readonly string[];
}

export function kafkaClient(brokers: readonly string[]): Kafka {
  return new Kafka({ clientId: 'kuzet-cli', brokers: [...brokers], logLevel: logLevel.NOTHING });
}

/** Every dead letter on the topic now (read from the beginning up to the current ends, in a
 * throwaway consumer group that is deleted afterwards), filtered. */
export async function readDeadLetters(
  kafka: Kafka,
  filter: DeadLetterFilter = {},
): Promise<DeadLetter[]> {
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `kuzet-cli-dead-letters.${randomUUID()}`;
  try {
    const ends = new Map(
      (await admin.fetchTopicOffsets(TOPICS.deadLetter)).map((p) => [p.partition, BigInt(p.high)]),
    );
    const pending = new Set([...ends].filter(([, high]) => high > 0n).map(([p]) => p));
    const letters: DeadLetter[] = [];
    if (pending.size > 0) {
      const consumer = kafka.consumer({ groupId });
      await consumer.connect();
      await consumer.subscribe({ topic: TOPICS.deadLetter, fromBeginning: true });
      await new Promise<void>((done, fail) => {
        consumer
          .run({
            autoCommit: false,
            eachMessage: async ({ partition, message }) => {
              if (BigInt(message.offset) < ends.get(partition)!) {
                letters.push(toDeadLetter(partition, message));
              }
              if (BigInt(message.offset) + 1n >= ends.get(partition)!) pending.delete(partition);
              if (pending.size === 0) done();
            },
          })
          .catch(fail);
      });
      await consumer.disconnect();
      await admin.deleteGroups([groupId]).catch(() => undefined);
    }
    return letters
      .filter((l) => matches(l, filter))
      .sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
  } finally {
    await admin.disconnect();
  }
}

/** Puts each dead letter back on its source topic as it was (key, value, the original's
 * headers and timestamp), marked for the groups that refused it: the groups that took it the
 * first time skip it, so a replay is handled once by each group that needs it. */
export async function replayDeadLetters(
  kafka: Kafka,
  letters: readonly DeadLetter[],
): Promise<number> {
  if (letters.length === 0) return 0;
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (const letter of letters) {
      const headers = Object.fromEntries(
        Object.entries(letter.headers).filter(([name]) => !name.startsWith('kuzet-dlq-')),
      );
      const timestamp = letter.headers[DEAD_LETTER_HEADERS.sourceTimestamp];
      await producer.send({
        topic: letter.sourceTopic,
        acks: -1,
        messages: [
          {
            key: letter.key,
            value: letter.value,
            headers: { ...headers, [REPLAY_GROUPS_HEADER]: letter.groups.join(',') },
            ...(timestamp && { timestamp }),
          },
        ],
      });
    }
  } finally {
    await producer.disconnect();
  }
  return letters.length;
}

function toDeadLetter(
  partition: number,
  message: {
    offset: string;
    key: Buffer | null;
    value: Buffer | null;
    headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
  },
): DeadLetter {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (value !== undefined) headers[name] = (Array.isArray(value) ? value[0]! : value).toString();
  }
  const consumerGroup = headers[DEAD_LETTER_HEADERS.consumerGroup] ?? '';
  const refusedBy = headers[DEAD_LETTER_HEADERS.refusedBy];
  return {
    partition,
    offset: message.offset,
    key: message.key?.toString('utf8') ?? '',
    value: message.value ?? Buffer.alloc(0),
    headers,
    reason: headers[DEAD_LETTER_HEADERS.reason] ?? '',
    // dead letters written before the header named only the group that wrote them
    groups: (refusedBy || consumerGroup).split(',').filter(Boolean),
    sourceTopic: headers[DEAD_LETTER_HEADERS.sourceTopic] ?? TOPICS.cameraEvents,
  };
}

function matches(letter: DeadLetter, filter: DeadLetterFilter): boolean {
  return (
    (filter.reason === undefined || letter.reason === filter.reason) &&
    (filter.key === undefined || letter.key === filter.key) &&
    (filter.offsets === undefined ||
      filter.offsets.length === 0 ||
      filter.offsets.includes(`${letter.partition}:${letter.offset}`))
  );
}

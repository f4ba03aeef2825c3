/**
 * The whole consumer-group lifecycle of kafkajs (the client kuzet uses) against the real
 * broker the jest global set-up starts (deploy/kafka/kafka.sh). This is the compatibility
 * check that decided which Apache Kafka version deploy/kafka/pom.xml pins: every request
 * kind kuzet relies on must be accepted by the broker at the protocol versions kafkajs sends.
 */
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import * as net from 'node:net';
import * as path from 'node:path';
import {
  Admin,
  Consumer,
  EachMessagePayload,
  Kafka,
  LogEntry,
  logLevel,
  Producer,
  RecordMetadata,
} from 'kafkajs';
import { waitUntil } from '../support/wait';

// Bounded: rebalances on the real broker take seconds, never minutes.
jest.setTimeout(90_000);

const PARTITIONS = 4;
const KEYS = [
  'cam-001',
  'cam-002',
  'cam-003',
  'cam-004',
  'cam-005',
  'cam-006',
  'cam-007',
  'cam-008',
];

interface Received {
  member: string;
  partition: number;
  offset: number;
  key: string;
  seq: number;
}

/** Polls `predicate` every 50 ms until it holds; fails with `what` and the detail after
 * `timeoutMs` (the one waiting helper, test/support/wait.ts). */
async function waitFor(
  what: string,
  predicate: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
  detail: () => string = () => '',
): Promise<void> {
  await waitUntil(what, predicate, { timeoutMs, intervalMs: 50 }).catch((error: unknown) => {
    throw new Error(`${String(error)} ${detail()}`);
  });
}

interface VersionRange {
  min: number;
  max: number;
}

/** The broker's supported [min, max] version per API key, from a raw ApiVersions v0 request. */
async function brokerApiVersions(address: string): Promise<Map<number, VersionRange>> {
  const [host, port] = address.split(':');
  const clientId = Buffer.from('kuzet-api-versions');
  const request = Buffer.alloc(4 + 2 + 2 + 4 + 2 + clientId.length);
  let o = request.writeInt32BE(request.length - 4, 0);
  o = request.writeInt16BE(18, o); // ApiVersions
  o = request.writeInt16BE(0, o); // v0
  o = request.writeInt32BE(1, o); // correlation id
  o = request.writeInt16BE(clientId.length, o);
  clientId.copy(request, o);
  const response = await new Promise<Buffer>((resolve, reject) => {
    const socket = net.connect({ host, port: Number(port) });
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error('ApiVersions request timed out')));
    socket.on('connect', () => socket.write(request));
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      const all = Buffer.concat(chunks);
      if (all.length >= 4 && all.length >= 4 + all.readInt32BE(0)) {
        socket.end();
        resolve(all.subarray(4, 4 + all.readInt32BE(0)));
      }
    });
    socket.on('error', reject);
  });
  expect(response.readInt32BE(0)).toBe(1); // correlation id
  expect(response.readInt16BE(4)).toBe(0); // error code
  const count = response.readInt32BE(6);
  const ranges = new Map<number, VersionRange>();
  for (let i = 0, at = 10; i < count; i++, at += 6) {
    ranges.set(response.readInt16BE(at), {
      min: response.readInt16BE(at + 2),
      max: response.readInt16BE(at + 4),
    });
  }
  return ranges;
}

/** The protocol versions the installed kafkajs implements for one request kind. */
function kafkajsVersions(request: string): number[] {
  const dir = path.join(
    path.dirname(require.resolve('kafkajs/package.json')),
    'src',
    'protocol',
    'requests',
    request,
  );
  // kafkajs's own request definitions (plain CommonJS, not part of its typed API).
  const definition = createRequire(__filename)(dir) as { versions: string[] };
  return definition.versions.map(Number);
}

function brokers(): string[] {
  const list = process.env.KAFKA_BROKERS;
  if (!list)
    throw new Error(
      'KAFKA_BROKERS is not set: the jest global set-up should have started a broker',
    );
  return list.split(',').map((b) => b.trim());
}

describe('kafkajs consumer-group lifecycle on the real broker', () => {
  const runId = randomUUID().slice(0, 8);
  const topic = `kuzet.test.lifecycle.${runId}`;
  const groupId = `kuzet-test-lifecycle-${runId}`;
  const brokerErrors: string[] = [];
  const kafka = new Kafka({
    clientId: 'kuzet-lifecycle-test',
    brokers: brokers(),
    retry: { retries: 3, initialRetryTime: 100 },
    logLevel: logLevel.ERROR,
    // Keep kafkajs's error lines (e.g. UNSUPPORTED_VERSION) for the assertions and reports.
    logCreator:
      () =>
      ({ namespace, log }: LogEntry): void => {
        brokerErrors.push(`${namespace}: ${log.message}`);
      },
  });
  let admin: Admin;
  let producer: Producer;
  const consumers: Consumer[] = [];
  const received: Received[] = [];
  /** Latest assignment of each member, from its GROUP_JOIN events. */
  const assignments = new Map<string, number[]>();
  const heartbeats = new Map<string, number>();
  let nextSeq = 0;

  function newConsumer(member: string): Consumer {
    const consumer = kafka.consumer({
      groupId,
      sessionTimeout: 10_000,
      rebalanceTimeout: 10_000,
      heartbeatInterval: 300,
      maxWaitTimeInMs: 100,
      retry: { retries: 3, initialRetryTime: 100 },
    });
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      const parts = event.payload.memberAssignment[topic] ?? [];
      assignments.set(
        member,
        [...parts].sort((a, b) => a - b),
      );
    });
    consumer.on(consumer.events.HEARTBEAT, () => {
      heartbeats.set(member, (heartbeats.get(member) ?? 0) + 1);
    });
    consumers.push(consumer);
    return consumer;
  }

  /** Runs `consumer`: records each message, then commits its offset (manual commits only). */
  async function run(member: string, consumer: Consumer): Promise<void> {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }: EachMessagePayload) => {
        const value = JSON.parse(message.value?.toString() ?? '{}') as { seq: number };
        received.push({
          member,
          partition,
          offset: Number(message.offset),
          key: message.key?.toString() ?? '',
          seq: value.seq,
        });
        await consumer.commitOffsets([
          { topic, partition, offset: String(Number(message.offset) + 1) },
        ]);
      },
    });
  }

  /** Produces `count` keyed 1 KB-ish messages (acks=-1); optionally one partition per message. */
  async function produce(count: number, spreadOverPartitions = false): Promise<number[]> {
    const seqs: number[] = [];
    const messages = Array.from({ length: count }, (_, i) => {
      const seq = nextSeq++;
      seqs.push(seq);
      return {
        key: KEYS[seq % KEYS.length],
        value: JSON.stringify({ seq, pad: 'x'.repeat(1000) }),
        ...(spreadOverPartitions ? { partition: i % PARTITIONS } : {}),
      };
    });
    const metadata: RecordMetadata[] = await producer.send({ topic, acks: -1, messages });
    for (const m of metadata) expect(m.errorCode).toBe(0);
    return seqs;
  }

  async function committedOffsets(): Promise<Map<number, number>> {
    const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map(entry.partitions.map((p) => [p.partition, Number(p.offset)]));
  }

  /** Whether the group's committed offset is at the end of every partition (-1: never committed). */
  async function committedAtEnd(high: Map<number, number>): Promise<boolean> {
    const committed = await committedOffsets();
    lastCommitted = JSON.stringify({ committed: [...committed], high: [...high] });
    return [...high].every(
      ([partition, end]) => (committed.get(partition) ?? -1) === (end === 0 ? -1 : end),
    );
  }
  let lastCommitted = '';

  async function highWatermarks(): Promise<Map<number, number>> {
    const offsets = await admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((p) => [p.partition, Number(p.high)]));
  }

  function seqsOf(filter: (r: Received) => boolean): Set<number> {
    return new Set(received.filter(filter).map((r) => r.seq));
  }

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
  });

  afterAll(async () => {
    for (const c of consumers) await c.disconnect().catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
    await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin?.disconnect().catch(() => undefined);
  });

  afterEach(() => {
    // No request may have been refused by the broker (an UNSUPPORTED_VERSION would show here).
    expect(brokerErrors.filter((e) => /UNSUPPORTED_VERSION|not support/i.test(e))).toEqual([]);
  });

  it('accepts the protocol version kafkajs sends for every request kuzet uses', async () => {
    // kafkajs picks min(its newest version, the broker's max) and never looks at the broker's
    // min: a broker that dropped old versions (Kafka 4's KIP-896) would refuse those requests.
    const requests: Array<[string, string, number]> = [
      ['Produce', 'produce', 0],
      ['Fetch', 'fetch', 1],
      ['ListOffsets', 'listOffsets', 2],
      ['Metadata', 'metadata', 3],
      ['OffsetCommit', 'offsetCommit', 8],
      ['OffsetFetch', 'offsetFetch', 9],
      ['FindCoordinator', 'findCoordinator', 10],
      ['JoinGroup', 'joinGroup', 11],
      ['Heartbeat', 'heartbeat', 12],
      ['LeaveGroup', 'leaveGroup', 13],
      ['SyncGroup', 'syncGroup', 14],
      ['DescribeGroups', 'describeGroups', 15],
      ['ListGroups', 'listGroups', 16],
      ['ApiVersions', 'apiVersions', 18],
      ['CreateTopics', 'createTopics', 19],
      ['DeleteTopics', 'deleteTopics', 20],
      ['InitProducerId', 'initProducerId', 22],
      ['DescribeConfigs', 'describeConfigs', 32],
      ['CreatePartitions', 'createPartitions', 37],
      ['DeleteGroups', 'deleteGroups', 42],
    ];
    const broker = await brokerApiVersions(brokers()[0]);
    const refused: string[] = [];
    for (const [name, dir, apiKey] of requests) {
      const range = broker.get(apiKey);
      const sent = Math.min(Math.max(...kafkajsVersions(dir)), range?.max ?? -1);
      if (!range || sent < range.min)
        refused.push(
          `${name} v${sent} (broker: ${range ? `${range.min}-${range.max}` : 'absent'})`,
        );
    }
    expect(refused).toEqual([]);
  });

  it('creates a topic and reads its metadata (auto-creation is off)', async () => {
    await expect(
      admin.createTopics({
        topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }],
        waitForLeaders: true,
      }),
    ).resolves.toBe(true);
    await expect(
      admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }] }),
    ).resolves.toBe(false);

    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(topics).toHaveLength(1);
    expect(topics[0].name).toBe(topic);
    expect(topics[0].partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2, 3]);
    for (const p of topics[0].partitions) {
      expect(p.leader).toBeGreaterThanOrEqual(0);
      expect(p.replicas).toHaveLength(1);
    }
    expect(await admin.listTopics()).toContain(topic);
    await expect(admin.fetchTopicMetadata({ topics: [`${topic}.missing`] })).rejects.toThrow(
      /does not host this topic-partition|UNKNOWN_TOPIC/i,
    );
  });

  it('produces keyed messages with acks=-1; one member joins, fetches, commits', async () => {
    const seqs = await produce(40);
    const high = await highWatermarks();
    expect([...high.values()].reduce((a, b) => a + b, 0)).toBe(40);

    await run('A', newConsumer('A'));
    await waitFor(
      'member A to join with every partition',
      () => assignments.get('A')?.length === PARTITIONS,
    );
    await waitFor('A to consume the first 40 messages', () =>
      seqs.every((s) => seqsOf((r) => r.member === 'A').has(s)),
    );
    await waitFor('A to heartbeat', () => (heartbeats.get('A') ?? 0) > 0);

    // Order per key: a key lives on one partition, and its messages arrive in produce order.
    for (const key of KEYS) {
      const ofKey = received.filter((r) => r.key === key);
      expect(new Set(ofKey.map((r) => r.partition)).size).toBe(1);
      const order = ofKey.map((r) => r.seq);
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }

    // Committed offsets (OffsetCommit, read back with OffsetFetch) reach the end of every partition.
    await waitFor(
      "A's commits to reach the end of every partition",
      () => committedAtEnd(high),
      30_000,
      () => lastCommitted,
    );
    const [group] = (await admin.describeGroups([groupId])).groups;
    expect(group.state).toBe('Stable');
    expect(group.members).toHaveLength(1);
  });

  it('a second member joins: the group rebalances and shares the partitions', async () => {
    await run('B', newConsumer('B'));
    await waitFor(
      'a rebalance splitting the partitions between A and B',
      () => {
        const a = assignments.get('A') ?? [];
        const b = assignments.get('B') ?? [];
        const union = [...a, ...b].sort((x, y) => x - y);
        return a.length > 0 && b.length > 0 && union.join() === '0,1,2,3';
      },
      40_000,
    );
    const seqs = await produce(40, true);
    await waitFor('the 40 new messages to be consumed', () =>
      seqs.every((s) => seqsOf(() => true).has(s)),
    );
    const byA = seqsOf((r) => r.member === 'A' && seqs.includes(r.seq));
    const byB = seqsOf((r) => r.member === 'B' && seqs.includes(r.seq));
    expect(byA.size).toBeGreaterThan(0);
    expect(byB.size).toBeGreaterThan(0);
    // Each new message went to the member that owns its partition.
    for (const r of received.filter((x) => seqs.includes(x.seq))) {
      expect(assignments.get(r.member)).toContain(r.partition);
    }
    const [group] = (await admin.describeGroups([groupId])).groups;
    expect(group.members).toHaveLength(2);
  });

  it('a member leaves: the remaining member takes over every partition', async () => {
    const b = consumers[1];
    await b.disconnect();
    await waitFor(
      'A to own every partition again',
      () => assignments.get('A')?.length === PARTITIONS,
      40_000,
    );
    const seqs = await produce(20, true);
    await waitFor('A to consume the messages of all partitions', () =>
      seqs.every((s) => seqsOf((r) => r.member === 'A').has(s)),
    );
    const [group] = (await admin.describeGroups([groupId])).groups;
    expect(group.members).toHaveLength(1);
  });

  it('seek rewinds a partition for the running member', async () => {
    const a = consumers[0];
    const readsOfFirst = (): Received[] =>
      received.filter((r) => r.partition === 0 && r.offset === 0);
    expect(readsOfFirst()).toHaveLength(1);
    a.seek({ topic, partition: 0, offset: '0' });
    await waitFor('partition 0 to be read again from offset 0', () => readsOfFirst().length === 2);
    expect(readsOfFirst()[1].member).toBe('A');
  });

  it('a restarted consumer resumes from the committed offsets', async () => {
    const a = consumers[0];
    const high = await highWatermarks();
    const lastOfP0 = (high.get(0) ?? 0) - 1;
    await waitFor(
      'A to re-read partition 0 to its end after the seek, and commit',
      async () =>
        received.filter((r) => r.partition === 0 && r.offset === lastOfP0).length === 2 &&
        committedAtEnd(high),
      30_000,
      () => lastCommitted,
    );
    await a.disconnect();
    expect(await committedAtEnd(high)).toBe(true);
    const committedBefore = await committedOffsets();

    const seqs = await produce(20, true);
    const seenBefore = received.length;
    await run('C', newConsumer('C'));
    await waitFor('C (restarted member) to consume the new messages', () =>
      seqs.every((s) => seqsOf((r) => r.member === 'C').has(s)),
    );
    const byC = received.slice(seenBefore).filter((r) => r.member === 'C');
    // Nothing before the committed offsets is read again: it resumed, it did not start over.
    for (const r of byC)
      expect(r.offset).toBeGreaterThanOrEqual(committedBefore.get(r.partition) ?? 0);
    expect(new Set(byC.map((r) => r.seq))).toEqual(new Set(seqs));
  });
});

/**
 * Transport benchmark: 1 KB events through the real Kafka broker with kafkajs (the client
 * kuzet's apps use), against the broker's floor measured in the same run with Apache Kafka's
 * own ProducerPerformance / ConsumerPerformance from the same jars (deploy/kafka/kafka.sh perf).
 *
 *   npm run bench:transport
 *   (= node -r ./bench/transport/swc-register.js bench/transport/transport.bench.ts)
 *
 * Prints ONE JSON object on stdout; progress goes to stderr. Starts a fresh broker on
 * 127.0.0.1:KUZET_BENCH_KAFKA_PORT (default 39392) and stops it at the end, unless
 * KAFKA_BROKERS is set (then that cluster is used). Every phase is bounded in count and time.
 *
 * Throughput is measured in BENCH_ROUNDS rounds (default 3), each running the floor tools and
 * then kafkajs on fresh topics; the medians are reported (the machine is shared and noisy),
 * with every round's figure beside them.
 *
 * Counts: 200000 messages per throughput run (about 200 MB), so that neither side's numbers
 * are dominated by warm-up: each ProducerPerformance run first sends BENCH_WARMUP records it
 * leaves out of its steady-state figure, and kafkajs gets a warm-up run of the same size;
 * ConsumerPerformance (a fresh JVM, no warm-up option) reads the producer floor's topic.
 *
 * Knobs (environment): BENCH_MESSAGES (200000 per throughput run), BENCH_WARMUP (20000),
 * BENCH_ROUNDS (3), BENCH_LATENCY_RATES (200,500 messages/s: one paced latency run per rate)
 * and BENCH_LATENCY_SECONDS (10 per run), BENCH_PARTITIONS (4).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import { performance } from 'node:perf_hooks';
import { Admin, Consumer, Kafka, logLevel, Producer } from 'kafkajs';
import { runKafkaScript } from '../../test/setup/kafka-broker';
import { startBenchBroker } from '../support/broker';
import { intFromEnv } from '../support/env';

const MESSAGE_BYTES = 1024;
const PRODUCE_BATCH = 500;
const PRODUCE_IN_FLIGHT = 4;
const CAMERAS = 1000;
/**
 * ProducerPerformance's producer: acks=all like kafkajs's acks=-1, and batches about the size
 * kafkajs sends (PRODUCE_BATCH x 1 KB over PARTITIONS partitions = ~128 KB per partition).
 * With Kafka's default batch.size (16 KB) the Java producer is limited by its own small batches
 * on this 2-core machine and the floor would say more about that default than about the broker.
 */
const FLOOR_PRODUCER_PROPS = ['acks=all', 'batch.size=131072', 'linger.ms=5'];

const MESSAGES = intFromEnv('BENCH_MESSAGES', 200_000, 1000, 1_000_000);
const WARMUP = intFromEnv('BENCH_WARMUP', 20_000, 0, 1_000_000);
const LATENCY_RATES = (process.env.BENCH_LATENCY_RATES || '200,500').split(',').map((raw) => {
  const rate = Number(raw);
  if (!Number.isInteger(rate) || rate < 1 || rate > 10_000) {
    throw new Error(`BENCH_LATENCY_RATES: ${raw} is not a rate in [1, 10000] messages/s`);
  }
  return rate;
});
const LATENCY_SECONDS = intFromEnv('BENCH_LATENCY_SECONDS', 10, 1, 120);
const PARTITIONS = intFromEnv('BENCH_PARTITIONS', 4, 1, 64);
const ROUNDS = intFromEnv('BENCH_ROUNDS', 3, 1, 10);
/** Hard bound on any single wait of a phase. */
const PHASE_TIMEOUT_MS = 180_000;

const progress = (line: string): void => {
  process.stderr.write(`[bench:transport] ${line}\n`);
};

const round = (value: number, digits = 1): number => Number(value.toFixed(digits));

/** The round whose `key` is the median (lower median for an even count), and all rounds' `key`. */
function medianOf<T>(rounds: readonly T[], key: (r: T) => number): { median: T; all: number[] } {
  const all = rounds.map(key);
  const sorted = [...rounds].sort((a, b) => key(a) - key(b));
  return { median: sorted[Math.floor((sorted.length - 1) / 2)], all };
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

async function waitFor(
  what: string,
  predicate: () => boolean,
  timeoutMs = PHASE_TIMEOUT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function createTopic(admin: Admin, topic: string): Promise<void> {
  const created = await admin.createTopics({
    topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  if (!created) throw new Error(`topic ${topic} already exists`);
}

// ------------------------------------------------------------------------------ kafkajs

interface ProduceResult {
  messages: number;
  seconds: number;
  messagesPerSec: number;
  mbPerSec: number;
}

/** Produces `count` keyed 1 KB messages, acks=-1, PRODUCE_BATCH per request, a few in flight. */
async function kafkajsProduce(
  producer: Producer,
  topic: string,
  count: number,
): Promise<ProduceResult> {
  const value = randomBytes(MESSAGE_BYTES);
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < count) {
      const from = next;
      next = Math.min(count, next + PRODUCE_BATCH);
      const messages = [];
      for (let i = from; i < next; i++) messages.push({ key: `cam-${i % CAMERAS}`, value });
      await producer.send({ topic, acks: -1, messages });
    }
  };
  await Promise.all(Array.from({ length: PRODUCE_IN_FLIGHT }, worker));
  const seconds = (performance.now() - started) / 1000;
  return {
    messages: count,
    seconds: round(seconds, 3),
    messagesPerSec: round(count / seconds),
    mbPerSec: round((count * MESSAGE_BYTES) / seconds / 1_048_576, 2),
  };
}

interface ConsumeResult {
  messages: number;
  /** From the first fetched batch to the last message (the group join excluded). */
  seconds: number;
  messagesPerSec: number;
  /** From consumer.run() (group join included) to the last message. */
  messagesPerSecIncludingJoin: number;
}

/** A fresh group reads `count` messages from the beginning of `topic` (eachBatch, auto-commit). */
async function kafkajsConsume(kafka: Kafka, topic: string, count: number): Promise<ConsumeResult> {
  const consumer: Consumer = kafka.consumer({
    groupId: `bench-${randomUUID()}`,
    maxWaitTimeInMs: 100,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    let seen = 0;
    let first = 0;
    let last = 0;
    const runAt = performance.now();
    await consumer.run({
      eachBatch: async ({ batch }) => {
        if (first === 0) first = performance.now();
        seen += batch.messages.length;
        last = performance.now();
      },
    });
    await waitFor(`kafkajs to consume ${count} messages`, () => seen >= count);
    const seconds = (last - first) / 1000;
    return {
      messages: seen,
      seconds: round(seconds, 3),
      messagesPerSec: round(seen / seconds),
      messagesPerSecIncludingJoin: round(seen / ((last - runAt) / 1000)),
    };
  } finally {
    await consumer.disconnect();
  }
}

interface LatencyResult {
  messages: number;
  ratePerSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/**
 * Paced run: `rate` messages/s for LATENCY_SECONDS, one produce request each (acks=-1),
 * while a joined consumer of the same process records send-to-receive time per message.
 */
async function kafkajsLatency(
  kafka: Kafka,
  producer: Producer,
  topic: string,
  rate: number,
): Promise<LatencyResult> {
  const total = rate * LATENCY_SECONDS;
  const sentAt = new Float64Array(total);
  const latencies: number[] = [];
  const consumer = kafka.consumer({
    groupId: `bench-latency-${randomUUID()}`,
    maxWaitTimeInMs: 100,
  });
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joined = true;
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const now = performance.now();
        const seq = message.value?.readUInt32BE(0) ?? -1;
        if (seq >= 0 && seq < total) latencies.push(now - sentAt[seq]);
      },
    });
    await waitFor('the latency consumer to join its group', () => joined, 60_000);
    // Let the first (empty) fetches settle so the first messages don't pay for them.
    await new Promise((resolve) => setTimeout(resolve, 500));

    const body = randomBytes(MESSAGE_BYTES);
    const pending = new Set<Promise<void>>();
    let failure: unknown;
    const intervalMs = 1000 / rate;
    const start = performance.now();
    for (let seq = 0; seq < total; seq++) {
      const due = start + seq * intervalMs;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      const value = Buffer.from(body);
      value.writeUInt32BE(seq, 0);
      sentAt[seq] = performance.now();
      const sent = producer
        .send({ topic, acks: -1, messages: [{ key: `cam-${seq % CAMERAS}`, value }] })
        .then(
          () => undefined,
          (err: unknown) => {
            failure ??= err;
          },
        );
      pending.add(sent);
      void sent.then(() => pending.delete(sent));
      if (failure !== undefined) throw failure;
      if (pending.size > 1000)
        throw new Error('the broker fell more than 1000 requests behind the paced rate');
    }
    await Promise.all(pending);
    if (failure !== undefined) throw failure;
    await waitFor('every paced message to arrive', () => latencies.length >= total, 60_000);
    const sorted = [...latencies].sort((a, b) => a - b);
    return {
      messages: latencies.length,
      ratePerSec: rate,
      p50Ms: round(percentile(sorted, 50), 2),
      p99Ms: round(percentile(sorted, 99), 2),
      maxMs: round(sorted[sorted.length - 1], 2),
    };
  } finally {
    await consumer.disconnect();
  }
}

// ------------------------------------------------------------------------------ floor

interface ProducerFloor {
  records: number;
  recordsPerSec: number;
  mbPerSec: number;
  p50Ms: number;
  p99Ms: number;
}

interface ConsumerFloor {
  records: number;
  /** fetch.nMsg.sec: the group join excluded (compare with kafkajs messagesPerSec). */
  recordsPerSec: number;
  /** nMsg.sec: the group join included. */
  recordsPerSecIncludingJoin: number;
}

async function perf(args: readonly string[]): Promise<string> {
  const result = await runKafkaScript(['perf', ...args], { timeoutMs: PHASE_TIMEOUT_MS });
  if (result.code !== 0) {
    throw new Error(
      `kafka.sh perf ${args.join(' ')} exited ${result.code}:\n${result.stderr}\n${result.stdout}`,
    );
  }
  return result.stdout;
}

/** ProducerPerformance: WARMUP + MESSAGES records of 1 KB, unthrottled; its steady-state line. */
async function producerFloor(brokers: string, topic: string): Promise<ProducerFloor> {
  const args = ['producer', '--bootstrap-server', brokers, '--topic', topic];
  args.push('--record-size', String(MESSAGE_BYTES), '--num-records', String(MESSAGES + WARMUP));
  args.push('--throughput', '-1', '--command-property', ...FLOOR_PRODUCER_PROPS);
  if (WARMUP > 0) args.push('--warmup-records', String(WARMUP));
  const out = await perf(args);
  const pattern =
    /(\d+) (?:steady state )?records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), [\d.]+ ms avg latency, [\d.]+ ms max latency, (\d+) ms 50th, \d+ ms 95th, (\d+) ms 99th/g;
  const lines = [...out.matchAll(pattern)];
  const summary = lines[lines.length - 1]; // the steady-state summary comes last
  if (!summary) throw new Error(`unexpected ProducerPerformance output:\n${out}`);
  return {
    records: Number(summary[1]),
    recordsPerSec: round(Number(summary[2])),
    mbPerSec: round(Number(summary[3]), 2),
    p50Ms: Number(summary[4]),
    p99Ms: Number(summary[5]),
  };
}

/** ConsumerPerformance: a fresh group reads MESSAGES records from the beginning. */
async function consumerFloor(brokers: string, topic: string): Promise<ConsumerFloor> {
  const out = await perf([
    'consumer',
    '--bootstrap-server',
    brokers,
    '--topic',
    topic,
    '--num-records',
    String(MESSAGES),
    '--group',
    `bench-floor-${randomUUID()}`,
    '--timeout',
    '30000',
  ]);
  const lines = out.trim().split('\n');
  const header = lines.findIndex((l) => l.startsWith('start.time'));
  if (header < 0 || header + 1 >= lines.length)
    throw new Error(`unexpected ConsumerPerformance output:\n${out}`);
  const names = lines[header].split(',').map((s) => s.trim());
  const values = lines[header + 1].split(',').map((s) => s.trim());
  const field = (name: string): number => {
    const i = names.indexOf(name);
    if (i < 0) throw new Error(`ConsumerPerformance printed no ${name}:\n${out}`);
    return Number(values[i]);
  };
  return {
    records: field('data.consumed.in.nMsg'),
    recordsPerSec: round(field('fetch.nMsg.sec')),
    recordsPerSecIncludingJoin: round(field('nMsg.sec')),
  };
}

// ------------------------------------------------------------------------------ main

async function measure(brokers: string): Promise<Record<string, unknown>> {
  const kafka = new Kafka({
    clientId: 'kuzet-bench-transport',
    brokers: brokers.split(','),
    logLevel: logLevel.ERROR,
  });
  const admin = kafka.admin();
  await admin.connect();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const run = randomUUID().slice(0, 8);
  const topics: string[] = [];
  const topic = async (name: string): Promise<string> => {
    const full = `bench.transport.${name}.${run}`;
    await createTopic(admin, full);
    topics.push(full);
    return full;
  };
  try {
    if (WARMUP > 0) {
      progress(`kafkajs warm-up: ${WARMUP} messages`);
      const warmup = await topic('warmup');
      await kafkajsProduce(producer, warmup, WARMUP);
      await kafkajsConsume(kafka, warmup, WARMUP);
    }
    const floorProducers: ProducerFloor[] = [];
    const floorConsumers: ConsumerFloor[] = [];
    const produces: ProduceResult[] = [];
    const consumes: ConsumeResult[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const label = `round ${round}/${ROUNDS}`;
      const floorTopic = await topic(`floor-${round}`);
      progress(
        `${label} floor: ProducerPerformance, ${MESSAGES} x ${MESSAGE_BYTES} B after ${WARMUP} warm-up records`,
      );
      floorProducers.push(await producerFloor(brokers, floorTopic));
      progress(`${label} floor: ConsumerPerformance, ${MESSAGES} records`);
      floorConsumers.push(await consumerFloor(brokers, floorTopic));
      const kafkajsTopic = await topic(`kafkajs-${round}`);
      progress(`${label} kafkajs: producing ${MESSAGES} x ${MESSAGE_BYTES} B`);
      produces.push(await kafkajsProduce(producer, kafkajsTopic, MESSAGES));
      progress(`${label} kafkajs: consuming ${MESSAGES}`);
      consumes.push(await kafkajsConsume(kafka, kafkajsTopic, MESSAGES));
    }
    const latency: LatencyResult[] = [];
    for (const rate of LATENCY_RATES) {
      progress(`kafkajs: paced latency run, ${rate}/s for ${LATENCY_SECONDS} s`);
      latency.push(await kafkajsLatency(kafka, producer, await topic(`latency-${rate}`), rate));
    }

    const produce = medianOf(produces, (r) => r.messagesPerSec);
    const consume = medianOf(consumes, (r) => r.messagesPerSec);
    const floorProduce = medianOf(floorProducers, (r) => r.recordsPerSec);
    const floorConsume = medianOf(floorConsumers, (r) => r.recordsPerSec);
    const kafkaVersion = (await runKafkaScript(['version'], { timeoutMs: 30_000 })).stdout.trim();
    return {
      bench: 'transport',
      command: 'npm run bench:transport',
      kafkaVersion,
      kafkajsVersion: kafkajsVersion(),
      node: process.version,
      cpus: os.cpus().length,
      loadAverage1m: round(os.loadavg()[0], 2),
      messageBytes: MESSAGE_BYTES,
      partitions: PARTITIONS,
      acks: 'all',
      rounds: ROUNDS,
      kafkajs: {
        produce: { ...produce.median, rounds: produce.all },
        consume: { ...consume.median, rounds: consume.all },
        latency,
      },
      floor: {
        producerPerformance: {
          ...floorProduce.median,
          rounds: floorProduce.all,
          props: FLOOR_PRODUCER_PROPS,
        },
        consumerPerformance: { ...floorConsume.median, rounds: floorConsume.all },
      },
      ratio: {
        produce: round(produce.median.messagesPerSec / floorProduce.median.recordsPerSec, 3),
        consume: round(consume.median.messagesPerSec / floorConsume.median.recordsPerSec, 3),
        produceRounds: produce.all.map((v, i) => round(v / floorProduce.all[i], 3)),
        consumeRounds: consume.all.map((v, i) => round(v / floorConsume.all[i], 3)),
      },
    };
  } finally {
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await producer.disconnect();
    await admin.disconnect();
  }
}

function kafkajsVersion(): string {
  const pkg = JSON.parse(readFileSync(require.resolve('kafkajs/package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

async function main(): Promise<void> {
  // the run writes about 1.3 GB of log, removed with the broker's data when it stops
  const broker = await startBenchBroker('bench', 39392, progress);
  try {
    const result = await measure(broker.brokers);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await broker.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(
      `[bench:transport] failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);

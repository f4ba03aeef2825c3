import {
  DEAD_LETTER_HEADERS,
  InboundMessage,
  MessageBus,
  RejectedMessageError,
  TOPICS,
} from '@kuzet/messaging';
import { eventually, provision, text, TRANSPORTS, uniqueName } from '../support/transports';

const encode = (s: string): Uint8Array => Buffer.from(s, 'utf8');

describe.each(TRANSPORTS)('transport contract: $name', (transport) => {
  let bus: MessageBus;

  beforeAll(() => {
    bus = transport.create();
  });

  afterAll(async () => {
    await bus.close();
  });

  it('delivers messages with the same key in the order they were published', async () => {
    const topic = uniqueName('test.order');
    await provision(bus, topic);
    const keys = ['cam-1', 'cam-2', 'cam-3', 'cam-4', 'cam-5'];
    for (let round = 0; round < 4; round++) {
      await bus.publish(
        topic,
        Array.from({ length: 50 }, (_, i) => {
          const key = keys[i % keys.length]!;
          return { key, value: encode(`${key}:${round * 50 + i}`) };
        }),
      );
    }
    const seen = new Map<string, number[]>();
    const subscription = await bus.subscribe({
      topic,
      groupId: uniqueName('order-group'),
      handler: async (message) => {
        const [key, sequence] = text(message).split(':');
        seen.set(key!, [...(seen.get(key!) ?? []), Number(sequence)]);
      },
    });
    await eventually(() => [...seen.values()].flat().length >= 200, '200 messages');
    await subscription.close();
    for (const key of keys) {
      const sequences = seen.get(key)!;
      expect(sequences).toHaveLength(40);
      expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
    }
  });

  it('starts a new group at the end when asked, and resumes it from its commits', async () => {
    const topic = uniqueName('test.start-latest');
    const groupId = uniqueName('latest-group');
    await provision(bus, topic);
    await bus.publish(topic, [{ key: 'cam-1', value: encode('before') }]);
    const seen: string[] = [];
    const handler = async (message: InboundMessage): Promise<void> => {
      seen.push(text(message));
    };
    const first = await bus.subscribe({ topic, groupId, handler, newGroupStartsAt: 'latest' });
    await bus.publish(topic, [{ key: 'cam-1', value: encode('after') }]);
    await eventually(() => seen.includes('after'), 'the message published after subscribing');
    await first.close();
    await bus.publish(topic, [{ key: 'cam-1', value: encode('while away') }]);
    const second = await bus.subscribe({ topic, groupId, handler, newGroupStartsAt: 'latest' });
    await eventually(() => seen.includes('while away'), 'the message published while away');
    await second.close();
    expect(seen).toEqual(['after', 'while away']);
  });

  it('redelivers a message whose consumer died before acknowledging it', async () => {
    const topic = uniqueName('test.redelivery');
    const groupId = uniqueName('redelivery-group');
    await provision(bus, topic);
    await bus.publish(
      topic,
      Array.from({ length: 5 }, (_, i) => ({ key: 'cam-1', value: encode(`m${i}`) })),
    );
    const firstSeen: string[] = [];
    const first = await bus.subscribe({
      topic,
      groupId,
      handler: (message) => {
        firstSeen.push(text(message));
        // the process "hangs" on m2 and is killed before acknowledging it
        return text(message) === 'm2' ? new Promise<void>(() => undefined) : Promise.resolve();
      },
    });
    await eventually(() => firstSeen.includes('m2'), 'the first consumer to reach m2');
    await first.abort();

    const secondSeen: string[] = [];
    const second = await bus.subscribe({
      topic,
      groupId,
      handler: async (message) => {
        secondSeen.push(text(message));
      },
    });
    await eventually(() => secondSeen.includes('m4'), 'the second consumer to reach m4');
    await second.close();
    expect(firstSeen).not.toContain('m3');
    // at least once: m2 comes again, then everything after it, in order
    expect(secondSeen.slice(secondSeen.indexOf('m2'))).toEqual(['m2', 'm3', 'm4']);
  });

  it('shares partitions between the members of one consumer group', async () => {
    const topic = uniqueName('test.sharing');
    const groupId = uniqueName('sharing-group');
    await provision(bus, topic);
    const received = { a: new Set<string>(), b: new Set<string>() };
    const member = (into: Set<string>) => async (message: InboundMessage) => {
      into.add(text(message));
    };
    const a = await bus.subscribe({ topic, groupId, handler: member(received.a) });
    const b = await bus.subscribe({ topic, groupId, handler: member(received.b) });
    const published: string[] = [];
    // keep publishing in small waves until the group has settled and both members work
    for (let wave = 0; wave < 100 && !(received.a.size > 0 && received.b.size > 0); wave++) {
      const batch = Array.from({ length: 12 }, (_, i) => `w${wave}-k${i}`);
      published.push(...batch);
      await bus.publish(
        topic,
        batch.map((value, i) => ({ key: `cam-${i}`, value: encode(value) })),
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    await eventually(
      () => published.every((value) => received.a.has(value) || received.b.has(value)),
      'every published message to reach a member',
    );
    await Promise.all([a.close(), b.close()]);
    expect(received.a.size).toBeGreaterThan(0);
    expect(received.b.size).toBeGreaterThan(0);
  });

  it('dead-letters a poison message with its reason and goes on with the next', async () => {
    const topic = uniqueName('test.poison');
    const groupId = uniqueName('poison-group');
    await provision(bus, topic);
    const poison = Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00]);
    await bus.publish(topic, [
      { key: 'cam-9', value: encode('before') },
      { key: 'cam-9', value: poison, headers: { 'trace-id': 't-1' } },
      { key: 'cam-9', value: encode('after') },
    ]);
    const handled: string[] = [];
    const consumer = await bus.subscribe({
      topic,
      groupId,
      handler: async (message) => {
        if (message.value.equals(poison)) {
          throw new RejectedMessageError('malformed', [
            { field: '$', rule: 'protobuf', message: 'not a CameraEvent' },
          ]);
        }
        handled.push(text(message));
      },
    });
    const letters: InboundMessage[] = [];
    const deadLetters = await bus.subscribe({
      topic: TOPICS.deadLetter,
      groupId: uniqueName('dlq-reader'),
      handler: async (message) => {
        if (message.headers[DEAD_LETTER_HEADERS.sourceTopic] === topic) letters.push(message);
      },
    });
    await eventually(() => handled.includes('after') && letters.length === 1, 'the dead letter');
    await Promise.all([consumer.close(), deadLetters.close()]);
    expect(handled).toEqual(['before', 'after']);
    const [letter] = letters;
    expect(letter!.value.equals(poison)).toBe(true);
    expect(letter!.key).toBe('cam-9');
    expect(letter!.headers[DEAD_LETTER_HEADERS.reason]).toBe('malformed');
    expect(letter!.headers[DEAD_LETTER_HEADERS.consumerGroup]).toBe(groupId);
    expect(letter!.headers['trace-id']).toBe('t-1');
    expect(JSON.parse(letter!.headers[DEAD_LETTER_HEADERS.details]!)).toEqual([
      { field: '$', rule: 'protobuf', message: 'not a CameraEvent' },
    ]);
  });

  it('retries a transient failure instead of skipping the message', async () => {
    const topic = uniqueName('test.retry');
    await provision(bus, topic);
    await bus.publish(topic, [{ key: 'cam-1', value: encode('flaky') }]);
    let attempts = 0;
    const consumer = await bus.subscribe({
      topic,
      groupId: uniqueName('retry-group'),
      handler: async () => {
        attempts += 1;
        if (attempts < 3) throw new Error('database unavailable');
      },
    });
    await eventually(() => attempts >= 3, 'three attempts');
    await consumer.close();
    expect(attempts).toBe(3);
  });

  it('closes during an outage without waiting for it, and the next member gets the message', async () => {
    const topic = uniqueName('test.close-in-outage');
    const groupId = uniqueName('outage-group');
    await provision(bus, topic);
    await bus.publish(topic, [{ key: 'cam-1', value: encode('stuck') }]);
    let failures = 0;
    const failing = await bus.subscribe({
      topic,
      groupId,
      handler: async () => {
        failures += 1;
        throw new Error('database unavailable');
      },
    });
    await eventually(() => failures >= 2, 'two failed attempts');
    // an outage never ends on its own here: close() must stop retrying instead of hanging
    const closed = await Promise.race([
      failing.close().then(() => 'closed'),
      new Promise((resolve) => setTimeout(() => resolve('still retrying'), 30_000).unref()),
    ]);
    expect(closed).toBe('closed');
    const handled: string[] = [];
    const next = await bus.subscribe({
      topic,
      groupId,
      handler: async (message) => {
        handled.push(text(message));
      },
    });
    await eventually(() => handled.length > 0, 'the message redelivered to the next member');
    await next.close();
    expect(handled).toEqual(['stuck']);
  });
});

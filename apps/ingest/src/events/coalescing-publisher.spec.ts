import { InProcessMessageBus, OutboundMessage } from '@kuzet/messaging';
import { CoalescingPublisher } from './coalescing-publisher';

const TOPIC = 'coalescing.test';
const record = (i: number): OutboundMessage => ({
  key: `cam-${i % 3}`,
  value: Buffer.from(`event-${i}`),
});

describe('CoalescingPublisher', () => {
  let bus: InProcessMessageBus;
  let sends: number[];

  beforeEach(async () => {
    bus = new InProcessMessageBus({ defaultPartitions: 1 });
    await bus.ensureTopics([{ name: TOPIC, config: {} }]);
    sends = [];
    const publish = bus.publish.bind(bus);
    bus.publish = async (topic, messages) => {
      sends.push(messages.length);
      await new Promise((resolve) => setTimeout(resolve, 5));
      return publish(topic, messages);
    };
  });

  afterEach(() => bus.close());

  it('sends the records of concurrent requests together, in order, and resolves each request', async () => {
    const publisher = new CoalescingPublisher(bus, TOPIC, 1024 * 1024);
    await Promise.all(Array.from({ length: 50 }, (_, i) => publisher.publish([record(i)])));
    expect(sends.reduce((a, b) => a + b, 0)).toBe(50);
    expect(sends.length).toBeLessThan(5);
    const received: string[] = [];
    const subscription = await bus.subscribe({
      topic: TOPIC,
      groupId: 'reader',
      handler: async (m) => {
        received.push(m.value.toString());
      },
    });
    while (received.length < 50) await new Promise((resolve) => setTimeout(resolve, 5));
    await subscription.close();
    expect(received).toEqual(Array.from({ length: 50 }, (_, i) => `event-${i}`));
  });

  it('keeps a send under the byte limit and fails only the requests of a failed send', async () => {
    const publisher = new CoalescingPublisher(bus, TOPIC, 20);
    const publish = bus.publish;
    let calls = 0;
    bus.publish = async (topic, messages) => {
      calls += 1;
      if (calls === 2) throw new Error('broker unavailable');
      return publish(topic, messages);
    };
    const outcomes = await Promise.allSettled([0, 1, 2].map((i) => publisher.publish([record(i)])));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(calls).toBe(3);
    expect(sends).toEqual([1, 1]);
  });
});

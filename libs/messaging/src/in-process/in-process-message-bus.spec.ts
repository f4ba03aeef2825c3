import { InboundMessage } from '../message-bus';
import { InProcessMessageBus } from './in-process-message-bus';

describe('InProcessMessageBus retention', () => {
  it('starts a group that fell behind retention at the oldest record kept', async () => {
    const bus = new InProcessMessageBus({ defaultPartitions: 1, partitionMaxBytes: 20_000 });
    await bus.ensureTopics([{ name: 'frames', config: { 'retention.ms': '3600000' } }]);
    for (let n = 0; n < 100; n++) {
      await bus.publish('frames', [{ key: 'cam-1', value: Buffer.alloc(1_000, n) }]);
    }
    const seen: InboundMessage[] = [];
    const subscription = await bus.subscribe({
      topic: 'frames',
      groupId: 'late-reader',
      handler: async (message) => {
        seen.push(message);
      },
    });
    await bus.publish('frames', [{ key: 'cam-1', value: Buffer.from('after') }]);
    while (seen.at(-1)?.value.toString() !== 'after') await new Promise((r) => setTimeout(r, 10));
    await subscription.close();
    await bus.close();
    const offsets = seen.map((m) => Number(m.offset));
    // about 20 KB of 1 KB records are kept; the first kept one is where the group begins
    expect(offsets[0]).toBeGreaterThan(70);
    expect(offsets).toEqual(offsets.map((_, i) => offsets[0]! + i));
    expect(offsets.at(-1)).toBe(100);
  });

  it('keeps every record of a compacted topic', async () => {
    const bus = new InProcessMessageBus({ defaultPartitions: 1, partitionMaxBytes: 1_000 });
    await bus.ensureTopics([{ name: 'changes', config: { 'cleanup.policy': 'compact' } }]);
    for (let n = 0; n < 20; n++) {
      await bus.publish('changes', [{ key: `person-${n}`, value: Buffer.alloc(500, n) }]);
    }
    const seen: string[] = [];
    const subscription = await bus.subscribe({
      topic: 'changes',
      groupId: 'index',
      handler: async (message) => {
        seen.push(message.key ?? '');
      },
    });
    while (seen.length < 20) await new Promise((r) => setTimeout(r, 10));
    await subscription.close();
    await bus.close();
    expect(seen).toHaveLength(20);
  });
});

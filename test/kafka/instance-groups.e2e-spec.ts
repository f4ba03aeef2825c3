import { Kafka, logLevel } from 'kafkajs';
import { KafkaMessageBus, TOPICS } from '@kuzet/messaging';
import { kafkaBrokers, provision, uniqueName } from '../support/transports';

/** Per-instance groups (issue 13): deleted from the broker at a graceful close, kept after a
 * crash (abort) so that a restart under the same instance id resumes them. */
describe('per-instance consumer groups on Kafka', () => {
  const kafka = new Kafka({
    clientId: 'instance-groups',
    brokers: kafkaBrokers(),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  const listed = async (): Promise<string[]> =>
    (await admin.listGroups()).groups.map((g) => g.groupId);

  beforeAll(() => admin.connect());
  afterAll(() => admin.disconnect());

  it.each([
    ['deletes an ephemeral group at a graceful close', true, 'close', false],
    ['keeps an ephemeral group after a crash', true, 'abort', true],
    ['keeps a shared group at a graceful close', false, 'close', true],
  ] as const)('%s', async (_name, ephemeral, end, kept) => {
    const bus = new KafkaMessageBus({
      brokers: kafkaBrokers(),
      clientId: 'instance-groups',
      defaultPartitions: 3,
      replicationFactor: 1,
    });
    try {
      await provision(bus);
      const groupId = uniqueName('instance-group');
      const subscription = await bus.subscribe({
        topic: TOPICS.violations,
        groupId,
        handler: async () => undefined,
        newGroupStartsAt: 'latest',
        ephemeral,
      });
      expect(bus.consumerGroups().map((g) => g.groupId)).toEqual([groupId]);
      expect(await listed()).toContain(groupId);
      await subscription[end]();
      expect(bus.consumerGroups()).toEqual([]);
      expect((await listed()).includes(groupId)).toBe(kept);
    } finally {
      await bus.close();
    }
  });
});

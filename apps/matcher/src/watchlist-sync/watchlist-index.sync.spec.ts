import { encodeWatchlistChange } from '@kuzet/contracts';
import { sampleWatchlistChange } from '@kuzet/contracts/testing';
import type { KuzetConfig } from '@kuzet/config';
import type { FaceEngine } from '@kuzet/face';
import type { InboundMessage, MessageBus } from '@kuzet/messaging';
import { LearningRepository, WatchlistIndex, WatchlistRepository } from '@kuzet/watchlist';
import { WatchlistIndexSync } from './watchlist-index.sync';

describe('WatchlistIndexSync', () => {
  const change = sampleWatchlistChange();
  const message: InboundMessage = {
    topic: 'kuzet.watchlist-changes.v1',
    partition: 0,
    offset: '0',
    key: change.personId,
    value: Buffer.from(encodeWatchlistChange(change)),
    headers: {},
    timestamp: Date.now(),
  };
  const engine = { models: { embedding: { modelId: 'fr_feature@1' } } } as unknown as FaceEngine;

  const syncWith = (personInDatabase: boolean | ((id: string) => boolean)) => {
    const index = new WatchlistIndex();
    const held = typeof personInDatabase === 'function' ? personInDatabase : () => personInDatabase;
    const lookups: string[][] = [];
    const repository = {
      existingPersonIds: async (ids: readonly string[]) => {
        lookups.push([...ids]);
        return new Set(ids.filter(held).map((id) => id.toLowerCase()));
      },
    } as unknown as WatchlistRepository;
    const sync = new WatchlistIndexSync(
      index,
      repository,
      {} as LearningRepository,
      engine,
      {} as MessageBus,
      {} as KuzetConfig,
    );
    const internals = sync as unknown as {
      apply(m: InboundMessage): Promise<void>;
      applyMany(m: readonly InboundMessage[]): Promise<void>;
    };
    return {
      index,
      lookups,
      apply: internals.apply.bind(sync),
      applyMany: internals.applyMany.bind(sync),
    };
  };

  it('takes a change for a person of its own database into the index', async () => {
    const { index, apply } = syncWith(true);
    await apply(message);
    expect(index.versionOf(change.personId)).toBe(1);
  });

  it('ignores a change for a person its database does not hold (another deployment or test run on the broker): its hits could never be recorded', async () => {
    const { index, apply } = syncWith(false);
    await apply(message);
    expect(index.versionOf(change.personId)).toBe(0);
    expect(index.faceCount).toBe(0);
  });

  it('asks the database once for a batch of changes (a list-wide republish), and applies each of them in order', async () => {
    const people = ['0b5c1f2e-8f0e-4a53-9f55-1c0a3e3f6a01', '0b5c1f2e-8f0e-4a53-9f55-1c0a3e3f6a02'];
    const stranger = '0b5c1f2e-8f0e-4a53-9f55-1c0a3e3f6a03';
    const messageOf = (personId: string, version: number, threshold: number): InboundMessage => ({
      ...message,
      key: personId,
      value: Buffer.from(
        encodeWatchlistChange({ ...change, personId, version: BigInt(version), threshold }),
      ),
    });
    const { index, lookups, applyMany } = syncWith((id) => id !== stranger);
    await applyMany([
      messageOf(people[0]!, 1, 0.6),
      messageOf(stranger, 1, 0.6),
      messageOf(people[1]!, 1, 0.6),
      // the same person twice in one batch: the later version wins, as one by one
      messageOf(people[0]!, 2, 0.7),
    ]);
    expect(lookups).toHaveLength(1);
    expect(index.versionOf(people[0]!)).toBe(2);
    expect(index.versionOf(people[1]!)).toBe(1);
    expect(index.versionOf(stranger)).toBe(0);
  });
});

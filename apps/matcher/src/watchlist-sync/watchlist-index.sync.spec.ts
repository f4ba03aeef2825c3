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

  const syncWith = (personInDatabase: boolean) => {
    const index = new WatchlistIndex();
    const repository = {
      findPerson: async (id: string) => (personInDatabase ? { id } : null),
    } as unknown as WatchlistRepository;
    const sync = new WatchlistIndexSync(
      index,
      repository,
      {} as LearningRepository,
      engine,
      {} as MessageBus,
      {} as KuzetConfig,
    );
    const apply = (sync as unknown as { apply(m: InboundMessage): Promise<void> }).apply.bind(sync);
    return { index, apply };
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
});

import { Inject, Injectable } from '@nestjs/common';
import {
  create,
  encodeWatchlistChange,
  EnrolledEmbeddingSchema,
  timestampFromDate,
  WatchlistChangeKind,
  WatchlistChangeSchema,
} from '@kuzet/contracts';
import { MESSAGE_BUS, MessageBus, TOPICS } from '@kuzet/messaging';
import {
  earliestExpiry,
  EnrolledFaceEntity,
  WatchlistEntity,
  WatchlistPersonEntity,
} from '@kuzet/persistence';

/** Every watchlist change goes to the compacted change topic keyed by person, so running
 * matchers apply it within moments; PostgreSQL stays the source of truth. */
@Injectable()
export class WatchlistChangePublisher {
  constructor(@Inject(MESSAGE_BUS) private readonly bus: MessageBus) {}

  async publish(
    person: WatchlistPersonEntity,
    list: WatchlistEntity,
    faces: readonly EnrolledFaceEntity[],
  ): Promise<void> {
    const searchable = person.status === 'active' && list.status === 'active';
    const expiresAt = earliestExpiry(person.expiresAt, list.expiresAt);
    const change = create(WatchlistChangeSchema, {
      personId: person.id,
      watchlistId: list.id,
      kind: searchable
        ? person.version === 1
          ? WatchlistChangeKind.ENROLLED
          : WatchlistChangeKind.UPDATED
        : WatchlistChangeKind.REMOVED,
      threshold: list.similarityThreshold,
      version: BigInt(person.version),
      occurredAt: timestampFromDate(new Date()),
      expiresAt: expiresAt ? timestampFromDate(expiresAt) : undefined,
      embeddings: searchable
        ? faces.map((face) =>
            create(EnrolledEmbeddingSchema, {
              photoId: face.id,
              embedding: Array.from(face.embedding),
              modelId: face.modelId,
              quality: face.quality,
            }),
          )
        : [],
    });
    await this.bus.publish(TOPICS.watchlistChanges, [
      { key: person.id, value: encodeWatchlistChange(change) },
    ]);
  }
}

import { Inject, Injectable } from '@nestjs/common';
import {
  create,
  encodeWatchlistChange,
  EnrolledEmbeddingSchema,
  MAX_NEGATIVES_PER_PERSON,
  NegativeEmbeddingSchema,
  SuppressionPolicySchema,
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
import { LearningRepository } from '../learning/learning.repository';

/** Every watchlist change goes to the compacted change topic keyed by person, so running
 * matchers apply it within moments; PostgreSQL stays the source of truth. */
@Injectable()
export class WatchlistChangePublisher {
  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    private readonly learning: LearningRepository,
  ) {}

  async publish(
    person: WatchlistPersonEntity,
    list: WatchlistEntity,
    faces: readonly EnrolledFaceEntity[],
  ): Promise<void> {
    const searchable = person.status === 'active' && list.status === 'active';
    const expiresAt = earliestExpiry(person.expiresAt, list.expiresAt);
    // the person's "not this person" examples and the list's policy ride on every snapshot,
    // so a change made anywhere else (photos, expiry) never drops them from the matchers
    const negatives = searchable
      ? ((await this.learning.negativesOf([person.id])).get(person.id) ?? []).slice(
          -MAX_NEGATIVES_PER_PERSON,
        )
      : [];
    const policy = searchable ? await this.learning.policyOf(list.id) : null;
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
      negatives: negatives.map((n) =>
        create(NegativeEmbeddingSchema, {
          negativeId: n.id,
          embedding: Array.from(n.embedding),
          modelId: n.modelId,
          expiresAt: timestampFromDate(n.expiresAt),
        }),
      ),
      suppression: policy
        ? create(SuppressionPolicySchema, {
            enabled: policy.enabled,
            margin: policy.margin,
            ceiling: policy.ceiling,
          })
        : undefined,
    });
    await this.bus.publish(TOPICS.watchlistChanges, [
      { key: person.id, value: encodeWatchlistChange(change) },
    ]);
  }
}

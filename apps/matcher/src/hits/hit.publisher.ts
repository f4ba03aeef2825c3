import { Inject, Injectable } from '@nestjs/common';
import {
  create,
  encodeWatchlistHit,
  timestampFromDate,
  WatchlistHitSchema,
} from '@kuzet/contracts';
import { MESSAGE_BUS, MessageBus, TOPICS } from '@kuzet/messaging';
import { WatchlistHitEntity } from '@kuzet/persistence';

@Injectable()
export class HitPublisher {
  constructor(@Inject(MESSAGE_BUS) private readonly bus: MessageBus) {}

  /** Keyed by camera, so every update of one alert reaches ops-center in order. officerId: the
   * officer whose badge (the camera) asked for the identification. */
  async publish(hits: readonly WatchlistHitEntity[], officerId = ''): Promise<void> {
    await this.bus.publish(
      TOPICS.watchlistHits,
      hits.map((hit) => ({
        key: hit.cameraId,
        value: encodeWatchlistHit(
          create(WatchlistHitSchema, {
            hitId: hit.hitId,
            eventId: hit.eventId,
            cameraId: hit.cameraId,
            personId: hit.personId,
            watchlistId: hit.watchlistId,
            similarity: hit.similarity,
            threshold: hit.threshold,
            margin: hit.margin ?? undefined,
            modelId: hit.modelId,
            faceCropRef: hit.faceCropRef ?? '',
            capturedAt: timestampFromDate(hit.capturedAt),
            matchedAt: timestampFromDate(hit.matchedAt),
            lastSeenAt: timestampFromDate(hit.lastSeenAt),
            sightingCount: hit.sightingCount,
            officerId,
          }),
        ),
      })),
    );
  }
}

import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import { EntityManager } from 'typeorm';

export interface EventClaim {
  readonly eventId: string;
  readonly cameraId: string;
  readonly payloadSha256: Buffer;
}

export interface ClaimedEvent {
  readonly eventId: string;
  readonly payloadSha256: Buffer;
  readonly acceptedAt: Date;
  readonly publishedAt: Date | null;
  /** True when this call recorded the event; false when it had been recorded before. */
  readonly recordedNow: boolean;
}

interface ClaimRow {
  event_id: string;
  payload_sha256: Buffer;
  accepted_at: Date;
  published_at: Date | null;
  recorded_now: boolean;
}

/** All SQL of the ingest's idempotency record (table ingested_event). */
@Injectable()
export class IngestedEventRepository {
  constructor(@InjectEntityManager() private readonly em: EntityManager) {}

  /** Records the events not seen before as pending and returns, for every event, its record. */
  async claim(events: readonly EventClaim[], apiKeyId: string): Promise<ClaimedEvent[]> {
    if (events.length === 0) return [];
    const ids = events.map((e) => e.eventId);
    const rows = await this.em.query<ClaimRow[]>(
      `WITH input AS (
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::bytea[]) AS t(event_id, camera_id, payload_sha256)
       ), recorded AS (
         INSERT INTO ingested_event (event_id, camera_id, payload_sha256, api_key_id)
         SELECT event_id, camera_id, payload_sha256, $4 FROM input
         ON CONFLICT (event_id) DO NOTHING
         RETURNING event_id, payload_sha256, accepted_at, published_at
       )
       SELECT event_id, payload_sha256, accepted_at, published_at, true AS recorded_now FROM recorded
       UNION ALL
       SELECT e.event_id, e.payload_sha256, e.accepted_at, e.published_at, false
         FROM ingested_event e
        WHERE e.event_id = ANY($1::uuid[])
          AND NOT EXISTS (SELECT 1 FROM recorded r WHERE r.event_id = e.event_id)`,
      [ids, events.map((e) => e.cameraId), events.map((e) => e.payloadSha256), apiKeyId],
    );
    const claimed = rows.map(toClaimedEvent);
    // a concurrent request that recorded the same id commits after this statement's snapshot
    const seen = new Set(claimed.map((c) => c.eventId));
    const unseen = ids.filter((id) => !seen.has(id));
    if (unseen.length > 0) claimed.push(...(await this.find(unseen)));
    return claimed;
  }

  /** Until then accepted_at is when the id was first recorded (a frame sent without a capture
   * time is published with that time); from then on, when Kafka took the event. */
  async markPublished(eventIds: readonly string[], acceptedAt: Date): Promise<void> {
    if (eventIds.length === 0) return;
    await this.em.query(
      'UPDATE ingested_event SET published_at = now(), accepted_at = $2 WHERE event_id = ANY($1::uuid[]) AND published_at IS NULL',
      [[...eventIds], acceptedAt],
    );
  }

  private async find(eventIds: readonly string[]): Promise<ClaimedEvent[]> {
    const rows = await this.em.query<ClaimRow[]>(
      `SELECT event_id, payload_sha256, accepted_at, published_at, false AS recorded_now
         FROM ingested_event WHERE event_id = ANY($1::uuid[])`,
      [[...eventIds]],
    );
    return rows.map(toClaimedEvent);
  }
}

function toClaimedEvent(row: ClaimRow): ClaimedEvent {
  return {
    eventId: row.event_id,
    payloadSha256: row.payload_sha256,
    acceptedAt: row.accepted_at,
    publishedAt: row.published_at,
    recordedNow: row.recorded_now,
  };
}

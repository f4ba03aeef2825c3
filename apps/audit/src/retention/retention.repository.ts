import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import { EntityManager } from 'typeorm';

/** All SQL of the retention purge. Rows are taken with SKIP LOCKED, so purges running at
 * once on several instances delete disjoint batches. */
@Injectable()
export class RetentionRepository {
  constructor(@InjectEntityManager() private readonly em: EntityManager) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.em.transaction(work);
  }

  /** Deletes up to `limit` face crops whose expiry has passed; returns their ids. */
  async deleteExpiredEvidence(now: Date, limit: number, manager: EntityManager): Promise<string[]> {
    const rows = await manager.query<[{ id: string }[], number]>(
      `DELETE FROM hit_evidence WHERE id IN (
         SELECT id FROM hit_evidence WHERE expires_at <= $1
         ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING id`,
      [now, limit],
    );
    return rows[0].map((row) => row.id);
  }

  /** Deletes up to `limit` records of camera events accepted before the cutoff (published
   * ones: a pending event is still owed to Kafka); returns their event ids. */
  async deleteOldIngestedEvents(
    cutoff: Date,
    limit: number,
    manager: EntityManager,
  ): Promise<string[]> {
    const rows = await manager.query<[{ event_id: string }[], number]>(
      `DELETE FROM ingested_event WHERE event_id IN (
         SELECT event_id FROM ingested_event WHERE accepted_at < $1 AND published_at IS NOT NULL
         ORDER BY accepted_at LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING event_id`,
      [cutoff, limit],
    );
    return rows[0].map((row) => row.event_id);
  }

  /** Deletes up to `limit` first-content fingerprints of camera events (an event id and a
   * hash, nothing personal) first seen before the cutoff; returns how many. */
  async deleteOldFingerprints(
    cutoff: Date,
    limit: number,
    manager: EntityManager,
  ): Promise<number> {
    const rows = await manager.query<[unknown[], number]>(
      `DELETE FROM camera_event_fingerprint WHERE event_id IN (
         SELECT event_id FROM camera_event_fingerprint WHERE first_seen_at < $1
         ORDER BY first_seen_at LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING event_id`,
      [cutoff, limit],
    );
    return rows[0].length;
  }

  /** Deletes up to `limit` rows of a learning table (hit_probe: probe embeddings of hits;
   * face_negative: "not this person" examples) whose evidence retention has passed; their ids. */
  async deleteExpiredLearning(
    table: 'hit_probe' | 'face_negative',
    now: Date,
    limit: number,
    manager: EntityManager,
  ): Promise<string[]> {
    const id = table === 'hit_probe' ? 'hit_id' : 'id';
    const rows = await manager.query<[Record<string, string>[], number]>(
      `DELETE FROM ${table} WHERE ${id} IN (
         SELECT ${id} FROM ${table} WHERE expires_at <= $1
         ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING ${id} AS id`,
      [now, limit],
    );
    return rows[0].map((row) => row.id!);
  }

  /** Deletes up to `limit` learning records older than the cutoff (the evidence retention):
   * suppressed_match (probes a negative kept from alerting, by recorded_at) and
   * vehicle_rejected_read ("not this car" reads, by created_at; audited by their alert id, and
   * each entry's version bumped so a matcher's next rebuild takes the read back); their ids. */
  async deleteOldLearningRecords(
    table: 'suppressed_match' | 'vehicle_rejected_read',
    cutoff: Date,
    limit: number,
    manager: EntityManager,
  ): Promise<string[]> {
    if (table === 'suppressed_match') {
      const rows = await manager.query<[{ id: string }[], number]>(
        `DELETE FROM suppressed_match WHERE id IN (
           SELECT id FROM suppressed_match WHERE recorded_at < $1
           ORDER BY recorded_at LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING id`,
        [cutoff, limit],
      );
      return rows[0].map((row) => row.id);
    }
    const rows = await manager.query<[{ alert_id: string; entry_id: string }[], number]>(
      `DELETE FROM vehicle_rejected_read WHERE (entry_id, plate) IN (
         SELECT entry_id, plate FROM vehicle_rejected_read WHERE created_at < $1
         ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING alert_id, entry_id`,
      [cutoff, limit],
    );
    const entries = [...new Set(rows[0].map((row) => row.entry_id))];
    if (entries.length > 0)
      await manager.query(
        `UPDATE vehicle_list_entry SET version = version + 1 WHERE id = ANY($1::uuid[])`,
        [entries],
      );
    return rows[0].map((row) => row.alert_id);
  }
}

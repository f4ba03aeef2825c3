import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AuditLogService } from '@kuzet/audit-log';
import { MatchLogEntity, WatchlistHitEntity } from '@kuzet/persistence';

export interface HitCandidate {
  readonly eventId: string;
  readonly cameraId: string;
  readonly personId: string;
  readonly watchlistId: string;
  readonly similarity: number;
  readonly threshold: number;
  readonly margin: number | null;
  readonly modelId: string;
  readonly faceCropRef: string | null;
  readonly capturedAt: Date;
}

/** The probe's embedding, kept with a new hit under the evidence retention so that a "not this
 * person" rejection can keep it as a negative example; never in the match log or the audit. */
export interface HitProbe {
  readonly embedding: Float32Array;
  readonly modelId: string;
  readonly expiresAt: Date;
}

export interface RecordedHit {
  readonly hit: WatchlistHitEntity;
  /** False when this (event, person) was already in the match log: a redelivery. */
  readonly newSighting: boolean;
}

@Injectable()
export class HitRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditLogService,
  ) {}

  /** Writes one sighting to the match log, folding it into the open hit of the same person
   * at the same camera when that was last seen within the window; idempotent by
   * (event_id, person_id), so a redelivered event returns the hit it produced before. */
  record(
    candidate: HitCandidate,
    dedupWindowMs: number,
    now: Date = new Date(),
    probe?: HitProbe,
  ): Promise<RecordedHit> {
    return this.dataSource.transaction(async (manager) => {
      const logged = await manager
        .getRepository(MatchLogEntity)
        .findOneBy({ eventId: candidate.eventId, personId: candidate.personId });
      if (logged) {
        const hit = await manager
          .getRepository(WatchlistHitEntity)
          .findOneByOrFail({ hitId: logged.hitId });
        return { hit, newSighting: false };
      }
      const windowStart = new Date(candidate.capturedAt.getTime() - dedupWindowMs);
      const open =
        dedupWindowMs > 0
          ? await manager
              .getRepository(WatchlistHitEntity)
              .createQueryBuilder('hit')
              .setLock('pessimistic_write')
              .where('hit.camera_id = :cameraId AND hit.person_id = :personId', candidate)
              .andWhere('hit.last_seen_at >= :windowStart', { windowStart })
              .orderBy('hit.last_seen_at', 'DESC')
              .limit(1)
              .getOne()
          : null;
      let hit: WatchlistHitEntity;
      if (open) {
        open.sightingCount += 1;
        if (candidate.capturedAt > open.lastSeenAt) open.lastSeenAt = candidate.capturedAt;
        hit = await manager.save(open);
      } else {
        // insert, not save: save would first select the new id to choose insert or update
        hit = Object.assign(new WatchlistHitEntity(), {
          hitId: randomUUID(),
          eventId: candidate.eventId,
          cameraId: candidate.cameraId,
          personId: candidate.personId,
          watchlistId: candidate.watchlistId,
          similarity: candidate.similarity,
          threshold: candidate.threshold,
          margin: candidate.margin,
          modelId: candidate.modelId,
          faceCropRef: candidate.faceCropRef,
          capturedAt: candidate.capturedAt,
          matchedAt: now,
          lastSeenAt: candidate.capturedAt,
          sightingCount: 1,
        });
        await manager.insert(WatchlistHitEntity, hit);
        if (probe)
          await manager.query(
            `INSERT INTO hit_probe (hit_id, embedding, model_id, expires_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (hit_id) DO NOTHING`,
            [
              hit.hitId,
              Buffer.from(
                probe.embedding.buffer,
                probe.embedding.byteOffset,
                probe.embedding.byteLength,
              ),
              probe.modelId,
              probe.expiresAt,
            ],
          );
      }
      await manager.insert(MatchLogEntity, {
        ...candidate,
        hitId: hit.hitId,
        matchedAt: now,
      });
      // last in the transaction: the audit chain's lock is held until the commit
      await this.audit.append(
        {
          actor: 'matcher',
          action: open ? 'hit.sighting-added' : 'hit.recorded',
          subjectType: 'hit',
          subjectId: hit.hitId,
          details: { ...candidate },
        },
        manager,
      );
      return { hit, newSighting: true };
    });
  }
}

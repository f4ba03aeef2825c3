import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Brackets, DataSource, EntityManager } from 'typeorm';
import {
  AlertDecisionEntity,
  AlertEntity,
  AlertState,
  EnrolledFaceEntity,
  WatchlistEntity,
  WatchlistPersonEntity,
} from '@kuzet/persistence';
import { AlertScope } from '../scope/centre-scope';

export interface AlertFilter {
  readonly states?: readonly AlertState[];
  readonly limit: number;
  readonly beforeSeq?: number;
}

/** Where an alert's change is routed, without the alert. */
export type RoutedSeq = Pick<AlertEntity, 'seq' | 'centreId' | 'parentCentreId'>;

@Injectable()
export class AlertRepository {
  constructor(@InjectDataSource() readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** Idempotent by alert id: a redelivered hit changes nothing, a later sighting of the same
   * hit only raises its count (which moves it up the feed). */
  async upsert(alert: Omit<AlertEntity, 'seq' | 'createdAt' | 'updatedAt'>): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO alert (id, kind, state, priority, centre_id, parent_centre_id, district_id, camera_id,
         event_id, person_id, watchlist_id, similarity, threshold, face_crop_ref, message, sighting_count,
         captured_at, last_seen_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
       ON CONFLICT (id) DO UPDATE SET
         sighting_count = EXCLUDED.sighting_count,
         last_seen_at = GREATEST(alert.last_seen_at, EXCLUDED.last_seen_at),
         updated_at = now()
       WHERE alert.sighting_count < EXCLUDED.sighting_count`,
      [
        alert.id,
        alert.kind,
        alert.state,
        alert.priority,
        alert.centreId,
        alert.parentCentreId,
        alert.districtId,
        alert.cameraId,
        alert.eventId,
        alert.personId,
        alert.watchlistId,
        alert.similarity,
        alert.threshold,
        alert.faceCropRef,
        alert.message,
        alert.sightingCount,
        alert.capturedAt,
        alert.lastSeenAt,
      ],
    );
  }

  findById(
    id: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<AlertEntity | null> {
    return manager.getRepository(AlertEntity).findOneBy({ id });
  }

  lockById(id: string, manager: EntityManager): Promise<AlertEntity | null> {
    return manager
      .getRepository(AlertEntity)
      .createQueryBuilder('alert')
      .setLock('pessimistic_write')
      .where('alert.id = :id', { id })
      .getOne();
  }

  list(scope: AlertScope, filter: AlertFilter): Promise<AlertEntity[]> {
    const query = this.scoped(scope).orderBy('alert.seq', 'DESC').limit(filter.limit);
    if (filter.states?.length)
      query.andWhere('alert.state IN (:...states)', { states: filter.states });
    if (filter.beforeSeq !== undefined)
      query.andWhere('alert.seq < :beforeSeq', { beforeSeq: filter.beforeSeq });
    return query.getMany();
  }

  /** Every alert changed after `afterSeq`, oldest change first: what a console missed. */
  changedSince(afterSeq: number, limit: number, scope?: AlertScope): Promise<AlertEntity[]> {
    const query = (
      scope
        ? this.scoped(scope)
        : this.dataSource.getRepository(AlertEntity).createQueryBuilder('alert')
    )
      .andWhere('alert.seq > :afterSeq', { afterSeq })
      .orderBy('alert.seq', 'ASC')
      .limit(limit);
    return query.getMany();
  }

  /** The live feed's cheap look at what changed: seqs and routing only, no whole rows. */
  async routedSeqsSince(afterSeq: number): Promise<RoutedSeq[]> {
    const rows = await this.dataSource.query<
      { seq: string; centre_id: string | null; parent_centre_id: string | null }[]
    >('SELECT seq, centre_id, parent_centre_id FROM alert WHERE seq > $1 ORDER BY seq', [afterSeq]);
    return rows.map((row) => ({
      seq: Number(row.seq),
      centreId: row.centre_id,
      parentCentreId: row.parent_centre_id,
    }));
  }

  /** Whole alerts by seq, oldest change first; a seq that changed again since is skipped
   * (its new seq is delivered instead). */
  bySeqs(seqs: readonly number[]): Promise<AlertEntity[]> {
    if (seqs.length === 0) return Promise.resolve([]);
    return this.dataSource
      .getRepository(AlertEntity)
      .createQueryBuilder('alert')
      .where('alert.seq IN (:...seqs)', { seqs })
      .orderBy('alert.seq', 'ASC')
      .getMany();
  }

  async highestSeq(): Promise<number> {
    const [row] = await this.dataSource.query<{ seq: string | null }[]>(
      'SELECT max(seq) AS seq FROM alert',
    );
    return Number(row?.seq ?? 0);
  }

  earlierSightings(
    personId: string,
    excludeId: string,
    scope: AlertScope,
    limit: number,
  ): Promise<AlertEntity[]> {
    return this.scoped(scope)
      .andWhere('alert.person_id = :personId AND alert.id <> :excludeId', { personId, excludeId })
      .orderBy('alert.captured_at', 'DESC')
      .limit(limit)
      .getMany();
  }

  decisions(alertId: string): Promise<AlertDecisionEntity[]> {
    return this.dataSource
      .getRepository(AlertDecisionEntity)
      .find({ where: { alertId }, order: { decidedAt: 'ASC' } });
  }

  overdue(olderThan: Date, limit: number): Promise<AlertEntity[]> {
    return this.dataSource
      .getRepository(AlertEntity)
      .createQueryBuilder('alert')
      .where(`alert.state = 'new' AND alert.created_at < :olderThan`, { olderThan })
      .orderBy('alert.created_at', 'ASC')
      .limit(limit)
      .getMany();
  }

  watchlist(id: string): Promise<WatchlistEntity | null> {
    return this.dataSource.getRepository(WatchlistEntity).findOneBy({ id });
  }

  person(id: string): Promise<WatchlistPersonEntity | null> {
    return this.dataSource.getRepository(WatchlistPersonEntity).findOneBy({ id });
  }

  enrolledFaceIds(personId: string): Promise<string[]> {
    return this.dataSource
      .getRepository(EnrolledFaceEntity)
      .find({ where: { personId }, select: { id: true }, order: { createdAt: 'ASC' } })
      .then((faces) => faces.map((f) => f.id));
  }

  async enrolledThumbnail(personId: string, faceId: string): Promise<Buffer | null> {
    const face = await this.dataSource
      .getRepository(EnrolledFaceEntity)
      .findOneBy({ id: faceId, personId });
    return face?.thumbnail ?? null;
  }

  private scoped(scope: AlertScope) {
    return this.dataSource
      .getRepository(AlertEntity)
      .createQueryBuilder('alert')
      .where(
        new Brackets((where) => {
          where.where('FALSE');
          if (scope.centreIds.length > 0) {
            where.orWhere('alert.centre_id IN (:...centreIds)', { centreIds: scope.centreIds });
            where.orWhere('alert.parent_centre_id IN (:...centreIds)', {
              centreIds: scope.centreIds,
            });
          }
          if (scope.includeUnrouted) where.orWhere('alert.centre_id IS NULL');
        }),
      );
  }
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Brackets, DataSource, EntityManager } from 'typeorm';
import {
  AlertDecisionEntity,
  AlertEntity,
  AlertState,
  EnrolledFaceEntity,
  StaffUserEntity,
  TERMINAL_ALERT_STATES,
  WatchlistEntity,
  WatchlistPersonEntity,
} from '@kuzet/persistence';
import { AlertScope } from '../scope/centre-scope';

export interface AlertFilter {
  readonly states?: readonly AlertState[];
  readonly kinds?: readonly AlertEntity['kind'][];
  readonly cameraId?: string;
  readonly personId?: string;
  /** Part of the listed person's name, case-insensitive. */
  readonly personName?: string;
  readonly capturedFrom?: Date;
  readonly capturedTo?: Date;
  readonly limit: number;
  readonly beforeSeq?: number;
}

/** What a row shows beside the alert's own fields: names from the registry and the lists. */
export interface AlertLabels {
  readonly cameraName: string | null;
  readonly latitude: number | null;
  readonly longitude: number | null;
  readonly districtName: string | null;
  readonly personName: string | null;
  readonly listName: string | null;
  readonly listCategory: string | null;
}

/** Where an alert's change is routed, without the alert. */
/** An alert as intake makes it: everything but what the database and later decisions set. */
type NewAlert = Omit<
  AlertEntity,
  'seq' | 'createdAt' | 'updatedAt' | 'assigneeId' | 'assignee' | 'assignedBy' | 'assignedAt'
>;

export type RoutedSeq = Pick<AlertEntity, 'seq' | 'centreId' | 'parentCentreId'>;

@Injectable()
export class AlertRepository {
  constructor(@InjectDataSource() readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** Idempotent by alert id: a redelivered hit changes nothing, a later sighting of the same
   * hit only raises its count (which moves it up the feed). */
  async upsert(alert: NewAlert): Promise<void> {
    await this.insert(
      alert,
      `sighting_count = EXCLUDED.sighting_count,
         last_seen_at = GREATEST(alert.last_seen_at, EXCLUDED.last_seen_at),
         updated_at = now()
       WHERE alert.sighting_count < EXCLUDED.sighting_count`,
    );
  }

  /** A detection folded into the alert of its camera, type and window (the id says which): the
   * first makes it, each strictly later one raises its count and brings its latest count and zone,
   * which moves it up the feed. A redelivered detection is no later than what it already holds and
   * changes nothing; a decided alert takes no more. */
  async foldDetection(alert: NewAlert): Promise<void> {
    await this.insert(
      alert,
      `sighting_count = alert.sighting_count + 1,
         last_seen_at = EXCLUDED.last_seen_at,
         message = EXCLUDED.message,
         updated_at = now()
       WHERE EXCLUDED.last_seen_at > alert.last_seen_at
         AND alert.state <> ALL($19::text[])`,
      [TERMINAL_ALERT_STATES],
    );
  }

  /** A new alert, or `onConflict` (an UPDATE SET … WHERE … of the existing one) when its id is
   * taken; `extra` are its parameters from $19 on. */
  private async insert(alert: NewAlert, onConflict: string, extra: unknown[] = []): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO alert (id, kind, state, priority, centre_id, parent_centre_id, district_id, camera_id,
         event_id, person_id, watchlist_id, similarity, threshold, face_crop_ref, message, sighting_count,
         captured_at, last_seen_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
       ON CONFLICT (id) DO UPDATE SET
         ${onConflict}`,
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
        ...extra,
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
    if (filter.kinds?.length) query.andWhere('alert.kind IN (:...kinds)', { kinds: filter.kinds });
    if (filter.cameraId !== undefined)
      query.andWhere('alert.camera_id = :cameraId', { cameraId: filter.cameraId });
    if (filter.personId !== undefined)
      query.andWhere('alert.person_id = :personId', { personId: filter.personId });
    if (filter.personName !== undefined)
      query.andWhere(
        `alert.person_id IN (SELECT p.id FROM watchlist_person p WHERE p.full_name ILIKE :name ESCAPE '\\')`,
        { name: `%${filter.personName.replace(/[\\%_]/g, (c) => `\\${c}`)}%` },
      );
    if (filter.capturedFrom !== undefined)
      query.andWhere('alert.captured_at >= :from', { from: filter.capturedFrom });
    if (filter.capturedTo !== undefined)
      query.andWhere('alert.captured_at < :to', { to: filter.capturedTo });
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

  /** Active operators of `centreId`, by username after `afterUsername`. */
  operatorsOf(
    centreId: string,
    limit: number,
    afterUsername?: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<StaffUserEntity[]> {
    const query = manager
      .getRepository(StaffUserEntity)
      .createQueryBuilder('u')
      .where(`u.status = 'active' AND 'operator' = ANY(u.roles) AND :centre = ANY(u.centre_ids)`, {
        centre: centreId,
      })
      .orderBy('u.username', 'ASC')
      .limit(limit);
    if (afterUsername !== undefined)
      query.andWhere('u.username > :after', { after: afterUsername });
    return query.getMany();
  }

  staffUser(id: string, manager: EntityManager): Promise<StaffUserEntity | null> {
    return manager.getRepository(StaffUserEntity).findOneBy({ id });
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

  /** The labels of many alerts in one query (the camera, its district, the person, the list:
   * a watchlist for face hits, a vehicle list for vehicle hits). */
  async labels(alertIds: readonly string[]): Promise<Map<string, AlertLabels>> {
    if (alertIds.length === 0) return new Map();
    const rows = await this.dataSource.query<
      {
        id: string;
        camera_name: string | null;
        latitude: number | null;
        longitude: number | null;
        district_name: string | null;
        person_name: string | null;
        list_name: string | null;
        list_category: string | null;
      }[]
    >(
      `SELECT a.id, c.name AS camera_name, c.latitude, c.longitude, d.name AS district_name,
         p.full_name AS person_name, COALESCE(w.name, vl.name) AS list_name,
         COALESCE(w.category, vl.category) AS list_category
       FROM alert a
       LEFT JOIN camera c ON c.id = a.camera_id
       LEFT JOIN district d ON d.id = a.district_id
       LEFT JOIN watchlist_person p ON p.id = a.person_id
       LEFT JOIN watchlist w ON a.kind = 'watchlist_hit' AND w.id = a.watchlist_id
       LEFT JOIN vehicle_list vl ON a.kind = 'vehicle_hit' AND vl.id = a.watchlist_id
       WHERE a.id = ANY($1::uuid[])`,
      [[...new Set(alertIds)]],
    );
    return new Map(
      rows.map((row) => [
        row.id,
        {
          cameraName: row.camera_name,
          latitude: row.latitude,
          longitude: row.longitude,
          districtName: row.district_name,
          personName: row.person_name,
          listName: row.list_name,
          listCategory: row.list_category,
        },
      ]),
    );
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
          if (scope.allCentres) where.orWhere('alert.centre_id IS NOT NULL');
          else if (scope.centreIds.length > 0) {
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

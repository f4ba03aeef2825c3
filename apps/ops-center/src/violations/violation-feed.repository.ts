import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Brackets, DataSource, SelectQueryBuilder } from 'typeorm';
import { KUZET_CONFIG, KuzetConfig } from '@kuzet/config';
import { OperationsCentreEntity, ViolationRecordEntity } from '@kuzet/persistence';
import { AlertScope } from '../alerts/alert.repository';

export interface FeedCursor {
  readonly loggedAt: Date;
  /** Tie-breaker among rows logged in the same millisecond. */
  readonly eventId?: string;
}

/** Reads the violation log apps/violations writes (the source of truth: ops-center stores
 * nothing of its own for violations), scoped like alerts. */
@Injectable()
export class ViolationFeedRepository {
  private readonly parents = new Map<string, { parent: string | null; expiresAt: number }>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(KUZET_CONFIG) private readonly config: Readonly<KuzetConfig>,
  ) {}

  /** Newest logged first. A centre sees its own violations and those of the district centres
   * whose parent it is; supervisors also see those of cameras no centre owned. */
  page(scope: AlertScope, limit: number, before?: FeedCursor): Promise<ViolationRecordEntity[]> {
    return this.pageQuery(scope, limit, before).getMany();
  }

  /** page's query, for reading its plan. */
  pageQuery(
    scope: AlertScope,
    limit: number,
    before?: FeedCursor,
  ): SelectQueryBuilder<ViolationRecordEntity> {
    const query = this.dataSource
      .getRepository(ViolationRecordEntity)
      .createQueryBuilder('v')
      .where(
        new Brackets((where) => {
          where.where('FALSE');
          if (scope.centreIds.length > 0) {
            where.orWhere('v.centre_id IN (:...centreIds)', { centreIds: scope.centreIds });
            where.orWhere(
              `v.centre_id IN (SELECT c.id FROM operations_centre c
                 WHERE c.parent_centre_id IN (:...centreIds))`,
              { centreIds: scope.centreIds },
            );
          }
          if (scope.includeUnrouted) where.orWhere('v.centre_id IS NULL');
        }),
      )
      // logged_at keeps milliseconds, as the cursor does: violation_record_logged_idx serves it
      .orderBy('v.logged_at', 'DESC')
      .addOrderBy('v.event_id', 'DESC')
      .limit(limit);
    if (before?.eventId !== undefined) {
      query.andWhere('(v.logged_at, v.event_id) < (:at, :id)', {
        at: before.loggedAt,
        id: before.eventId,
      });
    } else if (before) {
      query.andWhere('v.logged_at < :at', { at: before.loggedAt });
    }
    return query;
  }

  /** The main centre a centre reports to (null for a main centre or an unknown one), cached
   * like the registry's camera lookups: the live feed asks once per violation. */
  async parentOf(centreId: string): Promise<string | null> {
    const now = Date.now();
    const cached = this.parents.get(centreId);
    if (cached && cached.expiresAt > now) return cached.parent;
    const centre = await this.dataSource
      .getRepository(OperationsCentreEntity)
      .findOne({ where: { id: centreId }, select: { id: true, parentCentreId: true } });
    const parent = centre?.parentCentreId ?? null;
    this.parents.set(centreId, { parent, expiresAt: now + this.config.REGISTRY_CACHE_TTL_MS });
    return parent;
  }
}

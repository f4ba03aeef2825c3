import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, SelectQueryBuilder } from 'typeorm';
import { ViolationRecordEntity } from '@kuzet/persistence';
import { ownCentreCondition } from '@kuzet/registry';
import { AlertScope, CentreScopes } from '../scope/centre-scope';

export interface FeedCursor {
  readonly loggedAt: Date;
  /** Tie-breaker among rows logged in the same millisecond. */
  readonly eventId?: string;
}

/** Reads the violation log apps/violations writes (the source of truth: ops-center stores
 * nothing of its own for violations), scoped like alerts. */
@Injectable()
export class ViolationFeedRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly scopes: CentreScopes,
  ) {}

  /** Newest logged first. A centre sees its own violations and those of the district centres
   * whose parent it is; supervisors also see those of cameras no centre owned. */
  async page(
    scope: AlertScope,
    limit: number,
    before?: FeedCursor,
  ): Promise<ViolationRecordEntity[]> {
    return (await this.pageQuery(scope, limit, before)).getMany();
  }

  /**
   * page's query, for reading its plan. The scope's centres are listed, not sub-selected: with
   * a plain list the planner knows how many rows each holds, and picks between walking
   * violation_record_logged_idx back from the newest (a centre with recent violations) and
   * violation_record_centre_idx plus a short sort (a centre with few or old ones, which the walk
   * would have read the whole log to fill a page for).
   */
  async pageQuery(
    scope: AlertScope,
    limit: number,
    before?: FeedCursor,
  ): Promise<SelectQueryBuilder<ViolationRecordEntity>> {
    const inScope = ownCentreCondition('v.centre_id', {
      centres: await this.scopes.centresWithDistricts(scope),
      includeUnrouted: scope.includeUnrouted,
    });
    const query = this.dataSource
      .getRepository(ViolationRecordEntity)
      .createQueryBuilder('v')
      .where(inScope.sql, inScope.params)
      // logged_at keeps milliseconds, as the cursor does
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
}

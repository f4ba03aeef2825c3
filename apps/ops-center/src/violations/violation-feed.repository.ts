import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Brackets, DataSource, In, SelectQueryBuilder } from 'typeorm';
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
  private readonly scopes = new Map<string, { centreIds: string[]; expiresAt: number }>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(KUZET_CONFIG) private readonly config: Readonly<KuzetConfig>,
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
    const centreIds = await this.withDistrictCentres(scope.centreIds);
    const query = this.dataSource
      .getRepository(ViolationRecordEntity)
      .createQueryBuilder('v')
      .where(
        new Brackets((where) => {
          where.where('FALSE');
          if (centreIds.length > 0) where.orWhere('v.centre_id IN (:...centreIds)', { centreIds });
          if (scope.includeUnrouted) where.orWhere('v.centre_id IS NULL');
        }),
      )
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

  /** The centres and the district centres whose parent they are, cached like parentOf. */
  private async withDistrictCentres(centreIds: readonly string[]): Promise<string[]> {
    if (centreIds.length === 0) return [];
    const key = [...centreIds].sort().join('\n');
    const now = Date.now();
    const cached = this.scopes.get(key);
    if (cached && cached.expiresAt > now) return cached.centreIds;
    const children = await this.dataSource
      .getRepository(OperationsCentreEntity)
      .find({ where: { parentCentreId: In([...centreIds]) }, select: { id: true } });
    const all = [...new Set([...centreIds, ...children.map((centre) => centre.id)])];
    this.scopes.set(key, { centreIds: all, expiresAt: now + this.config.REGISTRY_CACHE_TTL_MS });
    return all;
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

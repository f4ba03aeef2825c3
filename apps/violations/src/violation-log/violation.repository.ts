import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import { ViolationCodeName } from '@kuzet/contracts';
import { ViolationRecordEntity } from '@kuzet/persistence';
import { ownCentreCondition, OwnCentreScope } from '@kuzet/registry';
import { EntityManager, SelectQueryBuilder } from 'typeorm';
import { Dimension } from './violation.schemas';

export interface ViolationFilter {
  /** The reader's centres: violations logged for any other centre are left out. */
  readonly scope: OwnCentreScope;
  readonly from?: Date;
  readonly to?: Date;
  readonly districtId?: string;
  readonly centreId?: string;
  readonly cameraId?: string;
  readonly code?: ViolationCodeName;
  readonly plate?: string;
}

export interface PageCursor {
  readonly capturedAt: Date;
  readonly eventId: string;
}

export interface CountRow {
  readonly districtId?: string | null;
  readonly code?: string;
  readonly period?: string;
  readonly count: number;
}

/** All SQL of the violation log. */
@Injectable()
export class ViolationRepository {
  constructor(@InjectEntityManager() private readonly em: EntityManager) {}

  async exists(eventId: string): Promise<boolean> {
    return this.em.existsBy(ViolationRecordEntity, { eventId });
  }

  /** False when the event was logged before. */
  async insert(record: ViolationRecordEntity): Promise<boolean> {
    const result = await this.em
      .createQueryBuilder()
      .insert()
      .into(ViolationRecordEntity)
      .values(record)
      .orIgnore()
      .returning('event_id')
      .execute();
    return (result.raw as unknown[]).length > 0;
  }

  /** One violation, when it is within the scope (null otherwise, as for one never logged). */
  findOne(eventId: string, scope: OwnCentreScope): Promise<ViolationRecordEntity | null> {
    return this.filtered({ scope }).andWhere('v.event_id = :eventId', { eventId }).getOne();
  }

  /** Newest first; keyset paging on (captured_at, event_id). */
  page(filter: ViolationFilter, after: PageCursor | undefined, limit: number) {
    const query = this.filtered(filter)
      .orderBy('v.captured_at', 'DESC')
      .addOrderBy('v.event_id', 'DESC')
      .limit(limit);
    if (after) {
      query.andWhere('(v.captured_at, v.event_id) < (:afterAt, :afterId)', {
        afterAt: after.capturedAt,
        afterId: after.eventId,
      });
    }
    return query.getMany();
  }

  async count(
    filter: ViolationFilter,
    groupBy: readonly Dimension[],
    tz: string,
  ): Promise<CountRow[]> {
    const query = this.filtered(filter).select('CAST(count(*) AS int)', 'count');
    for (const dimension of groupBy) {
      const expression = {
        district: 'v.district_id',
        code: 'v.code',
        day: `to_char(date_trunc('day', v.captured_at AT TIME ZONE :tz), 'YYYY-MM-DD')`,
        month: `to_char(date_trunc('month', v.captured_at AT TIME ZONE :tz), 'YYYY-MM')`,
      }[dimension];
      const alias = { district: 'district_id', code: 'code', day: 'period', month: 'period' }[
        dimension
      ];
      query.addSelect(expression, alias).addGroupBy(alias).addOrderBy(alias, 'ASC', 'NULLS LAST');
    }
    const rows = await query.setParameter('tz', tz).getRawMany<{
      count: number;
      district_id?: string | null;
      code?: string;
      period?: string;
    }>();
    return rows.map((r) => ({
      ...(r.district_id !== undefined && { districtId: r.district_id }),
      ...(r.code !== undefined && { code: r.code }),
      ...(r.period !== undefined && { period: r.period }),
      count: r.count,
    }));
  }

  private filtered(filter: ViolationFilter): SelectQueryBuilder<ViolationRecordEntity> {
    const inScope = ownCentreCondition('v.centre_id', filter.scope);
    const query = this.em
      .createQueryBuilder(ViolationRecordEntity, 'v')
      .where(inScope.sql, inScope.params);
    if (filter.from) query.andWhere('v.captured_at >= :from', { from: filter.from });
    if (filter.to) query.andWhere('v.captured_at < :to', { to: filter.to });
    if (filter.districtId)
      query.andWhere('v.district_id = :district', { district: filter.districtId });
    if (filter.centreId) query.andWhere('v.centre_id = :centre', { centre: filter.centreId });
    if (filter.cameraId) query.andWhere('v.camera_id = :camera', { camera: filter.cameraId });
    if (filter.code) query.andWhere('v.code = :code', { code: filter.code });
    if (filter.plate) query.andWhere('v.plate = :plate', { plate: filter.plate });
    return query;
  }
}

import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import { CameraEntity, DistrictEntity, OperationsCentreEntity } from '@kuzet/persistence';
import { EntityManager } from 'typeorm';

export interface CameraLocation {
  readonly cameraId: string;
  readonly districtId: string;
  readonly centreId: string;
  /** The main centre above a district centre, which also sees its alerts. */
  readonly parentCentreId: string | null;
  readonly status: CameraEntity['status'];
}

export interface CameraFilter {
  readonly districtId?: string;
  readonly centreId?: string;
  readonly afterId?: string;
  readonly limit: number;
}

export type CameraRow = Pick<
  CameraEntity,
  'id' | 'name' | 'districtId' | 'centreId' | 'latitude' | 'longitude' | 'address' | 'status'
> &
  Partial<
    Pick<
      CameraEntity,
      'deviceId' | 'deviceChannel' | 'connected' | 'kind' | 'silentAfterSeconds' | 'minFacePx'
    >
  >;
export type CentreRow = Pick<OperationsCentreEntity, 'id' | 'name' | 'kind' | 'parentCentreId'>;
export type DistrictRow = Pick<DistrictEntity, 'id' | 'name' | 'centreId'> &
  Partial<Pick<DistrictEntity, 'camerasTotal'>>;

/** All SQL of the camera registry: centres, districts, cameras. */
@Injectable()
export class CameraRegistryRepository {
  constructor(@InjectEntityManager() private readonly em: EntityManager) {}

  transaction<T>(
    work: (repository: CameraRegistryRepository, manager: EntityManager) => Promise<T>,
  ): Promise<T> {
    return this.em.transaction((manager) => work(new CameraRegistryRepository(manager), manager));
  }

  listCentres(): Promise<OperationsCentreEntity[]> {
    return this.em.find(OperationsCentreEntity, { order: { id: 'ASC' } });
  }

  findCentre(id: string): Promise<OperationsCentreEntity | null> {
    return this.em.findOneBy(OperationsCentreEntity, { id });
  }

  /** Inside a transaction: the row as it is before a change, locked so that a concurrent change
   * waits and the audit entry's "before" is the one this change replaced. */
  lockCentre(id: string): Promise<OperationsCentreEntity | null> {
    return this.em.findOne(OperationsCentreEntity, {
      where: { id },
      lock: { mode: 'pessimistic_write' },
    });
  }

  async upsertCentres(rows: readonly CentreRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.em.upsert(OperationsCentreEntity, [...rows], ['id']);
  }

  listDistricts(): Promise<DistrictEntity[]> {
    return this.em.find(DistrictEntity, { order: { id: 'ASC' } });
  }

  findDistrict(id: string): Promise<DistrictEntity | null> {
    return this.em.findOneBy(DistrictEntity, { id });
  }

  lockDistrict(id: string): Promise<DistrictEntity | null> {
    return this.em.findOne(DistrictEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  async setDistrictTotal(id: string, camerasTotal: number | null): Promise<void> {
    await this.em.update(DistrictEntity, { id }, { camerasTotal });
  }

  async upsertDistricts(rows: readonly DistrictRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.em.upsert(DistrictEntity, [...rows], ['id']);
  }

  listCameras(filter: CameraFilter): Promise<CameraEntity[]> {
    const query = this.em
      .createQueryBuilder(CameraEntity, 'camera')
      .orderBy('camera.id', 'ASC')
      .limit(filter.limit);
    if (filter.districtId) query.andWhere('camera.district_id = :d', { d: filter.districtId });
    if (filter.centreId) query.andWhere('camera.centre_id = :c', { c: filter.centreId });
    if (filter.afterId) query.andWhere('camera.id > :after', { after: filter.afterId });
    return query.getMany();
  }

  /** Cameras named in a scope or in one of its districts, by id, a page at a time. */
  listCamerasInScope(
    cameraIds: readonly string[],
    districtIds: readonly string[],
    afterId: string | undefined,
    limit: number,
  ): Promise<CameraEntity[]> {
    const query = this.em
      .createQueryBuilder(CameraEntity, 'camera')
      .where('(camera.id = ANY(:ids) OR camera.district_id = ANY(:districts))', {
        ids: [...cameraIds],
        districts: [...districtIds],
      })
      .orderBy('camera.id', 'ASC')
      .limit(limit);
    if (afterId) query.andWhere('camera.id > :after', { after: afterId });
    return query.getMany();
  }

  findCamera(id: string): Promise<CameraEntity | null> {
    return this.em.findOneBy(CameraEntity, { id });
  }

  lockCamera(id: string): Promise<CameraEntity | null> {
    return this.em.findOne(CameraEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  async insertCamera(row: CameraRow): Promise<boolean> {
    const result = await this.em
      .createQueryBuilder()
      .insert()
      .into(CameraEntity)
      .values(row)
      .orIgnore()
      .returning('id')
      .execute();
    return result.raw.length > 0;
  }

  async updateCamera(id: string, patch: Partial<Omit<CameraRow, 'id'>>): Promise<void> {
    await this.em.update(CameraEntity, { id }, { ...patch, updatedAt: new Date() });
  }

  async upsertCameras(rows: readonly CameraRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.em.upsert(CameraEntity, [...rows], ['id']);
  }

  /** The camera a device's channel is, under any of the device's ids. */
  async cameraOfDevice(deviceIds: readonly string[], channel: number): Promise<string | null> {
    if (deviceIds.length === 0) return null;
    const rows = await this.em.query<{ id: string }[]>(
      `SELECT id FROM camera WHERE device_id = ANY($1::text[]) AND device_channel = $2
        ORDER BY array_position($1::text[], device_id) LIMIT 1`,
      [[...deviceIds], channel],
    );
    return rows[0]?.id ?? null;
  }

  /** Never moves last_seen_at backwards. */
  async markSeen(cameraId: string, at: Date): Promise<void> {
    await this.em.query(
      `UPDATE camera SET last_seen_at = $2 WHERE id = $1 AND (last_seen_at IS NULL OR last_seen_at < $2)`,
      [cameraId, at],
    );
  }

  async locateCameras(ids: readonly string[]): Promise<CameraLocation[]> {
    if (ids.length === 0) return [];
    const rows = await this.em.query<
      {
        id: string;
        district_id: string;
        centre_id: string;
        parent_centre_id: string | null;
        status: CameraEntity['status'];
      }[]
    >(
      `SELECT camera.id, camera.district_id, camera.centre_id, centre.parent_centre_id, camera.status
         FROM camera JOIN operations_centre centre ON centre.id = camera.centre_id
        WHERE camera.id = ANY($1::text[])`,
      [[...ids]],
    );
    return rows.map((r) => ({
      cameraId: r.id,
      districtId: r.district_id,
      centreId: r.centre_id,
      parentCentreId: r.parent_centre_id,
      status: r.status,
    }));
  }
}

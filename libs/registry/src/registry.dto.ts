import { CameraEntity, DistrictEntity, OperationsCentreEntity } from '@kuzet/persistence';

export interface CentreDto {
  id: string;
  name: string;
  kind: 'main' | 'district';
  parent_centre_id: string | null;
}

export interface DistrictDto {
  id: string;
  name: string;
  centre_id: string;
}

export interface CameraDto {
  id: string;
  name: string;
  district_id: string;
  centre_id: string;
  latitude: number | null;
  longitude: number | null;
  address: string | null;
  status: 'active' | 'retired';
  updated_at: string;
}

export interface CameraPageDto {
  cameras: CameraDto[];
  /** Pass as `after` to read the next page; null on the last page. */
  next_after: string | null;
}

export interface RegionLoadSummary {
  centres: number;
  districts: number;
  cameras: number;
}

export function toCentreDto(c: OperationsCentreEntity): CentreDto {
  return { id: c.id, name: c.name, kind: c.kind, parent_centre_id: c.parentCentreId };
}

export function toDistrictDto(d: DistrictEntity): DistrictDto {
  return { id: d.id, name: d.name, centre_id: d.centreId };
}

export function toCameraDto(c: CameraEntity): CameraDto {
  return {
    id: c.id,
    name: c.name,
    district_id: c.districtId,
    centre_id: c.centreId,
    latitude: c.latitude,
    longitude: c.longitude,
    address: c.address,
    status: c.status,
    updated_at: c.updatedAt.toISOString(),
  };
}

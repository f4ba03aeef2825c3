import { pageSchema } from '@kuzet/http';
import { z } from 'zod';
import { CameraEntity, DistrictEntity, OperationsCentreEntity } from '@kuzet/persistence';

export const centreDtoSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: z.enum(['main', 'district']),
    parent_centre_id: z.string().nullable(),
  })
  .meta({ id: 'Centre' });
export type CentreDto = z.infer<typeof centreDtoSchema>;

export const districtDtoSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    centre_id: z.string(),
    cameras_total: z
      .number()
      .int()
      .nullable()
      .describe('all cameras of the district where only a total is known; null: as registered'),
  })
  .meta({ id: 'District' });
export type DistrictDto = z.infer<typeof districtDtoSchema>;

export const cameraDtoSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    district_id: z.string(),
    centre_id: z.string(),
    latitude: z.number().nullable(),
    longitude: z.number().nullable(),
    address: z.string().nullable(),
    status: z.enum(['active', 'retired']),
    connected: z.boolean().describe('connected to an operations centre (false: installed only)'),
    kind: z.enum(['camera', 'sos_button', 'badge']),
    device_id: z.string().nullable(),
    device_channel: z.number().int().nullable(),
    silent_after_seconds: z
      .number()
      .int()
      .nullable()
      .describe(
        "silent longer than this the camera is offline (null: its kind's or the global interval)",
      ),
    min_face_px: z
      .number()
      .int()
      .nullable()
      .describe("the smallest face (pixels) looked for in the camera's frames (null: the default)"),
    updated_at: z.iso.datetime(),
  })
  .meta({ id: 'Camera' });
export type CameraDto = z.infer<typeof cameraDtoSchema>;

export const cameraPageDtoSchema = z
  .object({
    cameras: z.array(cameraDtoSchema),
    next_after: z
      .string()
      .nullable()
      .describe('pass as `after` to read the next page; null on the last page'),
  })
  .meta({ id: 'CameraPage' });
export type CameraPageDto = z.infer<typeof cameraPageDtoSchema>;

export const centreListSchema = pageSchema(centreDtoSchema).meta({ id: 'CentreList' });
export const districtListSchema = pageSchema(districtDtoSchema).meta({ id: 'DistrictList' });
export const cameraListSchema = pageSchema(cameraDtoSchema).meta({ id: 'CameraList' });

export interface RegionLoadSummary {
  centres: number;
  districts: number;
  cameras: number;
}

export function toCentreDto(
  c: Pick<OperationsCentreEntity, 'id' | 'name' | 'kind' | 'parentCentreId'>,
): CentreDto {
  return { id: c.id, name: c.name, kind: c.kind, parent_centre_id: c.parentCentreId };
}

export function toDistrictDto(d: DistrictEntity): DistrictDto {
  return { id: d.id, name: d.name, centre_id: d.centreId, cameras_total: d.camerasTotal ?? null };
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
    connected: c.connected ?? true,
    kind: c.kind ?? 'camera',
    device_id: c.deviceId,
    device_channel: c.deviceChannel,
    silent_after_seconds: c.silentAfterSeconds ?? null,
    min_face_px: c.minFacePx ?? null,
    updated_at: c.updatedAt.toISOString(),
  };
}

export const centreAnalyticsDtoSchema = z
  .object({ centre_id: z.string(), off: z.array(z.string()) })
  .meta({ id: 'CentreAnalytics' });
export type CentreAnalyticsDto = z.infer<typeof centreAnalyticsDtoSchema>;

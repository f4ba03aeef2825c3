import { z } from 'zod';
import { DataSource } from 'typeorm';

export const vehicleAlertDetailSchema = z
  .object({
    plateRead: z.string(),
    plateNormalised: z.string(),
    plateListed: z.string(),
    matchKind: z.string(),
    position: z.number().nullable(),
    confidence: z.number(),
    direction: z.string().nullable(),
    hasPlateCrop: z.boolean(),
    hasOverview: z.boolean(),
    entry: z
      .object({
        id: z.string(),
        listName: z.string(),
        category: z.string(),
        caseReference: z.string().nullable(),
        description: z.string().nullable(),
      })
      .readonly()
      .nullable(),
    /** The car's last sightings on lists, newest first, with the camera's position. */
    lastSightings: z
      .array(
        z
          .object({
            cameraId: z.string(),
            seenAt: z.iso.datetime(),
            latitude: z.number().nullable(),
            longitude: z.number().nullable(),
          })
          .readonly(),
      )
      .readonly(),
  })
  .readonly()
  .meta({ id: 'VehicleAlertDetail' });
export type VehicleAlertDetail = z.infer<typeof vehicleAlertDetailSchema>;

/** What an operator needs beside a vehicle hit: the read, the list entry and where the car was
 * seen before. Plain data and codes (matchKind, direction), no prose. */
export async function vehicleAlertDetail(
  dataSource: DataSource,
  hitId: string,
): Promise<VehicleAlertDetail | null> {
  const [hit] = await dataSource.query<
    {
      plate_read: string;
      plate_normalised: string;
      plate_listed: string;
      match_kind: string;
      position: number | null;
      confidence: number;
      direction: string | null;
      plate_crop_ref: string | null;
      overview_ref: string | null;
      entry_id: string;
      list_name: string | null;
      category: string | null;
      case_reference: string | null;
      description: string | null;
    }[]
  >(
    `SELECT h.*, l.name AS list_name, l.category, e.case_reference, e.description
     FROM vehicle_hit h
     LEFT JOIN vehicle_list_entry e ON e.id = h.entry_id
     LEFT JOIN vehicle_list l ON l.id = h.list_id
     WHERE h.id = $1`,
    [hitId],
  );
  if (!hit) return null;
  const sightings = await dataSource.query<
    { camera_id: string; seen_at: Date; latitude: number | null; longitude: number | null }[]
  >(
    `SELECT h.camera_id, h.last_seen_at AS seen_at, c.latitude, c.longitude
     FROM vehicle_hit h LEFT JOIN camera c ON c.id = h.camera_id
     WHERE h.plate_listed = $1 ORDER BY h.last_seen_at DESC LIMIT 10`,
    [hit.plate_listed],
  );
  return {
    plateRead: hit.plate_read,
    plateNormalised: hit.plate_normalised,
    plateListed: hit.plate_listed,
    matchKind: hit.match_kind,
    position: hit.position,
    confidence: hit.confidence,
    direction: hit.direction,
    hasPlateCrop: hit.plate_crop_ref?.startsWith('pg:') ?? false,
    hasOverview: hit.overview_ref?.startsWith('pg:') ?? false,
    entry: hit.list_name
      ? {
          id: hit.entry_id,
          listName: hit.list_name,
          category: hit.category ?? '',
          caseReference: hit.case_reference,
          description: hit.description,
        }
      : null,
    lastSightings: sightings.map((s) => ({
      cameraId: s.camera_id,
      seenAt: s.seen_at.toISOString(),
      latitude: s.latitude,
      longitude: s.longitude,
    })),
  };
}

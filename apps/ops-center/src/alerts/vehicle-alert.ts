import { DataSource } from 'typeorm';

export interface VehicleAlertDetail {
  readonly plateRead: string;
  readonly plateNormalised: string;
  readonly plateListed: string;
  readonly matchKind: string;
  readonly position: number | null;
  readonly confidence: number;
  readonly direction: string | null;
  readonly hasPlateCrop: boolean;
  readonly hasOverview: boolean;
  readonly entry: {
    readonly id: string;
    readonly listName: string;
    readonly category: string;
    readonly caseReference: string | null;
    readonly description: string | null;
  } | null;
  /** The car's last sightings on lists, newest first, with the camera's position. */
  readonly lastSightings: readonly {
    readonly cameraId: string;
    readonly seenAt: string;
    readonly latitude: number | null;
    readonly longitude: number | null;
  }[];
}

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

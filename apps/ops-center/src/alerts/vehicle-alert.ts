import { z } from 'zod';
import { DataSource } from 'typeorm';
import { isEvidenceRef } from '@kuzet/evidence';
import { cursorInstant, isUuid, RequestValidationException } from '@kuzet/http';

/** One read of the car from plate_read (kept PLATE_READ_RETENTION_DAYS), with its camera. */
export const vehicleReadSchema = z
  .object({
    event_id: z.uuid(),
    read_at: z.iso.datetime(),
    plate_read: z.string(),
    plate_normalised: z.string(),
    confidence: z.number(),
    direction: z.number().int().describe('kuzet.v1.VehicleDirection (0: unspecified)'),
    camera_id: z.string(),
    camera_name: z.string().nullable(),
    latitude: z.number().nullable(),
    longitude: z.number().nullable(),
  })
  .readonly()
  .meta({ id: 'VehicleRead' });
export type VehicleRead = z.infer<typeof vehicleReadSchema>;

export const vehicleReadPageSchema = z
  .object({
    items: z.array(vehicleReadSchema).readonly(),
    next_cursor: z.string().nullable().describe('pass as cursor for the older reads; null: none'),
  })
  .readonly()
  .meta({ id: 'VehicleReadPage' });
export type VehicleReadPage = z.infer<typeof vehicleReadPageSchema>;

export const vehicleReadPageRequestSchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(10),
  cursor: z.string().max(200).optional(),
});
export type VehicleReadPageRequest = z.infer<typeof vehicleReadPageRequestSchema>;

export const vehicleAlertDetailSchema = z
  .object({
    plate_read: z.string(),
    plate_normalised: z.string(),
    plate_listed: z.string(),
    confidence: z.number(),
    direction: z.string().nullable(),
    has_plate_crop: z.boolean(),
    has_overview: z.boolean(),
    entry: z
      .object({
        id: z.string(),
        list_name: z.string(),
        category: z.string(),
        case_reference: z.string().nullable(),
        description: z.string().nullable(),
        list_id: z.uuid(),
        priority: z.number().int(),
        plate_as_listed: z.string(),
        expires_at: z.iso.datetime().nullable(),
      })
      .readonly()
      .nullable(),
    /** The car's last sightings on lists, newest first, with the camera's position. */
    last_sightings: z
      .array(
        z
          .object({
            camera_id: z.string(),
            seen_at: z.iso.datetime(),
            latitude: z.number().nullable(),
            longitude: z.number().nullable(),
          })
          .readonly(),
      )
      .readonly(),
    match_kind: z.enum(['exact', 'confusion', 'edit']),
    match_position: z
      .number()
      .int()
      .nullable()
      .describe('0-based position, in the listed plate, of the confused or edited character'),
    lane: z.number().int().nullable(),
    speed_kmh: z.number().nullable(),
    vehicle_type: z.string().nullable().describe('kuzet.v1.VehicleType name, as the camera said'),
    vehicle_colour: z.string().nullable(),
    vehicle_make: z.string().nullable(),
    camera: z
      .object({
        id: z.string(),
        name: z.string().nullable(),
        latitude: z.number().nullable(),
        longitude: z.number().nullable(),
      })
      .readonly(),
    plate_crop_url: z
      .string()
      .nullable()
      .describe(
        'GET it for the JPEG (audited; 404 once purged after EVIDENCE_RETENTION_DAYS); null: none stored',
      ),
    overview_url: z.string().nullable(),
    plate_crop_ref: z.string().nullable().describe('as stored: kuzet evidence or the camera’s'),
    overview_ref: z.string().nullable(),
    recent_reads: vehicleReadPageSchema.describe(
      'the listed plate’s newest reads within PLATE_READ_RETENTION_DAYS; more through GET /v1/alerts/{id}/vehicle-reads',
    ),
  })
  .readonly()
  .meta({ id: 'VehicleAlertDetail' });
export type VehicleAlertDetail = z.infer<typeof vehicleAlertDetailSchema>;

interface HitRow {
  camera_id: string;
  plate_read: string;
  plate_normalised: string;
  plate_listed: string;
  match_kind: 'exact' | 'confusion' | 'edit';
  position: number | null;
  confidence: number;
  direction: string | null;
  lane: number | null;
  speed_kmh: number | null;
  vehicle_type: string | null;
  vehicle_colour: string | null;
  vehicle_make: string | null;
  plate_crop_ref: string | null;
  overview_ref: string | null;
  entry_id: string;
  list_id: string;
  list_name: string | null;
  category: string | null;
  priority: number | null;
  case_reference: string | null;
  description: string | null;
  plate_as_listed: string | null;
  entry_expires_at: Date | null;
  camera_name: string | null;
  latitude: number | null;
  longitude: number | null;
}

async function hitRow(dataSource: DataSource, hitId: string): Promise<HitRow | null> {
  const [hit] = await dataSource.query<HitRow[]>(
    `SELECT h.*, l.name AS list_name, l.category, l.priority, e.case_reference, e.description,
       e.plate_as_listed, e.expires_at AS entry_expires_at,
       c.name AS camera_name, c.latitude, c.longitude
     FROM vehicle_hit h
     LEFT JOIN vehicle_list_entry e ON e.id = h.entry_id
     LEFT JOIN vehicle_list l ON l.id = h.list_id
     LEFT JOIN camera c ON c.id = h.camera_id
     WHERE h.id = $1`,
    [hitId],
  );
  return hit ?? null;
}

/** The stored images of a vehicle hit (kuzet evidence refs only; a camera's own reference
 * cannot be fetched). */
export async function vehicleImageRef(
  dataSource: DataSource,
  hitId: string,
  image: 'plate-crop' | 'overview',
): Promise<string | null> {
  const hit = await hitRow(dataSource, hitId);
  const ref = image === 'plate-crop' ? hit?.plate_crop_ref : hit?.overview_ref;
  return isEvidenceRef(ref) ? ref! : null;
}

function encodeCursor(read: { read_at: Date; event_id: string }): string {
  return Buffer.from(`${read.read_at.toISOString()}|${read.event_id}`).toString('base64url');
}

function decodeCursor(text: string): { readAt: Date; eventId: string } {
  const [at, eventId] = Buffer.from(text, 'base64url').toString('utf8').split('|');
  const readAt = cursorInstant(at ?? '');
  if (readAt === null || !isUuid(eventId ?? ''))
    throw new RequestValidationException([
      { field: 'cursor', rule: 'cursor', message: 'not a next_cursor of this API' },
    ]);
  return { readAt, eventId: eventId! };
}

/** The listed plate's reads in plate_read, newest first, `limit` at a time. Only the listed
 * plate: reads of the plate as read, when it differs (a confusion or edit match), may be another
 * car on no list, whose history only a supervisor with a reason may see (GET /v1/vehicles/route). */
export async function vehicleReads(
  dataSource: DataSource,
  plate: string,
  request: VehicleReadPageRequest,
): Promise<VehicleReadPage> {
  const after = request.cursor ? decodeCursor(request.cursor) : null;
  const rows = await dataSource.query<
    {
      event_id: string;
      read_at: Date;
      plate_read: string;
      plate_normalised: string;
      confidence: number;
      direction: number;
      camera_id: string;
      name: string | null;
      latitude: number | null;
      longitude: number | null;
    }[]
  >(
    `SELECT r.event_id, r.read_at, r.plate_read, r.plate_normalised, r.confidence, r.direction,
       r.camera_id, c.name, c.latitude, c.longitude
     FROM plate_read r LEFT JOIN camera c ON c.id = r.camera_id
     WHERE r.plate_normalised = $1
       AND ($2::timestamptz IS NULL OR (r.read_at, r.event_id) < ($2::timestamptz, $3::uuid))
     ORDER BY r.read_at DESC, r.event_id DESC LIMIT $4`,
    [plate, after?.readAt ?? null, after?.eventId ?? null, request.limit + 1],
  );
  const page = rows.slice(0, request.limit);
  return {
    items: page.map((r) => ({
      event_id: r.event_id,
      read_at: r.read_at.toISOString(),
      plate_read: r.plate_read,
      plate_normalised: r.plate_normalised,
      confidence: r.confidence,
      direction: r.direction,
      camera_id: r.camera_id,
      camera_name: r.name,
      latitude: r.latitude,
      longitude: r.longitude,
    })),
    next_cursor: rows.length > request.limit ? encodeCursor(page[page.length - 1]!) : null,
  };
}

/** The listed plate of a vehicle hit, or null when the alert is no vehicle hit. */
export async function vehicleHitPlate(
  dataSource: DataSource,
  hitId: string,
): Promise<string | null> {
  return (await hitRow(dataSource, hitId))?.plate_listed ?? null;
}

/** What an operator needs beside a vehicle hit: the read, the list entry, the camera, the
 * images and where the car was seen before. Plain data and codes (match_kind, direction), no
 * prose. */
export async function vehicleAlertDetail(
  dataSource: DataSource,
  hitId: string,
): Promise<VehicleAlertDetail | null> {
  const hit = await hitRow(dataSource, hitId);
  if (!hit) return null;
  const [sightings, recent] = await Promise.all([
    dataSource.query<
      { camera_id: string; seen_at: Date; latitude: number | null; longitude: number | null }[]
    >(
      `SELECT h.camera_id, h.last_seen_at AS seen_at, c.latitude, c.longitude
       FROM vehicle_hit h LEFT JOIN camera c ON c.id = h.camera_id
       WHERE h.plate_listed = $1 ORDER BY h.last_seen_at DESC LIMIT 10`,
      [hit.plate_listed],
    ),
    vehicleReads(dataSource, hit.plate_listed, { limit: 10 }),
  ]);
  const crop = isEvidenceRef(hit.plate_crop_ref);
  const overview = isEvidenceRef(hit.overview_ref);
  return {
    plate_read: hit.plate_read,
    plate_normalised: hit.plate_normalised,
    plate_listed: hit.plate_listed,
    confidence: hit.confidence,
    direction: hit.direction,
    has_plate_crop: crop,
    has_overview: overview,
    entry: hit.list_name
      ? {
          id: hit.entry_id,
          list_name: hit.list_name,
          category: hit.category ?? '',
          case_reference: hit.case_reference,
          description: hit.description,
          list_id: hit.list_id,
          priority: hit.priority ?? 0,
          plate_as_listed: hit.plate_as_listed ?? hit.plate_listed,
          expires_at: hit.entry_expires_at?.toISOString() ?? null,
        }
      : null,
    last_sightings: sightings.map((s) => ({
      camera_id: s.camera_id,
      seen_at: s.seen_at.toISOString(),
      latitude: s.latitude,
      longitude: s.longitude,
    })),
    match_kind: hit.match_kind,
    match_position: hit.position,
    lane: hit.lane,
    speed_kmh: hit.speed_kmh,
    vehicle_type: hit.vehicle_type,
    vehicle_colour: hit.vehicle_colour,
    vehicle_make: hit.vehicle_make,
    camera: {
      id: hit.camera_id,
      name: hit.camera_name,
      latitude: hit.latitude,
      longitude: hit.longitude,
    },
    plate_crop_url: crop ? `/v1/alerts/${hitId}/plate-crop` : null,
    overview_url: overview ? `/v1/alerts/${hitId}/overview` : null,
    plate_crop_ref: hit.plate_crop_ref,
    overview_ref: hit.overview_ref,
    recent_reads: recent,
  };
}

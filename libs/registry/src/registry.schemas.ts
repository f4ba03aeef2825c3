import { pageQueryShape } from '@kuzet/http';
import { z } from 'zod';

/** MACs compare as lowercase with colons; serials and IPs as given (trimmed). */
export function normaliseDeviceId(id: string): string {
  const mac =
    /^([0-9a-f]{2})[:-]?([0-9a-f]{2})[:-]?([0-9a-f]{2})[:-]?([0-9a-f]{2})[:-]?([0-9a-f]{2})[:-]?([0-9a-f]{2})$/i.exec(
      id,
    );
  return mac ? mac.slice(1).join(':').toLowerCase() : id;
}

/** The same charset the contracts require of CameraEvent.camera_id. */
export const cameraIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/, 'camera ids are 1..128 of [A-Za-z0-9._:@-]');

/** Centre and district ids are short lowercase slugs. */
export const slugSchema = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{0,63}$/,
    'ids are 1..64 of [a-z0-9-], starting with a letter or digit',
  );

const nameSchema = z.string().trim().min(1).max(200);

export const centreSchema = z.strictObject({
  id: slugSchema,
  name: nameSchema,
  kind: z.enum(['main', 'district']),
  parent_centre_id: slugSchema.nullish(),
});
export type CentreInput = z.infer<typeof centreSchema>;

export const districtSchema = z.strictObject({
  id: slugSchema,
  name: nameSchema,
  centre_id: slugSchema,
  /** All cameras of the district where only a total is known. */
  cameras_total: z.number().int().min(0).max(10_000_000).nullish(),
});
export type DistrictInput = z.infer<typeof districtSchema>;

const cameraDescription = {
  name: nameSchema,
  /** Defaults to the district's centre. */
  centre_id: slugSchema.optional(),
  latitude: z.number().min(-90).max(90).nullish(),
  longitude: z.number().min(-180).max(180).nullish(),
  address: z.string().trim().min(1).max(500).nullish(),
  status: z.enum(['active', 'retired']).optional(),
  /** Connected to an operations centre (default true); false: installed, not connected. */
  connected: z.boolean().optional(),
  /** camera (default), sos_button (an alarm button in a public place) or badge (an officer's
   * smart badge: asks POST /v1/devices/identify; its district names the officer's centre) */
  kind: z.enum(['camera', 'sos_button', 'badge']).optional(),
  /** A device pushing its own format: serial, MAC or IP; with device_channel, or both null. */
  device_id: z.string().trim().min(1).max(128).transform(normaliseDeviceId).nullish(),
  device_channel: z.number().int().min(1).max(4096).nullish(),
  /** Silent longer than this (seconds), the camera is offline; null: its kind's interval or the
   * global one. At least 15 s: a camera's sign of life is written at most every 10 s. */
  silent_after_seconds: z.number().int().min(15).max(604_800).nullish(),
  /** The smallest face (pixels) the matcher looks for in this camera's scene frames; null: the
   * face engine's default. Larger is cheaper where faces are close to the lens. */
  min_face_px: z.number().int().min(16).max(4096).nullish(),
};
const cameraFields = { ...cameraDescription, district_id: slugSchema };
/** A region file's camera: min_face_px is tuned per camera through the API or the CSV import,
 * never reset by a region file loaded at every start. */
const { min_face_px: _minFacePx, ...regionCameraDescription } = cameraDescription;

export const createCameraSchema = z.strictObject({ id: cameraIdSchema, ...cameraFields });
export type CreateCameraInput = z.infer<typeof createCameraSchema>;

export const updateCameraSchema = z
  .strictObject(cameraFields)
  .partial()
  .refine((patch) => Object.keys(patch).length > 0, 'at least one field must be given');
export type UpdateCameraInput = z.infer<typeof updateCameraSchema>;

export const cameraQuerySchema = z.strictObject({
  district_id: slugSchema.optional(),
  centre_id: slugSchema.optional(),
  /** Keyset paging: the last camera id of the previous page. */
  after: cameraIdSchema.meta({ description: 'next_after of the previous page' }).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export type CameraQuery = z.infer<typeof cameraQuerySchema>;

/** GET /v1/cameras (staff): the filters, and the staff API's paging (docs/api-conventions.md).
 * The integrator's GET /v1/integrator/cameras keeps `after` (cameraQuerySchema). */
export const staffCameraQuerySchema = z.strictObject({
  district_id: slugSchema.optional(),
  centre_id: slugSchema.optional(),
  ...pageQueryShape,
});
export type StaffCameraQuery = z.infer<typeof staffCameraQuerySchema>;

/** deploy/config/region.yaml: centres, each with its districts, each with its cameras. */
export const regionFileSchema = z.strictObject({
  centres: z
    .array(
      z.strictObject({
        id: slugSchema,
        name: nameSchema,
        kind: z.enum(['main', 'district']),
        parent: slugSchema.optional(),
        districts: z
          .array(
            z.strictObject({
              id: slugSchema,
              name: nameSchema,
              cameras_total: z.number().int().min(0).max(10_000_000).optional(),
              cameras: z
                .array(z.strictObject({ id: cameraIdSchema, ...regionCameraDescription }))
                .default([]),
            }),
          )
          .default([]),
      }),
    )
    .min(1),
});
export type RegionFile = z.infer<typeof regionFileSchema>;

/** Analytics detection types a centre may turn off (`other`: the types kuzet does not name). */
export const ANALYTICS_SWITCH_TYPES = [
  'illegal_dumping',
  'crowd',
  'loitering',
  'abandoned_object',
  'line_crossing',
  'intrusion',
  'other',
] as const;
export type AnalyticsSwitchType = (typeof ANALYTICS_SWITCH_TYPES)[number];

export const centreAnalyticsSchema = z.strictObject({
  off: z.array(z.enum(ANALYTICS_SWITCH_TYPES)).max(ANALYTICS_SWITCH_TYPES.length),
});
export type CentreAnalyticsInput = z.infer<typeof centreAnalyticsSchema>;

import { z } from 'zod';
import { pageQueryShape, pageSchema } from '@kuzet/http';

/** Features (clusters and cameras) in one answer at most; past it `truncated` is true. */
export const CAMERA_MAP_MAX_ITEMS = 2000;
/** Cluster radius in screen pixels, and the zoom above which every camera stands alone. */
export const CLUSTER_RADIUS_PX = 60;
export const CLUSTER_MAX_ZOOM = 16;
/** The widest view asked for at a zoom: 16 tiles of 256 px (a 4096 px screen) each way. */
const MAX_VIEW_TILES = 16;

/** The widest box (in degrees of longitude, and the same of latitude) a view at `zoom` covers. */
export function maxSpanAt(zoom: number): number {
  return Math.min(360, (360 / 2 ** Math.floor(zoom)) * MAX_VIEW_TILES);
}

const degrees = (min: number, max: number, what: string) =>
  z.coerce
    .number()
    .min(min)
    .max(max)
    .meta({ description: `${what}, degrees (WGS 84)` });

/** The box's rules only once each edge is a number in range: one error per bad field. */
const fieldsValid = (payload: { issues: readonly unknown[] }) => payload.issues.length === 0;

export const cameraMapQuerySchema = z
  .strictObject({
    west: degrees(-180, 180, "the view's western edge"),
    south: degrees(-90, 90, "the view's southern edge"),
    east: degrees(-180, 180, "the view's eastern edge"),
    north: degrees(-90, 90, "the view's northern edge"),
    zoom: z.coerce
      .number()
      .min(0)
      .max(22)
      .meta({ description: "the map's zoom (Web Mercator, fractions taken down)" }),
  })
  .refine((q) => q.west < q.east, {
    path: ['east'],
    message: 'east must be east of west',
    params: { rule: 'east_of_west' },
    when: fieldsValid,
  })
  .refine((q) => q.south < q.north, {
    path: ['north'],
    message: 'north must be north of south',
    params: { rule: 'north_of_south' },
    when: fieldsValid,
  })
  .refine((q) => q.east - q.west <= maxSpanAt(q.zoom) && q.north - q.south <= maxSpanAt(q.zoom), {
    path: ['zoom'],
    message: `the box is wider than a view at this zoom (${MAX_VIEW_TILES} tiles each way): zoom out or ask for a smaller box`,
    params: { rule: 'box_too_large_for_zoom' },
    when: fieldsValid,
  });
export type CameraMapQuery = z.infer<typeof cameraMapQuerySchema>;

export const mapClusterSchema = z
  .object({
    latitude: z.number(),
    longitude: z.number(),
    count: z.number().int().describe('cameras in the cluster'),
    flagged: z
      .number()
      .int()
      .describe("of them, outside their district's bundled (approximate) outline"),
    expansion_zoom: z.number().int().describe('the zoom at which the cluster breaks up'),
  })
  .meta({ id: 'CameraMapCluster' });
export type MapCluster = z.infer<typeof mapClusterSchema>;

export const mapCameraSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    district_id: z.string(),
    district_name: z.string(),
    kind: z.enum(['camera', 'sos_button']),
    latitude: z.number(),
    longitude: z.number(),
    outside_district: z
      .boolean()
      .describe(
        "outside its district's bundled outline (approximate: a camera to check, not proven misplaced); false where the bundle has no outline for the district",
      ),
  })
  .meta({ id: 'CameraMapCamera' });
export type MapCamera = z.infer<typeof mapCameraSchema>;

export const cameraMapSchema = z
  .object({
    zoom: z.number().int().describe('the zoom the clusters were made for'),
    clusters: z.array(mapClusterSchema),
    cameras: z.array(mapCameraSchema),
    truncated: z
      .boolean()
      .describe(`more than ${CAMERA_MAP_MAX_ITEMS} clusters and cameras in the box: some left out`),
    in_scope: z.number().int().describe("the caller's cameras with a position, in all places"),
    without_position: z.number().int().describe("the caller's cameras the registry places nowhere"),
  })
  .meta({ id: 'CameraMap' });
export type CameraMap = z.infer<typeof cameraMapSchema>;

export const cameraPositionProblemsQuerySchema = z.strictObject(pageQueryShape);
export type CameraPositionProblemsQuery = z.infer<typeof cameraPositionProblemsQuerySchema>;

export const cameraPositionProblemSchema = z
  .object({
    camera_id: z.string(),
    camera_name: z.string(),
    district_id: z.string(),
    district_name: z.string(),
    latitude: z.number().nullable(),
    longitude: z.number().nullable(),
    problem: z.enum(['no_position', 'outside_district']),
  })
  .meta({ id: 'CameraPositionProblem' });
export type CameraPositionProblem = z.infer<typeof cameraPositionProblemSchema>;
export const cameraPositionProblemPageSchema = pageSchema(cameraPositionProblemSchema).meta({
  id: 'CameraPositionProblemPage',
});

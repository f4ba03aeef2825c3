import { z } from 'zod';
import { pageQueryShape, pageSchema } from '@kuzet/http';

export const cameraHealthQuerySchema = z.strictObject(pageQueryShape);
export type CameraHealthQuery = z.infer<typeof cameraHealthQuerySchema>;

/** A district's active connected cameras by liveness: online (an event or heartbeat within the silence
 * limit), offline (silent longer), never seen (nothing since registration). */
export const districtHealthSchema = z
  .object({
    district_id: z.string(),
    district_name: z.string(),
    centre_id: z.string(),
    online: z.number().int(),
    offline: z.number().int(),
    never_seen: z.number().int(),
  })
  .meta({ id: 'DistrictCameraHealth' });
export type DistrictHealth = z.infer<typeof districtHealthSchema>;
export const districtHealthPageSchema = pageSchema(districtHealthSchema).meta({
  id: 'DistrictCameraHealthPage',
});

/** An active connected camera silent beyond its interval (its own, its kind's or the global): its last event or heartbeat and since when. */
export const offlineCameraSchema = z
  .object({
    camera_id: z.string(),
    camera_name: z.string(),
    district_id: z.string(),
    district_name: z.string(),
    centre_id: z.string(),
    last_seen_at: z.iso.datetime(),
    silent_seconds: z.number().int(),
  })
  .meta({ id: 'OfflineCamera' });
export type OfflineCamera = z.infer<typeof offlineCameraSchema>;
export const offlineCameraPageSchema = pageSchema(offlineCameraSchema).meta({
  id: 'OfflineCameraPage',
});

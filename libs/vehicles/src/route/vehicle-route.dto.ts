import { z } from 'zod';
import { plateSchema } from '../lists/vehicle-list.dto';

export const MAX_ROUTE_SIGHTINGS = 1_000;

export const routeQuerySchema = z
  .object({
    plate: plateSchema.meta({ example: '777BOS12' }),
    from: z.iso.datetime({ offset: true }).meta({ example: '2026-12-01T00:00:00+05:00' }),
    to: z.iso.datetime({ offset: true }).meta({ example: '2026-12-08T00:00:00+05:00' }),
    reason: z
      .string()
      .trim()
      .min(1)
      .max(500)
      .optional()
      .describe('case number; required for a plate on no list, recorded on the audit log'),
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(MAX_ROUTE_SIGHTINGS)
      .default(500)
      .describe('the newest sightings kept, 1..1000'),
  })
  .refine((q) => Date.parse(q.from) < Date.parse(q.to), {
    path: ['from'],
    message: 'from_not_before_to',
  });
export type RouteQuery = z.infer<typeof routeQuerySchema>;

export const routeSightingSchema = z
  .object({
    event_id: z.uuid(),
    camera_id: z.string(),
    camera_name: z.string().nullable(),
    latitude: z.number().nullable(),
    longitude: z.number().nullable(),
    seen_at: z.iso.datetime({ offset: true }),
    direction: z
      .string()
      .describe("VehicleDirection code of the contract: 'APPROACHING', 'RECEDING', ..."),
    seconds_since_previous: z
      .number()
      .nullable()
      .describe('seconds since the previous sighting in this answer; null for the first'),
  })
  .meta({ id: 'RouteSighting' });
export type RouteSightingDto = z.infer<typeof routeSightingSchema>;

export const routeSchema = z
  .object({
    plate: z.string().describe('normalised'),
    on_list: z.boolean(),
    from: z.iso.datetime({ offset: true }),
    to: z.iso.datetime({ offset: true }),
    sightings: z
      .array(routeSightingSchema)
      .describe('oldest first: the newest `limit` sightings of the window'),
    truncated: z
      .boolean()
      .describe('the window held more sightings than `limit`: the oldest were left out'),
  })
  .meta({ id: 'VehicleRoute' });
export type RouteDto = z.infer<typeof routeSchema>;

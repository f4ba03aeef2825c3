import { z } from 'zod';
import { plateSchema } from '../lists/vehicle-list.dto';

export const MAX_ROUTE_SIGHTINGS = 1_000;

export const routeQuerySchema = z
  .object({
    plate: plateSchema,
    from: z.iso.datetime({ offset: true }),
    to: z.iso.datetime({ offset: true }),
    /** Why a car on no list is looked up (a case number); recorded on the audit log. */
    reason: z.string().trim().min(1).max(500).optional(),
    limit: z.coerce.number().int().min(1).max(MAX_ROUTE_SIGHTINGS).default(500),
  })
  .refine((q) => Date.parse(q.from) < Date.parse(q.to), {
    path: ['from'],
    message: 'from_not_before_to',
  });
export type RouteQuery = z.infer<typeof routeQuerySchema>;

export interface RouteSightingDto {
  readonly eventId: string;
  readonly cameraId: string;
  readonly cameraName: string | null;
  readonly latitude: number | null;
  readonly longitude: number | null;
  readonly seenAt: string;
  /** VehicleDirection code of the contract: 'APPROACHING', 'RECEDING', ... */
  readonly direction: string;
  /** Seconds since the previous sighting in this answer; null for the first. */
  readonly secondsSincePrevious: number | null;
}

export interface RouteDto {
  readonly plate: string;
  readonly onList: boolean;
  readonly from: string;
  readonly to: string;
  /** Oldest first: the newest `limit` sightings of the window. */
  readonly sightings: readonly RouteSightingDto[];
  /** The window held more sightings than `limit`: the oldest were left out. */
  readonly truncated: boolean;
}

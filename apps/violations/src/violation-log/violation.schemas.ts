import { VIOLATION_CODES } from '@kuzet/contracts';
import { z } from 'zod';

const timeZone = z
  .string()
  .refine(
    (tz) => tz === 'UTC' || Intl.supportedValuesOf('timeZone').includes(tz),
    'an IANA time zone such as Asia/Aqtau or UTC',
  );

const filters = {
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  district_id: z.string().min(1).max(64).optional(),
  centre_id: z.string().min(1).max(64).optional(),
  camera_id: z.string().min(1).max(128).optional(),
  code: z.enum(VIOLATION_CODES).optional(),
};

export const DIMENSIONS = ['district', 'code', 'day', 'month'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export const statsQuerySchema = z.strictObject({
  ...filters,
  group_by: z
    .string()
    .default('district')
    .transform((value) => value.split(',').map((d) => d.trim()))
    .pipe(
      z
        .array(z.enum(DIMENSIONS))
        .min(1)
        .refine((dims) => new Set(dims).size === dims.length, 'each dimension at most once')
        .refine(
          (dims) => !(dims.includes('day') && dims.includes('month')),
          'day or month, not both',
        ),
    ),
  /** Days and months are those of this time zone. */
  tz: timeZone.default('Asia/Aqtau'),
});
export type StatsQuery = z.infer<typeof statsQuerySchema>;

export const listQuerySchema = z
  .strictObject({
    ...filters,
    plate: z.string().min(1).max(16).optional(),
    /** Why this car's history is looked up: required with plate, recorded on the audit log. */
    reason: z.string().trim().min(1).max(500).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    /** next_cursor of the previous page. */
    cursor: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,200}$/)
      .optional(),
  })
  .refine((query) => query.plate === undefined || query.reason !== undefined, {
    path: ['reason'],
    message: 'a search by plate needs a stated reason',
  });
export type ListQuery = z.infer<typeof listQuerySchema>;

export interface ViolationDto {
  event_id: string;
  camera_id: string;
  district_id: string | null;
  centre_id: string | null;
  code: string;
  plate: string;
  measured_speed_kmh: number | null;
  limit_speed_kmh: number | null;
  evidence_ref: string;
  lane: number | null;
  source_id: string | null;
  captured_at: string;
  logged_at: string;
}

export interface ViolationPageDto {
  violations: ViolationDto[];
  /** Pass as `cursor` for the next page; null on the last page. */
  next_cursor: string | null;
}

export interface StatsRowDto {
  district_id?: string | null;
  code?: string;
  period?: string;
  count: number;
}

export interface StatsDto {
  group_by: Dimension[];
  tz: string;
  total: number;
  rows: StatsRowDto[];
}

import { VIOLATION_CODES } from '@kuzet/contracts';
import { z } from 'zod';

const timeZone = z
  .string()
  .refine(
    (tz) => tz === 'UTC' || Intl.supportedValuesOf('timeZone').includes(tz),
    'an IANA time zone such as Asia/Aqtau or UTC',
  );

const filters = {
  from: z.iso
    .datetime({ offset: true })
    .meta({ description: 'RFC 3339, inclusive', example: '2026-01-01T00:00:00+05:00' })
    .optional(),
  to: z.iso.datetime({ offset: true }).meta({ description: 'RFC 3339, exclusive' }).optional(),
  district_id: z.string().min(1).max(64).meta({ example: 'munaily' }).optional(),
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
    .meta({
      description: `a comma list of ${DIMENSIONS.join(', ')} (day or month, not both)`,
      example: 'district,month',
    })
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
  tz: timeZone
    .meta({ description: 'days and months are those of this time zone', example: 'Asia/Aqtau' })
    .default('Asia/Aqtau'),
});
export type StatsQuery = z.infer<typeof statsQuerySchema>;

export const listQuerySchema = z
  .strictObject({
    ...filters,
    plate: z.string().min(1).max(16).optional(),
    /** Why this car's history is looked up: required with plate, recorded on the audit log. */
    reason: z
      .string()
      .trim()
      .min(1)
      .max(500)
      .meta({
        description: 'why this car is looked up: required with plate, recorded on the audit log',
      })
      .optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    /** next_cursor of the previous page. */
    cursor: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,200}$/)
      .meta({ description: 'next_cursor of the previous page' })
      .optional(),
  })
  .refine((query) => query.plate === undefined || query.reason !== undefined, {
    path: ['reason'],
    message: 'a search by plate needs a stated reason',
  });
export type ListQuery = z.infer<typeof listQuerySchema>;

export const violationDtoSchema = z
  .object({
    event_id: z.uuid(),
    camera_id: z.string(),
    district_id: z.string().nullable(),
    centre_id: z.string().nullable(),
    code: z.string().describe(VIOLATION_CODES.join(', ')),
    plate: z.string(),
    measured_speed_kmh: z.number().nullable(),
    limit_speed_kmh: z.number().nullable(),
    evidence_ref: z.string(),
    lane: z.number().int().nullable(),
    source_id: z.string().nullable(),
    captured_at: z.iso.datetime(),
    logged_at: z.iso.datetime(),
  })
  .meta({ id: 'Violation' });
export type ViolationDto = z.infer<typeof violationDtoSchema>;

export const violationPageDtoSchema = z
  .object({
    items: z.array(violationDtoSchema),
    next_cursor: z
      .string()
      .nullable()
      .describe('pass as `cursor` for the next page; null on the last page'),
  })
  .meta({ id: 'ViolationPage' });
export type ViolationPageDto = z.infer<typeof violationPageDtoSchema>;

export const statsRowDtoSchema = z
  .object({
    district_id: z.string().nullable().optional(),
    code: z.string().optional(),
    period: z.string().optional(),
    count: z.number().int(),
  })
  .meta({ id: 'ViolationStatsRow' });
export type StatsRowDto = z.infer<typeof statsRowDtoSchema>;

export const statsDtoSchema = z
  .object({
    group_by: z.array(z.enum(DIMENSIONS)),
    tz: z.string(),
    total: z.number().int(),
    rows: z.array(statsRowDtoSchema),
  })
  .meta({ id: 'ViolationStats' });
export type StatsDto = z.infer<typeof statsDtoSchema>;

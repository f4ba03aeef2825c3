import { pageQueryShape, pageSchema } from '@kuzet/http';
import { z } from 'zod';

/** A month as YYYY-MM, 2000-01 .. 2099-12. */
export const monthSchema = z
  .string()
  .regex(/^20\d{2}-(0[1-9]|1[0-2])$/, 'a month as YYYY-MM')
  .meta({ description: "the month, YYYY-MM, in the centres' time zone (UTC+5)" });

const centreIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'a centre id');

export const monthlyReportQuerySchema = z.strictObject({
  month: monthSchema,
  centre_id: centreIdSchema
    .optional()
    .meta({ description: 'one centre and the district centres below it; absent: the region' }),
});
export type MonthlyReportQuery = z.infer<typeof monthlyReportQuerySchema>;

export const monthlyReportHtmlQuerySchema = z.strictObject({
  ...monthlyReportQuerySchema.shape,
  lang: z.enum(['ru', 'kk', 'en']).default('ru'),
});
export type MonthlyReportHtmlQuery = z.infer<typeof monthlyReportHtmlQuerySchema>;

const count = z.number().int().min(0);
const seconds = z.number().int().nullable();

export const outcomeCountsSchema = z
  .object({
    detained: count,
    not_found: count,
    not_the_subject: count,
    other: count,
    none: count.describe('confirmed, no outcome recorded'),
  })
  .meta({ id: 'OutcomeCounts' });

export const reportFiguresSchema = z
  .object({
    cameras_installed: count,
    cameras_connected: count,
    sos_buttons: count.describe('SOS alarm buttons in public places'),
    violations: count,
    alerts_confirmed: count,
    response_median_s: seconds.describe('confirm → arrival, median'),
    response_p90_s: seconds.describe('confirm → arrival, 90th percentile'),
    responses_measured: count.describe('confirmed alerts with an arrival'),
    outcomes: outcomeCountsSchema,
    wanted_persons_identified: count,
    wanted_persons_brought_in: count,
    vehicles_found: count.describe('listed (stolen or wanted) vehicles stopped'),
    false_alerts: count.describe('rejected, or found not to be the person or car'),
    sos_calls: count,
  })
  .meta({ id: 'ReportFigures' });
export type ReportFigures = z.infer<typeof reportFiguresSchema>;

export const districtFiguresSchema = z
  .object({
    district_id: z.string(),
    district_name: z.string(),
    centre_id: z.string(),
    figures: reportFiguresSchema,
  })
  .meta({ id: 'DistrictFigures' });

export const reportQuerySchema = z
  .object({
    name: z.string(),
    figures: z.array(z.string()).describe('the figures this query gives'),
    sql: z.string(),
    params: z.array(z.union([z.string(), z.array(z.string()), z.null()])),
  })
  .meta({ id: 'ReportQuery' });

export const monthlyReportSchema = z
  .object({
    month: z.string(),
    centre_id: z.string().nullable(),
    time_zone: z.string(),
    period_from: z.iso.datetime(),
    period_to: z.iso.datetime(),
    generated_at: z.iso.datetime(),
    region: reportFiguresSchema,
    districts: z.array(districtFiguresSchema),
    queries: z.array(reportQuerySchema).describe('the query behind every figure, as run'),
  })
  .meta({ id: 'MonthlyReport' });
export type MonthlyReport = z.infer<typeof monthlyReportSchema>;

export const responseTimesQuerySchema = z.strictObject({
  month: monthSchema,
  centre_id: centreIdSchema.optional(),
  ...pageQueryShape,
});
export type ResponseTimesQuery = z.infer<typeof responseTimesQuerySchema>;

/** One confirmed alert's times: confirm → dispatch → arrival. */
export const responseTimeSchema = z
  .object({
    alert_id: z.uuid(),
    kind: z.enum(['watchlist_hit', 'alarm', 'vehicle_hit', 'analytics', 'badge_identification']),
    centre_id: z.string().nullable(),
    district_id: z.string().nullable(),
    confirmed_at: z.iso.datetime(),
    dispatched_at: z.iso.datetime().nullable(),
    arrived_at: z.iso.datetime().nullable(),
    confirm_to_dispatch_s: seconds,
    dispatch_to_arrival_s: seconds,
    confirm_to_arrival_s: seconds,
    outcome: z.enum(['detained', 'not_found', 'not_the_subject', 'other']).nullable(),
  })
  .meta({ id: 'ResponseTime' });
export type ResponseTimeView = z.infer<typeof responseTimeSchema>;
export const responseTimePageSchema = pageSchema(responseTimeSchema).meta({
  id: 'ResponseTimePage',
});

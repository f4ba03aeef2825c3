import { z } from 'zod';

/** `GET /v1/ops/overview`: the supervisor's figures over whole days in the centre's zone. */
export const overviewQuerySchema = z
  .strictObject({
    from: z.iso.date().meta({ description: 'first day (Asia/Almaty), e.g. 2026-12-01' }),
    to: z.iso.date().meta({ description: 'last day, included; at most 31 days after from' }),
  })
  .refine((q) => q.from <= q.to, { path: ['to'], message: 'to must not be before from' })
  .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= 31 * 86_400_000, {
    path: ['to'],
    message: 'at most 31 days',
  });
export type OverviewQuery = z.infer<typeof overviewQuerySchema>;

const seconds = z.number().nullable().describe('seconds; null when no alert of the row has one');

export const overviewRowSchema = z
  .object({
    day: z.iso.date(),
    centre_id: z.string().nullable().describe('null: cameras no centre owned'),
    district_id: z.string().nullable(),
    district_name: z.string().nullable(),
    hits: z.number().int().describe('alerts of every kind whose event was that day'),
    confirmed: z.number().int(),
    rejected: z.number().int(),
    false_alert_rate: z
      .number()
      .nullable()
      .describe('rejected / (confirmed + rejected); null when none was decided'),
    sos: z.number().int(),
    acknowledge_p50_s: seconds.describe('alert stored → first decision by a person (median)'),
    acknowledge_p90_s: seconds,
    decide_p50_s: seconds.describe('alert stored → confirmed or rejected (median)'),
    decide_p90_s: seconds,
  })
  .readonly()
  .meta({ id: 'OverviewRow' });

export const operatorLoadSchema = z
  .object({
    day: z.iso.date(),
    username: z.string(),
    decisions: z.number().int(),
    confirmed: z.number().int(),
    rejected: z.number().int(),
  })
  .readonly()
  .meta({ id: 'OperatorLoad' });

export const waitingEscalationSchema = z
  .object({
    alert_id: z.uuid(),
    kind: z.enum(['watchlist_hit', 'alarm', 'vehicle_hit', 'analytics', 'badge_identification']),
    centre_id: z.string().nullable(),
    camera_id: z.string(),
    camera_name: z.string().nullable(),
    escalated_at: z.iso.datetime(),
    escalated_by: z.string().nullable(),
  })
  .readonly()
  .meta({ id: 'WaitingEscalation' });

export const overviewSchema = z
  .object({
    from: z.iso.date(),
    to: z.iso.date(),
    time_zone: z.string(),
    rows: z.array(overviewRowSchema).readonly().describe('newest day first'),
    operators: z.array(operatorLoadSchema).readonly().describe('decisions per person and day'),
    escalations: z
      .array(waitingEscalationSchema)
      .readonly()
      .describe('escalated alerts still waiting, oldest first (at most 100)'),
  })
  .readonly()
  .meta({ id: 'Overview' });
export type Overview = z.infer<typeof overviewSchema>;

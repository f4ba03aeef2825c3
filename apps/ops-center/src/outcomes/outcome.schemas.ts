import { pageQueryShape, pageSchema } from '@kuzet/http';
import { slugSchema } from '@kuzet/registry';
import { z } from 'zod';
import { ALERT_STATES } from '@kuzet/persistence';

/** What happened after an alert was confirmed (issue 20): a unit dispatched, the unit on the
 * scene, and what came of it. Corrections are new entries naming the one they replace. */
export const OUTCOME_STEPS = ['dispatch', 'arrival', 'outcome'] as const;
export type OutcomeStep = (typeof OUTCOME_STEPS)[number];
export const OUTCOMES = ['detained', 'not_found', 'not_the_subject', 'other'] as const;
export type Outcome = (typeof OUTCOMES)[number];

const note = z.string().trim().min(1).max(1_000);

/** POST /v1/alerts/{id}/outcome-entries */
export const outcomeEntryRequestSchema = z
  .strictObject({
    step: z.enum(OUTCOME_STEPS),
    /** dispatch: one of the centre's patrol units, or free text (a unit not on the list) */
    unit_id: z.uuid().optional(),
    unit_text: z.string().trim().min(1).max(200).optional(),
    /** outcome: what came of it */
    outcome: z.enum(OUTCOMES).optional(),
    note: note.optional(),
    /** when it happened, if not now (a step recorded after the fact); not in the future */
    occurred_at: z.iso.datetime({ offset: true }).optional(),
    /** the entry this one corrects (of the same step) */
    corrects: z.uuid().optional(),
  })
  .refine(
    (e) => e.step !== 'dispatch' || (e.unit_id === undefined) !== (e.unit_text === undefined),
    { message: 'a dispatch names a unit: unit_id or unit_text, not both', path: ['unit_id'] },
  )
  .refine((e) => e.step === 'dispatch' || (e.unit_id === undefined && e.unit_text === undefined), {
    message: 'only a dispatch names a unit',
    path: ['unit_id'],
  })
  .refine((e) => e.step !== 'outcome' || e.outcome !== undefined, {
    message: 'an outcome entry says what came of it',
    path: ['outcome'],
    params: { rule: 'required' },
  })
  .refine((e) => e.step === 'outcome' || e.outcome === undefined, {
    message: 'only an outcome entry has an outcome',
    path: ['outcome'],
  })
  .refine((e) => e.outcome !== 'other' || e.note !== undefined, {
    message: 'the outcome "other" needs a note',
    path: ['note'],
    params: { rule: 'required' },
  })
  .refine((e) => e.corrects === undefined || e.note !== undefined, {
    message: 'a correction needs a note saying why',
    path: ['note'],
    params: { rule: 'reason_required' },
  });
export type OutcomeEntryRequest = z.infer<typeof outcomeEntryRequestSchema>;

export const outcomeEntrySchema = z
  .object({
    id: z.uuid(),
    step: z.enum(OUTCOME_STEPS),
    unit_id: z.uuid().nullable(),
    unit_call_sign: z.string().nullable().describe('the listed unit, or the free text given'),
    outcome: z.enum(OUTCOMES).nullable(),
    note: z.string().nullable(),
    occurred_at: z.iso.datetime(),
    recorded_at: z.iso.datetime(),
    recorded_by: z.string(),
    corrects: z.uuid().nullable(),
    superseded: z.boolean().describe('a later entry of the same step replaces this one'),
  })
  .meta({ id: 'OutcomeEntry' });
export type OutcomeEntryView = z.infer<typeof outcomeEntrySchema>;

const seconds = z.number().int().nullable();

/** The alert's state after confirm, derived from its entries: the latest of each step. */
export const alertOutcomeSchema = z
  .object({
    alert_id: z.uuid(),
    state: z.enum(ALERT_STATES),
    centre_id: z.string().nullable(),
    confirmed_at: z.iso.datetime().nullable(),
    confirmed_by: z.string().nullable(),
    dispatch: outcomeEntrySchema.nullable(),
    arrival: outcomeEntrySchema.nullable(),
    outcome: outcomeEntrySchema.nullable(),
    overdue_flagged_at: z.iso
      .datetime()
      .nullable()
      .describe(
        'no outcome within OPS_OUTCOME_DUE_AFTER_MS of the confirm: flagged to supervisors',
      ),
    confirm_to_dispatch_s: seconds,
    dispatch_to_arrival_s: seconds,
    confirm_to_arrival_s: seconds,
    entries: z.array(outcomeEntrySchema).describe('every entry, oldest first, corrections too'),
  })
  .meta({ id: 'AlertOutcome' });
export type AlertOutcomeView = z.infer<typeof alertOutcomeSchema>;

export const patrolUnitSchema = z
  .object({
    id: z.uuid(),
    centre_id: z.string(),
    call_sign: z.string(),
    active: z.boolean(),
    created_by: z.string(),
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
  })
  .meta({ id: 'PatrolUnit' });
export type PatrolUnitView = z.infer<typeof patrolUnitSchema>;
export const patrolUnitPageSchema = pageSchema(patrolUnitSchema).meta({ id: 'PatrolUnitPage' });

const callSign = z.string().trim().min(1).max(100);
export const createPatrolUnitSchema = z.strictObject({
  centre_id: slugSchema,
  call_sign: callSign,
});
export type CreatePatrolUnitRequest = z.infer<typeof createPatrolUnitSchema>;
export const updatePatrolUnitSchema = z
  .strictObject({ call_sign: callSign.optional(), active: z.boolean().optional() })
  .refine((p) => Object.keys(p).length > 0, 'at least one field must be given');
export type UpdatePatrolUnitRequest = z.infer<typeof updatePatrolUnitSchema>;

export const patrolUnitQuerySchema = z.strictObject({
  centre_id: slugSchema,
  include_inactive: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => v === 'true'),
  ...pageQueryShape,
});
export type PatrolUnitQuery = z.infer<typeof patrolUnitQuerySchema>;

/** A confirmed alert still without an outcome, flagged to the supervisors. */
export const overdueOutcomeSchema = z
  .object({
    alert_id: z.uuid(),
    kind: z.enum(['watchlist_hit', 'alarm', 'vehicle_hit', 'analytics', 'badge_identification']),
    centre_id: z.string().nullable(),
    district_id: z.string().nullable(),
    camera_id: z.string(),
    confirmed_at: z.iso.datetime(),
    confirmed_by: z.string().nullable(),
    flagged_at: z.iso.datetime(),
  })
  .meta({ id: 'OverdueOutcome' });
export type OverdueOutcomeView = z.infer<typeof overdueOutcomeSchema>;
export const overdueOutcomePageSchema = pageSchema(overdueOutcomeSchema).meta({
  id: 'OverdueOutcomePage',
});
export const overdueQuerySchema = z.strictObject(pageQueryShape);
export type OverdueQuery = z.infer<typeof overdueQuerySchema>;

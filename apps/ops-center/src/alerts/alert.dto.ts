import { CONTRACT_LIMITS } from '@kuzet/contracts';
import { pageQueryShape } from '@kuzet/http';
import { z } from 'zod';
import { ALERT_KINDS, ALERT_STATES } from '@kuzet/persistence';

/** Why a hit was rejected, as a code the system acts on: "not this person" keeps the probe as a
 * negative example of the person (a look-alike is then suppressed); "not this car" is recorded. */
export const REJECTION_CODES = ['not_this_person', 'not_this_car'] as const;
export type RejectionCode = (typeof REJECTION_CODES)[number];

export const decisionSchema = z
  .object({
    action: z.enum(['acknowledge', 'confirm', 'reject', 'escalate']),
    // the same limit as Decision.reason in the contract
    reason: z.string().trim().max(CONTRACT_LIMITS.maxReasonLength).optional(),
    reason_code: z.enum(REJECTION_CODES).optional(),
  })
  .refine(
    (d) => d.action !== 'reject' || (d.reason?.length ?? 0) > 0 || d.reason_code !== undefined,
    { message: 'a rejection needs a reason', path: ['reason'] },
  )
  .refine((d) => d.reason_code === undefined || d.action === 'reject', {
    message: 'a reason code is given with a rejection only',
    path: ['reason_code'],
  });
export type DecisionRequest = z.infer<typeof decisionSchema>;

const STATES = ALERT_STATES;
const KINDS = ALERT_KINDS;
const commaList = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .optional()
    .transform((v) => (v ? v.split(',') : []))
    .pipe(z.array(z.enum(values)));

/** `GET /v1/alerts`: newest change (seq) first, a page at a time; the filters search past
 * alerts (by person, camera, event time, state, kind) and stay the same from page to page. */
export const alertListSchema = z
  .strictObject({
    ...pageQueryShape,
    state: commaList(STATES).meta({ description: 'comma-separated states; none: every state' }),
    kind: commaList(KINDS).meta({ description: 'comma-separated kinds; none: every kind' }),
    camera_id: z.string().min(1).max(200).optional(),
    person_id: z.uuid().optional(),
    person_name: z
      .string()
      .trim()
      .min(2)
      .max(200)
      .optional()
      .meta({ description: 'part of the listed person’s name (case-insensitive); audited' }),
    captured_from: z.iso
      .datetime({ offset: true })
      .optional()
      .meta({ description: 'event time at or after' }),
    captured_to: z.iso
      .datetime({ offset: true })
      .optional()
      .meta({ description: 'event time before' }),
  })
  .refine(
    (q) =>
      q.captured_from === undefined ||
      q.captured_to === undefined ||
      Date.parse(q.captured_from) < Date.parse(q.captured_to),
    { message: 'captured_to must be after captured_from', path: ['captured_to'] },
  );
export type AlertListRequest = z.infer<typeof alertListSchema>;

/** `POST /v1/alerts/{id}/assignment`: a supervisor gives the alert to an operator of its
 * centre (escalations waiting, mostly). */
export const assignmentSchema = z.strictObject({
  assignee_id: z.uuid().meta({ description: 'the operator (staff user id) to give the alert to' }),
  reason: z.string().trim().max(CONTRACT_LIMITS.maxReasonLength).optional(),
});
export type AssignmentRequest = z.infer<typeof assignmentSchema>;

/** `GET /v1/alerts/{id}/assignees`: the operators who may be given the alert, by username. */
export const assigneeListSchema = z.strictObject({ ...pageQueryShape });
export type AssigneeListRequest = z.infer<typeof assigneeListSchema>;

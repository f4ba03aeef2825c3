import { CONTRACT_LIMITS } from '@kuzet/contracts';
import { z } from 'zod';

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

export const alertListSchema = z.object({
  state: z
    .string()
    .optional()
    .transform((v) => (v ? v.split(',') : []))
    .pipe(z.array(z.enum(['new', 'acknowledged', 'confirmed', 'rejected', 'escalated']))),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  beforeSeq: z.coerce.number().int().positive().optional(),
});
export type AlertListRequest = z.infer<typeof alertListSchema>;

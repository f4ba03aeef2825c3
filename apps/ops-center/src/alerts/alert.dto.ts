import { CONTRACT_LIMITS } from '@kuzet/contracts';
import { z } from 'zod';

export const decisionSchema = z
  .object({
    action: z.enum(['acknowledge', 'confirm', 'reject', 'escalate']),
    // the same limit as Decision.reason in the contract
    reason: z.string().trim().max(CONTRACT_LIMITS.maxReasonLength).optional(),
  })
  .refine((d) => d.action !== 'reject' || (d.reason?.length ?? 0) > 0, {
    message: 'a rejection needs a reason',
    path: ['reason'],
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

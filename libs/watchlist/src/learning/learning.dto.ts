import { pageQueryShape, pageSchema } from '@kuzet/http';
import { z } from 'zod';

const similarity = z.number().min(-1).max(1);

export const negativeViewSchema = z
  .object({
    id: z.uuid(),
    person_id: z.uuid(),
    watchlist_id: z.uuid(),
    alert_id: z.uuid().meta({ description: 'the rejected hit the negative came from' }),
    similarity: similarity.meta({ description: "the rejected probe's similarity to the person" }),
    face_crop_ref: z.string().nullable(),
    model_id: z.string(),
    created_by: z.string(),
    created_at: z.iso.datetime(),
    expires_at: z.iso.datetime().meta({ description: 'the evidence retention' }),
    state: z.enum(['pending', 'approved']).meta({
      description:
        'pending: suppresses nothing until a supervisor or list administrator approves it',
    }),
    approved_by: z.string().nullable(),
    approved_at: z.iso.datetime().nullable(),
  })
  .meta({ id: 'FaceNegative' });
export type NegativeView = z.infer<typeof negativeViewSchema>;
export const negativePageSchema = pageSchema(negativeViewSchema).meta({ id: 'FaceNegativePage' });

export const suppressionViewSchema = z
  .object({
    id: z.uuid(),
    event_id: z.uuid(),
    camera_id: z.string(),
    person_id: z.uuid(),
    watchlist_id: z.uuid(),
    negative_id: z.uuid().meta({ description: 'the negative example that suppressed the probe' }),
    similarity: similarity.meta({ description: "the probe's similarity to the enrolled photos" }),
    negative_similarity: similarity,
    margin: z.number(),
    ceiling: z.number(),
    captured_at: z.iso.datetime(),
    recorded_at: z.iso.datetime(),
  })
  .meta({ id: 'SuppressedMatch' });
export type SuppressionView = z.infer<typeof suppressionViewSchema>;
export const suppressionPageSchema = pageSchema(suppressionViewSchema).meta({
  id: 'SuppressedMatchPage',
});

export const suppressionPolicySchema = z
  .strictObject({
    enabled: z.boolean().meta({ description: 'false: negatives never suppress on this list' }),
    margin: z
      .number()
      .min(0)
      .max(1)
      .meta({ description: 'how much closer to a negative than to the photos a probe must be' }),
    ceiling: z
      .number()
      .gt(0)
      .max(1)
      .meta({ description: 'a probe at or above this similarity always alerts' }),
  })
  .meta({ id: 'SuppressionPolicyRequest' });
export type SuppressionPolicyRequest = z.infer<typeof suppressionPolicySchema>;

export const suppressionPolicyViewSchema = z
  .object({
    watchlist_id: z.uuid(),
    enabled: z.boolean(),
    margin: z.number(),
    ceiling: z.number(),
    updated_by: z.string().nullable(),
    updated_at: z.iso.datetime().nullable(),
  })
  .meta({ id: 'SuppressionPolicy' });
export type SuppressionPolicyView = z.infer<typeof suppressionPolicyViewSchema>;

export const thresholdEvidenceQuerySchema = z.strictObject({
  days: z.coerce
    .number()
    .int()
    .min(1)
    .max(365)
    .default(30)
    .meta({ description: 'the window of hits, days back from now (1..365)' }),
  target_precision: z.coerce
    .number()
    .gt(0)
    .lt(1)
    .default(0.9)
    .meta({ description: 'the precision the suggested threshold must reach (0..1)' }),
});
export type ThresholdEvidenceQuery = z.infer<typeof thresholdEvidenceQuerySchema>;

const thresholdPointSchema = z.object({
  threshold: z.number(),
  confirmed: z.number().int(),
  rejected: z.number().int(),
  precision: z.number().nullable(),
  precision_low: z.number().nullable().meta({ description: 'Wilson 95% interval, lower bound' }),
  precision_high: z.number().nullable().meta({ description: 'Wilson 95% interval, upper bound' }),
  alerts_per_day: z.number(),
});

export const thresholdEvidenceViewSchema = z
  .object({
    watchlist_id: z.uuid(),
    days: z.number().int(),
    target_precision: z.number(),
    current: thresholdPointSchema,
    candidates: z.array(thresholdPointSchema),
    suggested_threshold: z
      .number()
      .nullable()
      .meta({ description: 'lowest threshold whose lower 95% bound reaches the target' }),
    decided_hits: z.number().int(),
    hits: z.number().int(),
  })
  .meta({ id: 'ThresholdEvidence' });
export type ThresholdEvidenceView = z.infer<typeof thresholdEvidenceViewSchema>;

export const applyThresholdSchema = z
  .strictObject({
    threshold: z.number().gt(0).max(1),
    reason: z.string().trim().min(1).max(2000),
    target_precision: z.number().gt(0).lt(1).optional(),
  })
  .meta({ id: 'ApplyThresholdRequest' });
export type ApplyThresholdRequest = z.infer<typeof applyThresholdSchema>;

export const revertThresholdSchema = z
  .strictObject({ reason: z.string().trim().min(1).max(2000) })
  .meta({ id: 'RevertThresholdRequest' });
export type RevertThresholdRequest = z.infer<typeof revertThresholdSchema>;

export const thresholdDecisionViewSchema = z
  .object({
    id: z.uuid(),
    watchlist_id: z.uuid(),
    previous_threshold: z.number(),
    threshold: z.number(),
    target_precision: z.number().nullable(),
    reason: z.string(),
    reverts_id: z.uuid().nullable(),
    decided_by: z.string(),
    decided_at: z.iso.datetime(),
  })
  .meta({ id: 'ThresholdDecision' });
export type ThresholdDecisionView = z.infer<typeof thresholdDecisionViewSchema>;
export const thresholdDecisionPageSchema = pageSchema(thresholdDecisionViewSchema).meta({
  id: 'ThresholdDecisionPage',
});

export const learningPageQuerySchema = z.strictObject(pageQueryShape);
export type LearningPageQuery = z.infer<typeof learningPageQuerySchema>;

export const learningListViewSchema = z
  .object({
    watchlist_id: z.uuid(),
    name: z.string(),
    category: z.enum(['wanted', 'missing', 'other']),
    threshold: z.number(),
    suppression_enabled: z.boolean(),
    margin: z.number(),
    ceiling: z.number(),
  })
  .meta({ id: 'WatchlistLearning' });
export type LearningListView = z.infer<typeof learningListViewSchema>;
export const learningListPageSchema = pageSchema(learningListViewSchema).meta({
  id: 'WatchlistLearningPage',
});

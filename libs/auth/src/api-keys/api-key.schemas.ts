import { z } from 'zod';

const scopeId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/);

export const createApiKeySchema = z
  .strictObject({
    /** Stamped as source_id on every event pushed with the key. */
    integrator_id: scopeId,
    label: z.string().trim().min(1).max(200),
    camera_ids: z.array(scopeId).max(100_000).default([]),
    district_ids: z
      .array(z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/))
      .max(1000)
      .default([]),
    rate_limit_per_minute: z.number().int().min(1).max(1_000_000).nullish(),
  })
  .refine((key) => key.camera_ids.length + key.district_ids.length > 0, {
    message: 'a key needs at least one camera or district in its scope',
    path: ['camera_ids'],
  });
export type CreateApiKeyInput = z.infer<typeof createApiKeySchema>;

export interface ApiKeyDto {
  id: string;
  integrator_id: string;
  label: string;
  camera_ids: string[];
  district_ids: string[];
  rate_limit_per_minute: number | null;
  created_at: string;
  revoked_at: string | null;
}

export interface CreatedApiKeyDto extends ApiKeyDto {
  /** The whole key, shown once: only its hash is stored. */
  key: string;
}

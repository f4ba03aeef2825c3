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
    identify: z
      .boolean()
      .default(false)
      .describe(
        "the key's devices (smart badges registered with kind badge) may ask POST /v1/devices/identify",
      ),
    digest: z
      .boolean()
      .default(false)
      .describe(
        'devices may also authenticate with HTTP Digest (SHA-256); only then is a Digest hash of the key kept',
      ),
    digest_md5: z
      .boolean()
      .default(false)
      .describe('HTTP Digest with MD5 too, for old device firmware; needs digest'),
  })
  .refine((key) => key.digest || !key.digest_md5, {
    message: 'digest_md5 needs digest',
    params: { rule: 'needs_digest' },
    path: ['digest_md5'],
  })
  .refine((key) => key.camera_ids.length + key.district_ids.length > 0, {
    message: 'a key needs at least one camera or district in its scope',
    path: ['camera_ids'],
  });
export type CreateApiKeyInput = z.infer<typeof createApiKeySchema>;

export const apiKeyDtoSchema = z
  .object({
    id: z.string(),
    integrator_id: z.string(),
    label: z.string(),
    camera_ids: z.array(z.string()),
    district_ids: z.array(z.string()),
    rate_limit_per_minute: z.number().int().nullable(),
    identify: z.boolean().describe('the key may identify faces (POST /v1/devices/identify)'),
    digest: z.boolean().describe('HTTP Digest (SHA-256) is accepted for the key'),
    digest_md5: z.boolean().describe('HTTP Digest with MD5 is accepted for the key'),
    created_at: z.iso.datetime(),
    revoked_at: z.iso.datetime().nullable(),
  })
  .meta({ id: 'ApiKey' });
export type ApiKeyDto = z.infer<typeof apiKeyDtoSchema>;

export const createdApiKeyDtoSchema = apiKeyDtoSchema
  .extend({ key: z.string().describe('the whole key, shown once: only its hash is stored') })
  .meta({ id: 'CreatedApiKey' });
export type CreatedApiKeyDto = z.infer<typeof createdApiKeyDtoSchema>;

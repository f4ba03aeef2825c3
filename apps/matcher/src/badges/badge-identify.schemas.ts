import { z } from 'zod';

/** The largest photo a badge may send, decoded (a 1080p JPEG is 0.2-1 MB). */
export const BADGE_MAX_PHOTO_BYTES = 4 * 1024 * 1024;
/** The length of an embedding of the face engine's model (fr_feature). */
export const BADGE_EMBEDDING_LENGTH = 512;

const safeId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/, 'at most 128 characters of [A-Za-z0-9._:@-]');

export const identifyRequestSchema = z
  .strictObject({
    officer_id: safeId.meta({
      description: 'the officer wearing the badge (personnel number), kept in the audit chain',
    }),
    device_id: safeId.optional().meta({
      description:
        'the badge: a registry device of kind badge in the key’s scope; may be left out when the key’s scope names exactly one camera',
    }),
    position: z
      .strictObject({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) })
      .optional()
      .meta({ description: 'where the officer is (WGS 84), kept in the audit chain' }),
    embedding: z.array(z.number().finite()).length(BADGE_EMBEDDING_LENGTH).optional().meta({
      description: 'the face’s embedding computed on the badge (fr_feature, 512 numbers)',
    }),
    model_id: z
      .string()
      .min(1)
      .max(128)
      .optional()
      .meta({ description: 'the model that computed embedding; required with it' }),
    photo: z
      .string()
      .min(4)
      .max(Math.ceil(BADGE_MAX_PHOTO_BYTES / 3) * 4, 'photo larger than 4 MiB')
      .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'not base64')
      .optional()
      .meta({ description: 'a JPEG (or PNG) the badge took, standard base64, at most 4 MiB' }),
  })
  .refine((body) => (body.embedding === undefined) !== (body.photo === undefined), {
    message: 'exactly one of embedding or photo',
    params: { rule: 'one_of' },
    path: ['embedding'],
  })
  .refine((body) => body.embedding === undefined || body.model_id !== undefined, {
    message: 'model_id is required with embedding',
    params: { rule: 'required' },
    path: ['model_id'],
  })
  .refine((body) => body.embedding === undefined || body.embedding.some((value) => value !== 0), {
    message: 'an embedding of zeros is no face',
    params: { rule: 'zero_vector' },
    path: ['embedding'],
  })
  .meta({ id: 'BadgeIdentifyRequest' });
export type IdentifyRequest = z.infer<typeof identifyRequestSchema>;

export const badgeHitSchema = z
  .object({
    person_id: z.uuid(),
    full_name: z.string(),
    case_reference: z.string().nullable(),
    watchlist_id: z.uuid(),
    list_name: z.string(),
    category: z.enum(['wanted', 'missing', 'other']),
    instructions: z
      .string()
      .nullable()
      .describe(
        'what the officer must do: the person’s own instructions when set, else the list’s; null when neither says anything',
      ),
    instructions_source: z
      .enum(['person', 'list'])
      .nullable()
      .describe('whose instructions these are; null with no instructions'),
    similarity: z.number(),
    threshold: z.number(),
  })
  .meta({ id: 'BadgeHit' });
export type BadgeHit = z.infer<typeof badgeHitSchema>;

export const identifyResponseSchema = z
  .object({
    request_id: z.uuid().describe('the identification, as the audit chain names it'),
    hits: z
      .array(badgeHitSchema)
      .describe('persons above their list’s threshold, closest first; empty for anybody else'),
  })
  .meta({ id: 'BadgeIdentifyResult' });
export type IdentifyResponse = z.infer<typeof identifyResponseSchema>;

/** What the service needs of a valid request: the probe either way, the rest as given. */
export type IdentifyProbe =
  | { readonly kind: 'embedding'; readonly embedding: Float32Array; readonly modelId: string }
  | { readonly kind: 'photo'; readonly photo: Buffer };

export interface IdentifyCommand {
  readonly officerId: string;
  readonly deviceId: string | null;
  readonly position: { readonly lat: number; readonly lon: number } | null;
  readonly probe: IdentifyProbe;
}

/** The validated request as the service takes it: the embedding L2-normalised (the index
 * compares unit vectors), the photo decoded from base64. */
export function toIdentifyCommand(request: IdentifyRequest): IdentifyCommand {
  const probe: IdentifyProbe =
    request.embedding !== undefined
      ? {
          kind: 'embedding',
          embedding: normalised(request.embedding),
          modelId: request.model_id ?? '',
        }
      : { kind: 'photo', photo: Buffer.from(request.photo ?? '', 'base64') };
  return {
    officerId: request.officer_id,
    deviceId: request.device_id ?? null,
    position: request.position ? { lat: request.position.lat, lon: request.position.lon } : null,
    probe,
  };
}

/** Scaled by the largest magnitude first, so that neither huge nor tiny numbers overflow or
 * vanish when squared. */
function normalised(values: readonly number[]): Float32Array {
  let largest = 0;
  for (const value of values) largest = Math.max(largest, Math.abs(value));
  let sumOfSquares = 0;
  for (const value of values) sumOfSquares += (value / largest) ** 2;
  const norm = Math.sqrt(sumOfSquares);
  const vector = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) vector[i] = values[i]! / largest / norm;
  return vector;
}

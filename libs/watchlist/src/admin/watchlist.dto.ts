import { jsonDate, pageQueryShape, pageSchema } from '@kuzet/http';
import { z } from 'zod';

const MAX_PHOTO_BYTES = 4 * 1024 * 1024;
const base64 = /^[A-Za-z0-9+/]+={0,2}$/;
const CATEGORIES = ['wanted', 'missing', 'other'] as const;

const colour = z
  .string()
  .regex(/^#[0-9a-f]{6}$/, 'colour: #rrggbb, lower case')
  .meta({ description: 'the colour the console marks this list’s hits with (#rrggbb)' });
const threshold = z
  .number()
  .gt(0)
  .lte(1)
  .meta({ description: 'cosine similarity at or above which a face is a hit' });
const instant = z.iso.datetime({ offset: true });
const instructionsText = z.string().trim().min(1).max(1000);
const instructions = instructionsText.meta({
  description:
    'what an officer who meets a person of this list must do (answered to badges with each hit)',
});
const personInstructions = instructionsText.meta({
  description:
    'what an officer who meets this person must do, e.g. "armed, do not detain alone"; answered to badges and shown to operators instead of the list’s instructions',
});
/** Why a removal or an archive was done; kept in the audit chain. */
const reason = z.string().trim().min(3).max(500);

export const createWatchlistSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    category: z.enum(CATEGORIES),
    similarity_threshold: threshold,
    priority: z.number().int().min(0).max(100).default(0),
    colour: colour.optional(),
    instructions: instructions.optional(),
    expires_at: instant.optional(),
  })
  .meta({ id: 'CreateWatchlist' });
export type CreateWatchlistRequest = z.infer<typeof createWatchlistSchema>;

export const updateWatchlistSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    category: z.enum(CATEGORIES).optional(),
    similarity_threshold: threshold.optional(),
    priority: z.number().int().min(0).max(100).optional(),
    colour: colour.nullable().optional(),
    instructions: instructions.nullable().optional(),
    expires_at: instant.nullable().optional(),
  })
  .refine((body) => Object.keys(body).length > 0, {
    message: 'nothing to change',
    params: { rule: 'required' },
  })
  .meta({ id: 'UpdateWatchlist' });
export type UpdateWatchlistRequest = z.infer<typeof updateWatchlistSchema>;

export const reasonSchema = z.strictObject({ reason }).meta({ id: 'ChangeReason' });
export type ReasonRequest = z.infer<typeof reasonSchema>;

/** A face in a photo, as the photo check answered it (pixels of the decoded photo). */
export const boxSchema = z
  .strictObject({
    x: z.number().min(0).max(100_000),
    y: z.number().min(0).max(100_000),
    width: z.number().positive().max(100_000),
    height: z.number().positive().max(100_000),
  })
  .meta({ id: 'FaceBox' });
export type BoxView = z.infer<typeof boxSchema>;

const photoSchema = z.strictObject({
  name: z.string().max(200).optional(),
  /** The image file (JPEG, PNG or WebP) in standard base64. */
  data: z
    .string()
    .min(4)
    .max(Math.ceil(MAX_PHOTO_BYTES / 3) * 4, 'photo larger than 4 MiB')
    .regex(base64, 'not base64'),
  face: boxSchema.optional().meta({
    description:
      'for a photo with several faces: the box (from the photo check) of the face to enrol; without it such a photo is refused',
  }),
});
export type PhotoRequest = z.infer<typeof photoSchema>;

export const enrolPersonSchema = z
  .strictObject({
    full_name: z.string().trim().min(1).max(300),
    case_reference: z.string().trim().max(100).optional(),
    notes: z.string().max(2000).optional(),
    instructions: personInstructions.optional(),
    expires_at: instant.optional(),
    photos: z.array(photoSchema).min(1).max(16),
    confirm_not_duplicate: z.boolean().default(false).meta({
      description:
        'enrol although the photos match someone enrolled already (the 409 likely_duplicate named them)',
    }),
  })
  .meta({ id: 'EnrolPerson' });
export type EnrolPersonRequest = z.infer<typeof enrolPersonSchema>;

export const addPhotosSchema = z
  .strictObject({ photos: z.array(photoSchema).min(1).max(16) })
  .meta({ id: 'AddPhotos' });
export type AddPhotosRequest = z.infer<typeof addPhotosSchema>;

export const addProbeSchema = z
  .strictObject({
    alert_id: z.uuid().meta({ description: 'a confirmed face hit of this person' }),
  })
  .meta({ id: 'AddProbe' });
export type AddProbeRequest = z.infer<typeof addProbeSchema>;

export const updatePersonSchema = z
  .strictObject({
    full_name: z.string().trim().min(1).max(300).optional(),
    case_reference: z.string().trim().max(100).nullable().optional(),
    notes: z.string().max(2000).nullable().optional(),
    instructions: personInstructions
      .nullable()
      .optional()
      .meta({ description: 'the person’s own instructions; null clears them (the list’s apply)' }),
    expires_at: instant.nullable().optional(),
  })
  .refine((body) => Object.keys(body).length > 0, {
    message: 'nothing to change',
    params: { rule: 'required' },
  })
  .meta({ id: 'UpdatePerson' });
export type UpdatePersonRequest = z.infer<typeof updatePersonSchema>;

export const photoCheckSchema = z
  .strictObject({ name: z.string().max(200).optional(), data: photoSchema.shape.data })
  .meta({ id: 'PhotoCheckRequest' });
export type PhotoCheckRequest = z.infer<typeof photoCheckSchema>;

export const watchlistQuerySchema = z.strictObject({
  ...pageQueryShape,
  status: z.enum(['active', 'archived']).optional(),
});
export type WatchlistQuery = z.infer<typeof watchlistQuerySchema>;

const personFilterShape = {
  name: z
    .string()
    .trim()
    .min(1)
    .max(300)
    .optional()
    .meta({ description: 'part of the full name, any case' }),
  case_reference: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .optional()
    .meta({ description: 'the case number, whole, any case' }),
  status: z.enum(['pending', 'active', 'expired', 'removed']).optional(),
};
/** Unknown query parameters are refused (a misspelt filter must not silently list everyone). */
export const personQuerySchema = z.strictObject({ ...pageQueryShape, ...personFilterShape });
export type PersonQuery = z.infer<typeof personQuerySchema> & { watchlist_id?: string };
export const personSearchSchema = z.strictObject({
  ...pageQueryShape,
  ...personFilterShape,
  watchlist_id: z.uuid().optional(),
});

export const watchlistViewSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    category: z.enum(CATEGORIES),
    similarity_threshold: threshold,
    priority: z.number().int(),
    colour: z.string().nullable(),
    instructions: z.string().nullable(),
    expires_at: jsonDate().nullable(),
    status: z.enum(['active', 'archived']),
    created_at: jsonDate(),
    updated_at: jsonDate(),
  })
  .meta({ id: 'Watchlist' });
/** What the API answers for a watchlist. */
export type WatchlistView = z.infer<typeof watchlistViewSchema>;
export const watchlistPageSchema = pageSchema(watchlistViewSchema).meta({ id: 'WatchlistPage' });

export const faceViewSchema = z
  .object({
    id: z.uuid(),
    model_id: z.string(),
    quality: z.number(),
    source_name: z.string().nullable(),
  })
  .meta({ id: 'EnrolledFace' });

export const personViewSchema = z
  .object({
    id: z.uuid(),
    watchlist_id: z.uuid(),
    full_name: z.string(),
    case_reference: z.string().nullable(),
    notes: z.string().nullable(),
    instructions: z.string().nullable().meta({
      description: 'the person’s own instructions; null: the list’s instructions apply',
    }),
    status: z.enum(['pending', 'active', 'expired', 'removed']),
    expires_at: z.iso.datetime().nullable(),
    version: z.number().int(),
    faces: z
      .array(faceViewSchema)
      .meta({ description: 'the enrolled photos (empty in lists: read the person for them)' }),
  })
  .meta({ id: 'WatchlistPerson' });
export type PersonView = z.infer<typeof personViewSchema>;
export const personPageSchema = pageSchema(personViewSchema).meta({ id: 'WatchlistPersonPage' });

/** Why a photo cannot be enrolled (or `ok`): the codes the web app translates. */
export const PHOTO_VERDICTS = [
  'ok',
  'unreadable',
  'no_face',
  'several_faces',
  'face_not_found',
  'too_small',
  'blurred',
  'turned_away',
  'low_score',
] as const;

export const photoOutcomeSchema = z
  .object({
    photo: z.string(),
    status: z.enum(['enrolled', 'rejected']),
    verdict: z.enum(PHOTO_VERDICTS),
    face_id: z.uuid().nullable().meta({ description: 'the enrolled face, when enrolled' }),
  })
  .meta({ id: 'PhotoOutcome' });
export type PhotoOutcomeView = z.infer<typeof photoOutcomeSchema>;

export const duplicateViewSchema = z
  .object({
    person_id: z.uuid(),
    watchlist_id: z.uuid(),
    full_name: z.string(),
    case_reference: z.string().nullable(),
    similarity: z.number(),
  })
  .meta({ id: 'LikelyDuplicate' });
export type DuplicateView = z.infer<typeof duplicateViewSchema>;

export const enrolmentViewSchema = z
  .object({
    person: personViewSchema,
    photos: z.array(photoOutcomeSchema),
    likely_duplicates: z.array(duplicateViewSchema).meta({
      description:
        'people enrolled already whose faces match these photos (confirmed not the same)',
    }),
  })
  .meta({ id: 'Enrolment' });
export type EnrolmentView = z.infer<typeof enrolmentViewSchema>;

export const checkedFaceSchema = z
  .object({
    box: boxSchema,
    verdict: z.enum(PHOTO_VERDICTS),
    quality: z.number().meta({ description: 'detector confidence, 0..1' }),
    crop_jpeg: z.string().meta({ description: 'the aligned crop it would enrol, JPEG in base64' }),
  })
  .meta({ id: 'CheckedFace' });
export const photoCheckViewSchema = z
  .object({
    photo: z.string(),
    verdict: z.enum(PHOTO_VERDICTS).meta({
      description:
        'ok: one face that passes; several_faces: pick one of faces and send its box as photos[].face',
    }),
    width: z.number().int(),
    height: z.number().int(),
    faces: z.array(checkedFaceSchema),
    likely_duplicates: z.array(duplicateViewSchema),
  })
  .meta({ id: 'PhotoCheck' });
export type PhotoCheckView = z.infer<typeof photoCheckViewSchema>;

export const confirmedHitViewSchema = z
  .object({
    alert_id: z.uuid(),
    camera_id: z.string(),
    captured_at: jsonDate(),
    similarity: z.number().nullable(),
    decided_by: z.string().nullable(),
    decided_at: jsonDate().nullable(),
    has_crop: z.boolean().meta({ description: 'the probe crop is kept (not purged)' }),
    added_face_id: z
      .uuid()
      .nullable()
      .meta({ description: 'the enrolled face made from this probe, once added' }),
  })
  .meta({ id: 'ConfirmedHit' });
export type ConfirmedHitView = z.infer<typeof confirmedHitViewSchema>;
export const confirmedHitPageSchema = pageSchema(confirmedHitViewSchema).meta({
  id: 'ConfirmedHitPage',
});

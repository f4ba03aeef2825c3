import { jsonDate } from '@kuzet/http';
import { z } from 'zod';

const MAX_PHOTO_BYTES = 4 * 1024 * 1024;
const base64 = /^[A-Za-z0-9+/]+={0,2}$/;

export const createWatchlistSchema = z.object({
  name: z.string().trim().min(1).max(200),
  category: z.enum(['wanted', 'missing', 'other']),
  similarityThreshold: z.number().gt(0).lte(1),
  priority: z.number().int().min(0).max(100).default(0),
  expiresAt: z.iso.datetime({ offset: true }).optional(),
});
export type CreateWatchlistRequest = z.infer<typeof createWatchlistSchema>;

export const enrolPersonSchema = z.object({
  fullName: z.string().trim().min(1).max(300),
  caseReference: z.string().trim().max(100).optional(),
  notes: z.string().max(2000).optional(),
  expiresAt: z.iso.datetime({ offset: true }).optional(),
  photos: z
    .array(
      z.object({
        name: z.string().max(200).optional(),
        /** The image file (JPEG, PNG or WebP) in standard base64. */
        data: z
          .string()
          .min(4)
          .max(Math.ceil(MAX_PHOTO_BYTES / 3) * 4, 'photo larger than 4 MiB')
          .regex(base64, 'not base64'),
      }),
    )
    .min(1)
    .max(16),
});
export type EnrolPersonRequest = z.infer<typeof enrolPersonSchema>;

export const pageSchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});
export type PageRequest = z.infer<typeof pageSchema>;

export const watchlistViewSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    category: z.enum(['wanted', 'missing', 'other']),
    similarityThreshold: z.number().describe('cosine similarity at or above which a face is a hit'),
    priority: z.number().int(),
    expiresAt: jsonDate().nullable(),
    status: z.enum(['active', 'archived']),
    createdAt: jsonDate(),
    updatedAt: jsonDate(),
  })
  .meta({ id: 'Watchlist' });
/** What the API answers for a watchlist (the entity, serialised). */
export type WatchlistView = z.infer<typeof watchlistViewSchema>;

export const personViewSchema = z
  .object({
    id: z.uuid(),
    watchlistId: z.uuid(),
    fullName: z.string(),
    caseReference: z.string().nullable(),
    notes: z.string().nullable(),
    status: z.enum(['pending', 'active', 'expired', 'removed']),
    expiresAt: z.iso.datetime().nullable(),
    version: z.number().int(),
    faces: z
      .array(
        z.object({
          id: z.uuid(),
          modelId: z.string(),
          quality: z.number(),
          sourceName: z.string().nullable(),
        }),
      )
      .readonly(),
  })
  .readonly()
  .meta({ id: 'WatchlistPerson' });
export type PersonView = z.infer<typeof personViewSchema>;

export const photoOutcomeSchema = z
  .discriminatedUnion('status', [
    z.object({ photo: z.string(), status: z.literal('enrolled') }).readonly(),
    z.object({ photo: z.string(), status: z.literal('rejected'), reason: z.string() }).readonly(),
  ])
  .meta({ id: 'PhotoOutcome' });

export const enrolmentViewSchema = z
  .object({ person: personViewSchema, photos: z.array(photoOutcomeSchema).readonly() })
  .readonly()
  .meta({ id: 'Enrolment' });
export type EnrolmentView = z.infer<typeof enrolmentViewSchema>;

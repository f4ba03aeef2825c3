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

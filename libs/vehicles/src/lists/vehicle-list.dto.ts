import { jsonDate } from '@kuzet/http';
import { z } from 'zod';
import { plateScript } from '@kuzet/contracts';
import { normalisePlate } from '../plates/normalise';

export const createVehicleListSchema = z.object({
  name: z.string().trim().min(1).max(200),
  category: z
    .string()
    .min(1)
    .max(32)
    .regex(/^[a-z0-9_-]+$/, 'category: a-z 0-9 _ -'),
  priority: z.number().int().min(0).max(100).default(50),
  matchPolicy: z.enum(['exact', 'confusion', 'edit']).default('confusion'),
  expiresAt: z.iso.datetime({ offset: true }).optional(),
});
export type CreateVehicleListRequest = z.infer<typeof createVehicleListSchema>;

// eslint-disable-next-line no-control-regex -- a plate with control characters is refused
const CONTROL = /[\u0000-\u001f\u007f]/;

/** A plate as an administrator types it: the read rules (length, charset, one script), and
 * something left after normalisation. */
export const plateSchema = z
  .string()
  .min(1)
  .max(16)
  .refine((p) => !CONTROL.test(p), 'plate: control characters')
  .refine((p) => /^[\p{L}\p{N}][\p{L}\p{N} -]*$/u.test(p), 'plate: letters, digits, space and -')
  .refine((p) => plateScript(p) !== undefined, 'plate: mixed_script')
  .refine((p) => normalisePlate(p) !== null, 'plate: nothing left after normalisation');

export const addVehicleEntrySchema = z.object({
  plate: plateSchema,
  caseReference: z.string().trim().max(128).optional(),
  description: z.string().max(1024).optional(),
  expiresAt: z.iso.datetime({ offset: true }).optional(),
});
export type AddVehicleEntryRequest = z.infer<typeof addVehicleEntrySchema>;

/** A vehicle list as the API answers it (the repository's row, serialised). */
export const vehicleListViewSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    category: z.string(),
    priority: z.number().int(),
    matchPolicy: z.enum(['exact', 'confusion', 'edit']),
    expiresAt: jsonDate().nullable(),
    createdBy: z.string(),
    createdAt: jsonDate(),
  })
  .readonly()
  .meta({ id: 'VehicleList' });
export type VehicleListView = z.infer<typeof vehicleListViewSchema>;

/** A plate on a vehicle list as the API answers it (the repository's row, serialised). */
export const vehicleEntryViewSchema = z
  .object({
    id: z.uuid(),
    listId: z.uuid(),
    plate: z.string().describe('normalised'),
    plateAsListed: z.string(),
    caseReference: z.string().nullable(),
    description: z.string().nullable(),
    expiresAt: jsonDate().nullable(),
    status: z.enum(['active', 'removed']),
    version: z.number().int(),
    updatedAt: jsonDate(),
  })
  .readonly()
  .meta({ id: 'VehicleListEntry' });
export type VehicleEntryView = z.infer<typeof vehicleEntryViewSchema>;

export const addVehicleEntryResultSchema = z
  .object({
    entry: vehicleEntryViewSchema,
    outcome: z.enum(['added', 'changed', 'unchanged']),
  })
  .meta({ id: 'VehicleListEntryOutcome' });
export type AddVehicleEntryResult = z.infer<typeof addVehicleEntryResultSchema>;

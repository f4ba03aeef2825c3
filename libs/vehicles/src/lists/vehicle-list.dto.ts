import { jsonDate, pageQueryShape, pageSchema } from '@kuzet/http';
import { z } from 'zod';
import { plateScript } from '@kuzet/contracts';
import { normalisePlate } from '../plates/normalise';
import type { VehicleEntryRow, VehicleListRow } from './vehicle-list.repository';

const listName = z.string().trim().min(1).max(200);
const category = z
  .string()
  .min(1)
  .max(32)
  .regex(/^[a-z0-9_-]+$/, 'category: a-z 0-9 _ -');
const priority = z.number().int().min(0).max(100);
const matchPolicy = z.enum(['exact', 'confusion', 'edit']);
const expiresAt = z.iso.datetime({ offset: true });

export const createVehicleListSchema = z.strictObject({
  name: listName,
  category,
  priority: priority.default(50),
  match_policy: matchPolicy.default('confusion'),
  expires_at: expiresAt.optional(),
});
export type CreateVehicleListRequest = z.infer<typeof createVehicleListSchema>;

/** PATCH of a list: any of its fields; `expires_at: null` takes the expiry away. */
export const updateVehicleListSchema = z
  .strictObject({
    name: listName.optional(),
    category: category.optional(),
    priority: priority.optional(),
    match_policy: matchPolicy.optional(),
    expires_at: expiresAt.nullable().optional(),
  })
  .refine((body) => Object.keys(body).length > 0, {
    message: 'nothing to change',
    params: { rule: 'required' },
  })
  .meta({ id: 'UpdateVehicleList' });
export type UpdateVehicleListRequest = z.infer<typeof updateVehicleListSchema>;

export const archiveVehicleListSchema = z
  .strictObject({ reason: z.string().trim().min(3).max(500) })
  .meta({ id: 'ArchiveVehicleList' });
export type ArchiveVehicleListRequest = z.infer<typeof archiveVehicleListSchema>;

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

export const addVehicleEntrySchema = z.strictObject({
  plate: plateSchema,
  case_reference: z.string().trim().max(128).optional(),
  description: z.string().max(1024).optional(),
  expires_at: z.iso.datetime({ offset: true }).optional(),
});
export type AddVehicleEntryRequest = z.infer<typeof addVehicleEntrySchema>;

/** A vehicle list as the API answers it (the repository's row, serialised). */
export const vehicleListViewSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    category: z.string(),
    priority: z.number().int(),
    match_policy: z.enum(['exact', 'confusion', 'edit']),
    expires_at: jsonDate().nullable(),
    created_by: z.string(),
    created_at: jsonDate(),
    archived_at: jsonDate().nullable().describe('set when archived: no longer matched'),
    archived_by: z.string().nullable(),
    archive_reason: z.string().nullable(),
  })
  .meta({ id: 'VehicleList' });
export type VehicleListView = z.infer<typeof vehicleListViewSchema>;

/** A plate on a vehicle list as the API answers it (the repository's row, serialised). */
export const vehicleEntryViewSchema = z
  .object({
    id: z.uuid(),
    list_id: z.uuid(),
    plate: z.string().describe('normalised'),
    plate_as_listed: z.string(),
    case_reference: z.string().nullable(),
    description: z.string().nullable(),
    expires_at: jsonDate().nullable(),
    status: z.enum(['active', 'removed']),
    version: z.number().int(),
    updated_at: jsonDate(),
  })
  .meta({ id: 'VehicleListEntry' });
export type VehicleEntryView = z.infer<typeof vehicleEntryViewSchema>;

export const addVehicleEntryResultSchema = z
  .object({
    entry: vehicleEntryViewSchema,
    outcome: z.enum(['added', 'changed', 'unchanged']),
  })
  .meta({ id: 'VehicleListEntryOutcome' });
export type AddVehicleEntryResult = z.infer<typeof addVehicleEntryResultSchema>;

export const vehicleListPageSchema = pageSchema(vehicleListViewSchema).meta({
  id: 'VehicleListPage',
});
export const vehicleEntryPageSchema = pageSchema(vehicleEntryViewSchema).meta({
  id: 'VehicleListEntryPage',
});

export const vehicleListQuerySchema = z.strictObject(pageQueryShape);
export const vehicleEntryQuerySchema = z.strictObject({
  ...pageQueryShape,
  plate: z
    .string()
    .min(1)
    .max(16)
    .optional()
    .meta({ description: 'entries whose normalised plate starts with this one, normalised' }),
});
export type VehicleEntryQuery = z.infer<typeof vehicleEntryQuerySchema>;

export function vehicleListView(row: VehicleListRow): VehicleListView {
  return {
    id: row.id,
    name: row.name,
    category: row.category,
    priority: row.priority,
    match_policy: row.matchPolicy,
    expires_at: row.expiresAt,
    created_by: row.createdBy,
    created_at: row.createdAt,
    archived_at: row.archivedAt,
    archived_by: row.archivedBy,
    archive_reason: row.archiveReason,
  };
}

export function vehicleEntryView(row: VehicleEntryRow): VehicleEntryView {
  return {
    id: row.id,
    list_id: row.listId,
    plate: row.plate,
    plate_as_listed: row.plateAsListed,
    case_reference: row.caseReference,
    description: row.description,
    expires_at: row.expiresAt,
    status: row.status,
    version: row.version,
    updated_at: row.updatedAt,
  };
}

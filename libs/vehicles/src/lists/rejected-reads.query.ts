import { EntityManager } from 'typeorm';

/** The reads operators rejected as "not this car", per entry (newest last). */
export async function rejectedReadsOf(
  manager: EntityManager,
  entryIds: readonly string[],
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (entryIds.length === 0) return out;
  const rows: { entry_id: string; plate: string }[] = await manager.query(
    `SELECT entry_id, plate FROM vehicle_rejected_read WHERE entry_id = ANY($1::uuid[])
     ORDER BY created_at, plate`,
    [entryIds],
  );
  for (const row of rows) out.set(row.entry_id, [...(out.get(row.entry_id) ?? []), row.plate]);
  return out;
}

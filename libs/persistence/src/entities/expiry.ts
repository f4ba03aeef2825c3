/** When an entry stops counting: the earlier of its own expiry and its list's (null: never).
 * One rule for watchlist persons and vehicle-list entries, at publication and at index load. */
export function earliestExpiry(entry: Date | null, list: Date | null): Date | null {
  if (!entry) return list;
  if (!list) return entry;
  return entry < list ? entry : list;
}

/** Which centres' records (alerts, hits, violations, learning rows) a reader sees. The one rule,
 * used in code (`inCentreScope`) and in SQL (`centreScopeCondition`): the scope's centres and
 * the district centres below them; records no centre owns only when `includeUnrouted`; every
 * centre's when `allCentres` (an explicit grant, never the empty set: no centres sees nothing). */
export interface CentreScope {
  readonly centreIds: readonly string[];
  readonly includeUnrouted: boolean;
  readonly allCentres: boolean;
}

/** Where a record is routed: its centre and that centre's main centre. */
export interface CentreRoute {
  readonly centreId: string | null;
  readonly parentCentreId: string | null;
}

export function inCentreScope(scope: CentreScope, route: CentreRoute): boolean {
  if (route.centreId === null) return scope.includeUnrouted;
  if (scope.allCentres) return true;
  return (
    scope.centreIds.includes(route.centreId) ||
    (route.parentCentreId !== null && scope.centreIds.includes(route.parentCentreId))
  );
}

/** The same rule as a SQL condition over a record's centre and parent-centre columns, with
 * `centreScopeParams` bound at `centres` (text[], null for every centre) and `unrouted`. */
export function centreScopeCondition(
  columns: { readonly centre: string; readonly parent: string },
  params: { readonly centres: string; readonly unrouted: string },
): string {
  const { centre, parent } = columns;
  const { centres, unrouted } = params;
  return `(CASE WHEN ${centre} IS NULL THEN ${unrouted}::boolean
           ELSE ${centres}::text[] IS NULL OR ${centre} = ANY(${centres}::text[])
                OR ${parent} = ANY(${centres}::text[]) END)`;
}

export function centreScopeParams(scope: CentreScope): [string[] | null, boolean] {
  return [scope.allCentres ? null : [...scope.centreIds], scope.includeUnrouted];
}

/** The scope's centres with the district centres whose parent they are (null: every centre),
 * for queries by a record's own centre where no parent is stored. */
export function centresWithDistricts(
  scope: CentreScope,
  parents: ReadonlyMap<string, string | null>,
): string[] | null {
  if (scope.allCentres) return null;
  const children = [...parents]
    .filter(([, parent]) => parent !== null && scope.centreIds.includes(parent))
    .map(([id]) => id);
  return [...new Set([...scope.centreIds, ...children])];
}

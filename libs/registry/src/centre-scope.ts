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

/** A reader's scope over a record's own centre (the violation log stores no parent):
 * `centresWithDistricts` of their scope (null: every centre) and records no centre owns. */
export interface OwnCentreScope {
  readonly centres: readonly string[] | null;
  readonly includeUnrouted: boolean;
}

export function ownCentreScope(
  scope: CentreScope,
  parents: ReadonlyMap<string, string | null>,
): OwnCentreScope {
  return {
    centres: centresWithDistricts(scope, parents),
    includeUnrouted: scope.includeUnrouted,
  };
}

/** What `ownCentreCondition` admits, in code (the rule its tests hold it to). */
export function ownCentreAdmits(scope: OwnCentreScope, centreId: string | null): boolean {
  if (centreId === null) return scope.includeUnrouted;
  return scope.centres === null || scope.centres.includes(centreId);
}

/** `ownCentreAdmits` as a TypeORM condition over a centre column, with its named parameters.
 * The centres are listed, not sub-selected, so the planner knows how many rows each holds. */
export function ownCentreCondition(
  column: string,
  scope: OwnCentreScope,
  name = 'scopeCentres',
): { readonly sql: string; readonly params: Record<string, unknown> } {
  const admitted = ['FALSE'];
  if (scope.centres === null) admitted.push(`${column} IS NOT NULL`);
  else if (scope.centres.length > 0) admitted.push(`${column} IN (:...${name})`);
  if (scope.includeUnrouted) admitted.push(`${column} IS NULL`);
  return { sql: `(${admitted.join(' OR ')})`, params: { [name]: [...(scope.centres ?? [])] } };
}

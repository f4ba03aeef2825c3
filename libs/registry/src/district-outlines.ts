import outlines from './geo/mangystau-districts.json';

/** A ring of [longitude, latitude] points, as GeoJSON writes them. */
type Ring = readonly (readonly number[])[];

/** The bundled outline of the seed region's districts (geo/mangystau-districts.json): drawn by
 * hand from the districts in the registry, not surveyed borders, so a camera "outside its
 * district" by it is one to check, not one proven misplaced. The console draws the same file. */
export const DISTRICT_OUTLINES = outlines as {
  readonly type: 'FeatureCollection';
  readonly features: readonly {
    readonly properties: { readonly id: string; readonly name: string };
    readonly geometry: { readonly type: 'Polygon'; readonly coordinates: readonly Ring[] };
  }[];
};

const rings = new Map<string, readonly Ring[]>(
  DISTRICT_OUTLINES.features.map((f) => [f.properties.id, f.geometry.coordinates]),
);

/** Even-odd ray casting: inside the outer ring and outside its holes. */
function inRing(ring: Ring, lng: number, lat: number): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i] as [number, number];
    const [xj, yj] = ring[j] as [number, number];
    if (yi > lat !== yj > lat && lng < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Whether a position lies within its district's bundled outline; null when the bundle has no
 * outline for the district (nothing to check against). */
export function withinDistrictOutline(
  districtId: string,
  latitude: number,
  longitude: number,
): boolean | null {
  const polygon = rings.get(districtId);
  if (!polygon) return null;
  const [outer, ...holes] = polygon;
  return (
    outer !== undefined &&
    inRing(outer, longitude, latitude) &&
    !holes.some((hole) => inRing(hole, longitude, latitude))
  );
}

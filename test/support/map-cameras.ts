import { DISTRICT_OUTLINES, withinDistrictOutline } from '@kuzet/registry';
import { seededRandom } from '../../libs/watchlist/src/vector-index/seeded-random';

/** A TypeORM DataSource or a pg Client. */
interface Queryable {
  query(text: string, values?: unknown[]): Promise<unknown>;
}

/** Mangystau's connected cameras (docs: shared CONTEXT.md, January 2026). */
export const MANGYSTAU_CONNECTED_CAMERAS = 21_898;

/** Where the cameras are, roughly as the "102" calls are (Aktau most, Karakiya least). */
const SHARE: Readonly<Record<string, number>> = {
  'aktau-city': 0.6,
  'zhanaozen-city': 0.14,
  munaily: 0.06,
  tupkaragan: 0.05,
  mangystau: 0.05,
  beineu: 0.06,
  karakiya: 0.04,
};

export interface SeededCamera {
  readonly id: string;
  readonly districtId: string;
  readonly latitude: number;
  readonly longitude: number;
}

/** `count` connected cameras inside the bundled outlines of the seed region's districts
 * (deploy/config/region.yaml must be loaded: its districts and centres), most of them around the
 * towns, ids `map-<district>-<n>`; each camera's centre is its district's. Returns them. */
export async function seedMapCameras(
  db: Queryable,
  count: number,
  seed = 1,
): Promise<SeededCamera[]> {
  const next = seededRandom(seed);
  const cameras: SeededCamera[] = [];
  const districts = Object.keys(SHARE);
  for (const [d, districtId] of districts.entries()) {
    const n =
      d === districts.length - 1 ? count - cameras.length : Math.round(count * SHARE[districtId]!);
    const ring = DISTRICT_OUTLINES.features.find((f) => f.properties.id === districtId)!.geometry
      .coordinates[0]!;
    const lngs = ring.map((p) => p[0]!);
    const lats = ring.map((p) => p[1]!);
    const [west, east, south, north] = [
      Math.min(...lngs),
      Math.max(...lngs),
      Math.min(...lats),
      Math.max(...lats),
    ];
    // a town in the district: cameras crowd around it, a few along the roads
    const town = { lat: (south + north) / 2, lng: (west + east) / 2 };
    for (let i = 0; i < n;) {
      const near = next() < 0.85;
      const spread = near ? 0.05 : 1;
      const lat = near ? town.lat + (next() - 0.5) * spread : south + next() * (north - south);
      const lng = near ? town.lng + (next() - 0.5) * spread : west + next() * (east - west);
      if (!withinDistrictOutline(districtId, lat, lng)) continue;
      cameras.push({ id: `map-${districtId}-${i}`, districtId, latitude: lat, longitude: lng });
      i += 1;
    }
  }
  for (let i = 0; i < cameras.length; i += 5000) {
    const chunk = cameras.slice(i, i + 5000);
    await db.query(
      `INSERT INTO camera (id, name, district_id, centre_id, latitude, longitude, kind, connected)
       SELECT t.id, 'Map camera ' || t.id, t.district_id, d.centre_id, t.lat, t.lng, 'camera', true
         FROM unnest($1::text[], $2::text[], $3::float8[], $4::float8[]) AS t(id, district_id, lat, lng)
         JOIN district d ON d.id = t.district_id`,
      [
        chunk.map((c) => c.id),
        chunk.map((c) => c.districtId),
        chunk.map((c) => c.latitude),
        chunk.map((c) => c.longitude),
      ],
    );
  }
  return cameras;
}

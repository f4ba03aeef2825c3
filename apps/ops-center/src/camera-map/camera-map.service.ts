import { Injectable } from '@nestjs/common';
import { TTLCache } from '@isaacs/ttlcache';
import Supercluster from 'supercluster';
import { DataSource } from 'typeorm';
import { StaffPrincipal } from '@kuzet/auth';
import { decodeCursor, encodeCursor, Page } from '@kuzet/http';
import { withinDistrictOutline } from '@kuzet/registry';
import { CentreScopes } from '../scope/centre-scope';
import {
  CAMERA_MAP_MAX_ITEMS,
  CameraMap,
  CameraMapQuery,
  CameraPositionProblem,
  CameraPositionProblemsQuery,
  CLUSTER_MAX_ZOOM,
  CLUSTER_RADIUS_PX,
  MapCamera,
  MapCluster,
} from './camera-map.dto';

interface CameraRow {
  id: string;
  name: string;
  district_id: string;
  district_name: string;
  kind: 'camera' | 'sos_button';
  latitude: number | null;
  longitude: number | null;
}

/** One scope's cameras as loaded, clustered once: reused while the registry's cameras are
 * unchanged (the same registry version). */
interface Snapshot {
  readonly fingerprint: string;
  readonly cameras: readonly (CameraRow & { outside: boolean })[];
  readonly index: Supercluster<{ i: number }, { flagged: number }>;
  readonly placed: number;
}

/** Who sees which cameras on the map: a system administrator every active camera (connected or
 * not: the registry is what they check); anyone else the active connected cameras of their
 * centres and of the district centres below them, the rule the camera-health screen and the
 * alert scope follow (CentreScopes). Badges are officers, not places: never on the map. */
function scopeOf(
  user: StaffPrincipal,
  centreIds: readonly string[],
): { key: string; where: string; params: unknown[] } {
  const base = `c.status = 'active' AND c.kind IN ('camera', 'sos_button')`;
  if (user.roles.includes('system-admin')) return { key: 'all', where: base, params: [] };
  const centres = [...new Set(centreIds)].sort();
  return {
    key: `centres:${centres.join(',')}`,
    where: `${base} AND c.connected AND (c.centre_id = ANY($1::text[]) OR o.parent_centre_id = ANY($1::text[]))`,
    params: [centres],
  };
}

/** The camera map at regional scale: the caller's cameras in a box at a zoom, as clusters with
 * counts where they crowd (supercluster, on the server: an answer stays a few hundred features
 * whether the region has 22,000 cameras or 64,000, and no camera outside the caller's scope ever
 * leaves the server) and as single cameras where they do not. */
@Injectable()
export class CameraMapService {
  private readonly snapshots = new TTLCache<string, Promise<Snapshot>>({
    ttl: 600_000,
    max: 64,
  });

  private version: Promise<string> | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly scopes: CentreScopes,
  ) {}

  async map(user: StaffPrincipal, query: CameraMapQuery): Promise<CameraMap> {
    const snapshot = await this.snapshot(user);
    const zoom = Math.floor(query.zoom);
    const features = snapshot.index.getClusters(
      [query.west, query.south, query.east, query.north],
      zoom,
    );
    const clusters: MapCluster[] = [];
    const cameras: MapCamera[] = [];
    for (const feature of features.slice(0, CAMERA_MAP_MAX_ITEMS)) {
      const [longitude, latitude] = feature.geometry.coordinates as [number, number];
      const p = feature.properties;
      if ('cluster' in p && p.cluster) {
        clusters.push({
          latitude,
          longitude,
          count: p.point_count,
          flagged: p.flagged,
          expansion_zoom: snapshot.index.getClusterExpansionZoom(p.cluster_id),
        });
      } else {
        const c = snapshot.cameras[(p as { i: number }).i]!;
        cameras.push({
          id: c.id,
          name: c.name,
          district_id: c.district_id,
          district_name: c.district_name,
          kind: c.kind,
          latitude,
          longitude,
          outside_district: c.outside,
        });
      }
    }
    return {
      zoom,
      clusters,
      cameras,
      truncated: features.length > CAMERA_MAP_MAX_ITEMS,
      in_scope: snapshot.placed,
      without_position: snapshot.cameras.length - snapshot.placed,
    };
  }

  /** Cameras to check, by id: without a position, or outside their district's outline. */
  async problems(
    user: StaffPrincipal,
    query: CameraPositionProblemsQuery,
  ): Promise<Page<CameraPositionProblem>> {
    const after = query.cursor === undefined ? '' : String(decodeCursor(query.cursor, 1)[0]);
    const items: CameraPositionProblem[] = [];
    let more = false;
    for (const c of (await this.snapshot(user)).cameras) {
      if (c.id <= after) continue;
      const problem =
        c.latitude === null || c.longitude === null
          ? 'no_position'
          : c.outside
            ? 'outside_district'
            : null;
      if (problem === null) continue;
      if (items.length === query.limit) {
        more = true;
        break;
      }
      items.push({
        camera_id: c.id,
        camera_name: c.name,
        district_id: c.district_id,
        district_name: c.district_name,
        latitude: c.latitude,
        longitude: c.longitude,
        problem,
      });
    }
    return {
      items,
      next_cursor: more ? encodeCursor([items[items.length - 1]!.camera_id]) : null,
    };
  }

  private async snapshot(user: StaffPrincipal): Promise<Snapshot> {
    const scope = scopeOf(user, this.scopes.of(user).centreIds);
    const fingerprint = await this.registryVersion();
    const cached = this.snapshots.get(scope.key);
    if (cached && (await cached.catch(() => null))?.fingerprint === fingerprint) return cached;
    const loading = this.load(scope, fingerprint);
    this.snapshots.set(scope.key, loading);
    loading.catch(() => this.snapshots.delete(scope.key));
    return loading;
  }

  /** The version of what the map shows, bumped in the transaction of every change to it (see the
   * migration CameraRegistryVersion). Requests at the same moment share one look. */
  private registryVersion(): Promise<string> {
    this.version ??= this.dataSource
      .query<{ version: string }[]>(
        `SELECT version::text AS version FROM registry_version WHERE name = 'camera-map'`,
      )
      .then(([row]) => row?.version ?? '')
      .finally(() => (this.version = null));
    return this.version;
  }

  private async load(scope: ReturnType<typeof scopeOf>, fingerprint: string): Promise<Snapshot> {
    const rows = await this.dataSource.query<CameraRow[]>(
      `SELECT c.id, c.name, c.district_id, d.name AS district_name, c.kind, c.latitude, c.longitude
         FROM camera c JOIN operations_centre o ON o.id = c.centre_id
         JOIN district d ON d.id = c.district_id
        WHERE ${scope.where} ORDER BY c.id`,
      scope.params,
    );
    const cameras = rows.map((c) => ({
      ...c,
      outside:
        c.latitude !== null &&
        c.longitude !== null &&
        withinDistrictOutline(c.district_id, c.latitude, c.longitude) === false,
    }));
    const index = new Supercluster<{ i: number }, { flagged: number }>({
      radius: CLUSTER_RADIUS_PX,
      extent: 256,
      maxZoom: CLUSTER_MAX_ZOOM,
      map: (p) => ({ flagged: cameras[p.i]!.outside ? 1 : 0 }),
      reduce: (sum, p) => {
        sum.flagged += p.flagged;
      },
    });
    const points = cameras.flatMap((c, i) =>
      c.latitude === null || c.longitude === null
        ? []
        : [
            {
              type: 'Feature' as const,
              properties: { i },
              geometry: { type: 'Point' as const, coordinates: [c.longitude, c.latitude] },
            },
          ],
    );
    index.load(points);
    return { fingerprint, cameras, index, placed: points.length };
  }
}

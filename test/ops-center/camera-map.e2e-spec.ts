import { NestFastifyApplication } from '@nestjs/platform-fastify';
import fc from 'fast-check';
import { resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { IngestModule } from '../../apps/ingest/src/ingest.module';
import {
  CAMERA_MAP_MAX_ITEMS,
  CameraMap,
} from '../../apps/ops-center/src/camera-map/camera-map.dto';
import { OpsCenterModule } from '../../apps/ops-center/src/ops-center.module';
import { createTestDatabase, TestDatabase } from '../support/database';
import { startTestApp } from '../support/kuzet-app';
import { seedMapCameras } from '../support/map-cameras';
import { SignedInStaff, signInAs } from '../support/staff';

const REGION = resolve(__dirname, '../../deploy/config/region.yaml');
/** The whole region, as the console's region view asks for it. */
const REGION_BOX = { west: 49, south: 40.5, east: 57, north: 47.5, zoom: 6 };
const SEEDED = 3000;

/** GET /v1/camera-map and /position-problems over HTTP: clusters at region zoom and single
 * cameras at street zoom, only the caller's centres' cameras (a main centre's with its district
 * centres'), every active camera for a system administrator with those to check flagged, and
 * a 400 naming the field for any bad query. */
describe('the camera map', () => {
  let database: TestDatabase;
  let app: NestFastifyApplication;
  let sql: DataSource;
  let admin: SignedInStaff;

  const get = async (who: SignedInStaff, url: string) => {
    const answer = await app.inject({ method: 'GET', url, headers: who.headers });
    return { status: answer.statusCode, body: answer.json<Record<string, unknown>>() };
  };
  const mapOf = async (who: SignedInStaff, box: Record<string, number>) => {
    const answer = await get(who, `/v1/camera-map?${new URLSearchParams(stringify(box))}`);
    expect(answer.status).toBe(200);
    return answer.body as unknown as CameraMap;
  };
  const counted = (map: CameraMap) =>
    map.clusters.reduce((sum, c) => sum + c.count, 0) + map.cameras.length;
  /** The scope rule, asked of the database: the centres' cameras and their district centres'. */
  const inCentres = async (centres: string[]) =>
    (
      await sql.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM camera c JOIN operations_centre o ON o.id = c.centre_id
          WHERE c.status = 'active' AND c.connected AND c.kind IN ('camera', 'sos_button')
            AND c.latitude IS NOT NULL
            AND (c.centre_id = ANY($1) OR o.parent_centre_id = ANY($1))`,
        [centres],
      )
    )[0]!.n;

  beforeAll(async () => {
    database = await createTestDatabase();
    ({ app } = await startTestApp([IngestModule, OpsCenterModule], {
      DATABASE_URL: database.url,
      KUZET_REGION_FILE: REGION,
    }));
    sql = app.get(DataSource);
    await seedMapCameras(sql, SEEDED);
    admin = await signInAs(app, ['system-admin']);
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('shows the region as clusters with counts, and a street as single cameras', async () => {
    const operator = await signInAs(app, ['operator'], ['aktau']);
    const region = await mapOf(operator, REGION_BOX);
    expect(region.clusters.length).toBeGreaterThan(0);
    expect(region.clusters.every((c) => c.count >= 2 && c.expansion_zoom > 6)).toBe(true);
    // nothing twice, nothing lost: the counts add up to every placed camera in scope
    expect(counted(region)).toBe(region.in_scope);
    expect(region.in_scope).toBe(await inCentres(['aktau']));
    expect(region.clusters.length + region.cameras.length).toBeLessThan(200);

    // street zoom around aktau-cam-0001 (43.6481, 51.1722): single cameras, all in the box
    const box = { west: 51.165, south: 43.644, east: 51.18, north: 43.652, zoom: 17 };
    const street = await mapOf(operator, box);
    expect(street.clusters).toEqual([]);
    expect(street.cameras.map((c) => c.id)).toContain('aktau-cam-0001');
    for (const c of street.cameras) {
      expect(c.latitude).toBeGreaterThanOrEqual(box.south);
      expect(c.latitude).toBeLessThanOrEqual(box.north);
      expect(c.longitude).toBeGreaterThanOrEqual(box.west);
      expect(c.longitude).toBeLessThanOrEqual(box.east);
    }
    const camera = street.cameras.find((c) => c.id === 'aktau-cam-0001')!;
    expect(camera).toMatchObject({ district_id: 'aktau-city', kind: 'camera' });
  });

  it("shows staff only their centres' cameras: a main centre's with its district centres'", async () => {
    const munaily = await signInAs(app, ['operator'], ['munaily']);
    const zhanaozen = await signInAs(app, ['supervisor'], ['zhanaozen']);
    const aktau = await signInAs(app, ['operator'], ['aktau']);
    const nobody = await signInAs(app, ['supervisor'], []);
    const [m, z, a, n] = await Promise.all(
      [munaily, zhanaozen, aktau, nobody].map((who) => mapOf(who, REGION_BOX)),
    );
    expect(m.in_scope).toBe(await inCentres(['munaily']));
    expect(z.in_scope).toBe(await inCentres(['zhanaozen']));
    expect(n.in_scope).toBe(0);
    expect(counted(n)).toBe(0);
    // Aktau's district centres (Munaily among them) are Aktau's too; Zhanaozen's are not
    expect(a.in_scope).toBeGreaterThan(m.in_scope);
    expect(a.in_scope + z.in_scope).toBe(await inCentres(['aktau', 'zhanaozen']));
    // at street zoom over Munaily's cameras, Zhanaozen's supervisor sees none of them
    const munailyBox = { west: 51.2, south: 43.69, east: 51.29, north: 43.72, zoom: 14 };
    const seen = await mapOf(munaily, {
      west: 51.255,
      south: 43.695,
      east: 51.275,
      north: 43.705,
      zoom: 17,
    });
    expect(seen.cameras.map((c) => c.id)).toContain('munaily-cam-0001');
    expect(counted(await mapOf(zhanaozen, munailyBox))).toBe(0);
  });

  it('flags to an administrator the cameras with no position or outside their district', async () => {
    const all = await mapOf(admin, REGION_BOX);
    expect(counted(all)).toBe(all.in_scope);
    expect(all.in_scope).toBeGreaterThanOrEqual(SEEDED);
    // a camera filed under Beineu but placed in Aktau; one with no position
    await sql.query(
      `INSERT INTO camera (id, name, district_id, centre_id, latitude, longitude) VALUES
         ('map-misfiled', 'Misfiled', 'beineu', 'beineu', 43.6479, 51.1733),
         ('map-unplaced', 'Unplaced', 'karakiya', 'karakiya', NULL, NULL)`,
    );
    const after = await mapOf(admin, REGION_BOX);
    expect(after.in_scope).toBe(all.in_scope + 1);
    expect(after.without_position).toBe(all.without_position + 1);
    // the cluster holding it counts it as flagged
    expect(after.clusters.reduce((sum, c) => sum + c.flagged, 0)).toBeGreaterThan(
      all.clusters.reduce((sum, c) => sum + c.flagged, 0),
    );
    const street = await mapOf(admin, {
      west: 51.165,
      south: 43.644,
      east: 51.18,
      north: 43.652,
      zoom: 17,
    });
    expect(street.cameras.find((c) => c.id === 'map-misfiled')?.outside_district).toBe(true);
    expect(street.cameras.find((c) => c.id === 'aktau-cam-0001')?.outside_district).toBe(false);

    const problems: { camera_id: string; problem: string }[] = [];
    let cursor: string | null = null;
    do {
      const page = await get(
        admin,
        `/v1/camera-map/position-problems?limit=50${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status).toBe(200);
      problems.push(...(page.body.items as typeof problems));
      cursor = page.body.next_cursor as string | null;
    } while (cursor);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ camera_id: 'map-misfiled', problem: 'outside_district' }),
        expect.objectContaining({ camera_id: 'map-unplaced', problem: 'no_position' }),
      ]),
    );
    // the seeded cameras are all inside their outlines
    expect(
      problems.filter(
        (p) =>
          p.camera_id.startsWith('map-') &&
          p.camera_id !== 'map-misfiled' &&
          p.camera_id !== 'map-unplaced',
      ),
    ).toEqual([]);

    // moved back inside through the registry API (audited): no longer flagged
    const moved = await app.inject({
      method: 'PATCH',
      url: '/v1/cameras/map-misfiled',
      headers: admin.headers,
      payload: { latitude: 45.3, longitude: 55.0 },
    });
    expect(moved.statusCode).toBe(200);
    const entry = await sql.query<{ action: string }[]>(
      `SELECT action FROM audit_log WHERE subject_id = 'map-misfiled' ORDER BY seq DESC LIMIT 1`,
    );
    expect(entry[0]?.action).toBe('registry.camera-updated');
    const again = await get(admin, '/v1/camera-map/position-problems?limit=500');
    expect((again.body.items as typeof problems).map((p) => p.camera_id)).not.toContain(
      'map-misfiled',
    );
    const operator = await signInAs(app, ['operator'], ['aktau']);
    expect((await get(operator, '/v1/camera-map/position-problems')).status).toBe(403);
  });

  it('shows a change committed with an older timestamp than the latest, and is not rebuilt by heartbeats', async () => {
    const street = { west: 51.165, south: 43.644, east: 51.18, north: 43.652, zoom: 17 };
    const version = async () =>
      (
        await sql.query<{ v: string }[]>(
          `SELECT version::text AS v FROM registry_version WHERE name = 'camera-map'`,
        )
      )[0]!.v;
    await mapOf(admin, street);
    // a later change commits first, then one stamped earlier (two transactions crossing)
    await sql.query(
      `UPDATE camera SET name = 'Later', updated_at = now() WHERE id = 'aktau-cam-0002'`,
    );
    await mapOf(admin, street);
    await sql.query(
      `UPDATE camera SET name = 'Stamped earlier', updated_at = now() - interval '1 hour'
        WHERE id = 'aktau-cam-0001'`,
    );
    const after = await mapOf(admin, street);
    expect(after.cameras.find((c) => c.id === 'aktau-cam-0001')?.name).toBe('Stamped earlier');

    const before = await version();
    await sql.query(`UPDATE camera SET last_seen_at = now() WHERE id = 'aktau-cam-0001'`);
    expect(await version()).toBe(before);
    await sql.query(`UPDATE operations_centre SET parent_centre_id = parent_centre_id`);
    expect(await version()).not.toBe(before);
  });

  it('answers any query with the map or a 400 naming the field, never more than the limit', async () => {
    const KEYS = ['west', 'south', 'east', 'north', 'zoom'] as const;
    const value = fc.oneof(
      fc.double({ min: -200, max: 200, noNaN: true }).map(String),
      fc.integer({ min: 0, max: 25 }).map(String),
      fc.constantFrom('', 'NaN', 'Infinity', '1e3', 'x', '-0'),
    );
    const query = fc.record(
      {
        west: value,
        south: value,
        east: value,
        north: value,
        zoom: value,
        extra: fc.constantFrom('1'),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(query, async (q) => {
        const answer = await get(admin, `/v1/camera-map?${new URLSearchParams(q)}`);
        if (answer.status === 400) {
          const errors = answer.body.errors as { field: string; rule: string }[];
          expect(errors.length).toBeGreaterThan(0);
          for (const e of errors) expect([...KEYS, '$']).toContain(e.field);
          return;
        }
        expect(answer.status).toBe(200);
        const map = answer.body as unknown as CameraMap;
        expect(map.clusters.length + map.cameras.length).toBeLessThanOrEqual(CAMERA_MAP_MAX_ITEMS);
        const [w, s, e, n] = [q.west, q.south, q.east, q.north].map(Number) as number[];
        for (const c of [...map.clusters, ...map.cameras]) {
          expect(
            c.longitude >= w! && c.longitude <= e! && c.latitude >= s! && c.latitude <= n!,
          ).toBe(true);
        }
      }),
      { numRuns: 150 },
    );
    // the rules, by name
    const refused = async (q: Record<string, number | string>) =>
      (await get(admin, `/v1/camera-map?${new URLSearchParams(stringify(q))}`)).body.errors;
    expect(await refused({ ...REGION_BOX, east: 48 })).toEqual([
      expect.objectContaining({ field: 'east', rule: 'east_of_west' }),
    ]);
    expect(await refused({ ...REGION_BOX, north: 40 })).toEqual([
      expect.objectContaining({ field: 'north', rule: 'north_of_south' }),
    ]);
    expect(await refused({ ...REGION_BOX, zoom: 12 })).toEqual([
      expect.objectContaining({ field: 'zoom', rule: 'box_too_large_for_zoom' }),
    ]);
    expect(await refused({ ...REGION_BOX, south: -91 })).toEqual([
      expect.objectContaining({ field: 'south', rule: 'too_small' }),
    ]);
    const { zoom: _zoom, ...noZoom } = REGION_BOX;
    expect(await refused(noZoom)).toEqual([
      expect.objectContaining({ field: 'zoom', rule: 'required' }),
    ]);
  });
});

function stringify(q: Record<string, number | string>): Record<string, string> {
  return Object.fromEntries(Object.entries(q).map(([k, v]) => [k, String(v)]));
}

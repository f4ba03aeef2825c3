import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { OpsCenterModule } from '../../apps/ops-center/src/ops-center.module';
import { createTestDatabase, TestDatabase } from '../support/database';
import { startTestApp } from '../support/kuzet-app';
import { SignedInStaff, signInAs } from '../support/staff';

/** The security fixes of learning from decisions: suppression is off until a list turns it on;
 * a supervisor reads only the negatives and suppressions of their centres (and the district
 * centres below them); only a watchlist administrator or a supervisor of a main centre changes
 * a list's alerting for the whole region. */
describe('learning: opt-in suppression, centre-scoped reads, region-wide writes', () => {
  let database: TestDatabase;
  let app: NestFastifyApplication;
  let north: SignedInStaff; // supervisor of the main centre north
  let northDistrict: SignedInStaff; // supervisor of north-d, a district centre under north
  let auditor: SignedInStaff;
  let admin: SignedInStaff;
  const watchlistId = randomUUID();
  const personId = randomUUID();
  // camera id -> [its centre, its centre's parent]
  const cameras = {
    'cam-north': ['north', null],
    'cam-north-d': ['north-d', 'north'],
    'cam-south': ['south', null],
  } as const;
  const negativeOf = new Map<string, string>(); // camera -> negative id
  const suppressionOf = new Map<string, string>(); // camera -> suppression id

  beforeAll(async () => {
    database = await createTestDatabase();
    ({ app } = await startTestApp([OpsCenterModule], { DATABASE_URL: database.url }));
    const sql = app.get(DataSource);
    await sql.query(`INSERT INTO operations_centre (id, name, kind, parent_centre_id) VALUES
      ('north', 'North', 'main', NULL), ('south', 'South', 'main', NULL),
      ('north-d', 'North district', 'district', 'north')`);
    for (const [camera, [centre, parent]] of Object.entries(cameras)) {
      await sql.query(`INSERT INTO district (id, name, centre_id) VALUES ($1, $1, $2)`, [
        `${camera}-district`,
        centre,
      ]);
      await sql.query(
        `INSERT INTO camera (id, name, district_id, centre_id) VALUES ($1, $1, $2, $3)`,
        [camera, `${camera}-district`, centre],
      );
      const alertId = randomUUID();
      await sql.query(
        `INSERT INTO alert (id, kind, state, priority, centre_id, parent_centre_id, camera_id,
           event_id, person_id, watchlist_id, similarity, threshold, captured_at, last_seen_at)
         VALUES ($1, 'watchlist_hit', 'rejected', 0, $2, $3, $4, $1, $5, $6, 0.5, 0.4, now(), now())`,
        [alertId, centre, parent, camera, personId, watchlistId],
      );
      const negativeId = randomUUID();
      await sql.query(
        `INSERT INTO face_negative (id, person_id, watchlist_id, alert_id, embedding, model_id,
           similarity, face_crop_ref, created_by, expires_at)
         VALUES ($1, $2, $3, $4, $5, 'm', 0.5, $6, 'op', now() + interval '1 day')`,
        [
          negativeId,
          personId,
          watchlistId,
          alertId,
          Buffer.from(new Float32Array(4).fill(0.5).buffer),
          `crop-${camera}`,
        ],
      );
      negativeOf.set(camera, negativeId);
      const suppressionId = randomUUID();
      await sql.query(
        `INSERT INTO suppressed_match (id, event_id, camera_id, person_id, watchlist_id,
           negative_id, similarity, negative_similarity, margin, ceiling, captured_at)
         VALUES ($1, $2, $3, $4, $5, $6, 0.5, 0.6, 0.05, 0.8, now())`,
        [suppressionId, randomUUID(), camera, personId, watchlistId, negativeId],
      );
      suppressionOf.set(camera, suppressionId);
    }
    await sql.query(
      `INSERT INTO watchlist (id, name, category, similarity_threshold) VALUES ($1, 'Wanted', 'wanted', 0.4)`,
      [watchlistId],
    );
    north = await signInAs(app, ['supervisor'], ['north']);
    northDistrict = await signInAs(app, ['supervisor'], ['north-d']);
    auditor = await signInAs(app, ['auditor']);
    admin = await signInAs(app, ['watchlist-admin']);
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  const get = async (path: string, who: SignedInStaff) => {
    const response = await app.inject({
      method: 'GET',
      url: `/v1/watchlists/${watchlistId}/${path}`,
      headers: who.headers,
    });
    expect(response.statusCode).toBe(200);
    return response.json();
  };
  const ids = (page: { items: { id: string }[] }) => page.items.map((i) => i.id).sort();
  const of = (map: Map<string, string>, ...keys: (keyof typeof cameras)[]) =>
    keys.map((k) => map.get(k)!).sort();

  it('has suppression off for a list no one turned it on for', async () => {
    expect(await get('suppression-policy', auditor)).toMatchObject({
      enabled: false,
      updated_by: null,
    });
    const lists = await app.inject({
      method: 'GET',
      url: '/v1/watchlist-learning',
      headers: auditor.headers,
    });
    expect(lists.json()).toMatchObject({
      items: [{ watchlist_id: watchlistId, suppression_enabled: false }],
    });
  });

  it("shows a supervisor only their centres' suppressions and negatives", async () => {
    expect(ids(await get('suppressions', north))).toEqual(
      of(suppressionOf, 'cam-north', 'cam-north-d'),
    );
    expect(ids(await get('suppressions', northDistrict))).toEqual(of(suppressionOf, 'cam-north-d'));
    expect(ids(await get('negatives', north))).toEqual(of(negativeOf, 'cam-north', 'cam-north-d'));
    expect(ids(await get('negatives', northDistrict))).toEqual(of(negativeOf, 'cam-north-d'));
    // the auditor and the list administrator see the region
    const all = ['cam-north', 'cam-north-d', 'cam-south'] as const;
    expect(ids(await get('suppressions', auditor))).toEqual(of(suppressionOf, ...all));
    expect(ids(await get('negatives', admin))).toEqual(of(negativeOf, ...all));
  });

  it('lets only a main-centre supervisor or a list administrator change the region', async () => {
    const sql = app.get(DataSource);
    const put = (who: SignedInStaff, enabled: boolean) =>
      app.inject({
        method: 'PUT',
        url: `/v1/watchlists/${watchlistId}/suppression-policy`,
        headers: who.headers,
        payload: { enabled, margin: 0.05, ceiling: 0.8 },
      });
    const apply = (who: SignedInStaff, threshold: number) =>
      app.inject({
        method: 'POST',
        url: `/v1/watchlists/${watchlistId}/threshold-decisions`,
        headers: who.headers,
        payload: { threshold, reason: 'evidence' },
      });

    const refusedPolicy = await put(northDistrict, true);
    expect(refusedPolicy.statusCode).toBe(403);
    expect(refusedPolicy.json()).toMatchObject({ errors: [{ rule: 'main_centre_supervisor' }] });
    const refusedThreshold = await apply(northDistrict, 0.5);
    expect(refusedThreshold.statusCode).toBe(403);
    expect(await get('suppression-policy', auditor)).toMatchObject({ enabled: false });
    const [list] = await sql.query(`SELECT similarity_threshold FROM watchlist WHERE id = $1`, [
      watchlistId,
    ]);
    expect(Number(list.similarity_threshold)).toBeCloseTo(0.4, 5);

    expect((await put(north, true)).statusCode).toBe(200);
    expect(await get('suppression-policy', auditor)).toMatchObject({
      enabled: true,
      updated_by: north.username,
    });
    expect((await put(admin, false)).statusCode).toBe(200);
    const applied = await apply(admin, 0.5);
    expect(applied.statusCode).toBe(201);
    const reverted = await app.inject({
      method: 'POST',
      url: `/v1/watchlists/${watchlistId}/threshold-decisions/${applied.json().id}/revert`,
      headers: northDistrict.headers,
      payload: { reason: 'no' },
    });
    expect(reverted.statusCode).toBe(403);
    const audited: { actor: string }[] = await sql.query(
      `SELECT actor FROM audit_log WHERE action = 'watchlist.suppression-policy-set'
         AND subject_id = $1 ORDER BY seq`,
      [watchlistId],
    );
    expect(audited.map((a) => a.actor)).toEqual([north.username, admin.username]);
  });

  it('approves a negative: a supervisor of its centre or a list administrator, never its author', async () => {
    const sql = app.get(DataSource);
    const approve = (who: SignedInStaff, negativeId: string) =>
      app.inject({
        method: 'POST',
        url: `/v1/watchlists/${watchlistId}/negatives/${negativeId}/approve`,
        headers: who.headers,
      });
    const pending = (await get('negatives', admin)) as { items: { state: string }[] };
    expect(pending.items.map((n) => n.state)).toEqual(['pending', 'pending', 'pending']);

    // not within the district supervisor's centres: as if it did not exist
    expect((await approve(northDistrict, negativeOf.get('cam-north')!)).statusCode).toBe(404);
    // the author of a negative does not approve it
    await sql.query(`UPDATE face_negative SET created_by = $1 WHERE id = $2`, [
      north.username,
      negativeOf.get('cam-north')!,
    ]);
    const own = await approve(north, negativeOf.get('cam-north')!);
    expect(own.statusCode).toBe(403);
    expect(own.json()).toMatchObject({ errors: [{ rule: 'four_eyes' }] });

    const approved = await approve(north, negativeOf.get('cam-north-d')!);
    expect(approved.statusCode).toBe(201);
    expect(approved.json()).toMatchObject({ state: 'approved', approved_by: north.username });
    expect((await approve(admin, negativeOf.get('cam-north-d')!)).statusCode).toBe(409);
    expect((await approve(admin, negativeOf.get('cam-south')!)).statusCode).toBe(201);

    const states: { id: string; state: string }[] = await sql.query(
      `SELECT id, state FROM face_negative WHERE watchlist_id = $1`,
      [watchlistId],
    );
    expect(Object.fromEntries(states.map((r) => [r.id, r.state]))).toEqual({
      [negativeOf.get('cam-north')!]: 'pending',
      [negativeOf.get('cam-north-d')!]: 'approved',
      [negativeOf.get('cam-south')!]: 'approved',
    });
    const audited: { actor: string; details: { negativeId: string } }[] = await sql.query(
      `SELECT actor, details FROM audit_log WHERE action = 'watchlist.negative-approved' ORDER BY seq`,
    );
    expect(audited.map((a) => [a.actor, a.details.negativeId])).toEqual([
      [north.username, negativeOf.get('cam-north-d')!],
      [admin.username, negativeOf.get('cam-south')!],
    ]);
  });
});

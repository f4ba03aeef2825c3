import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import ExcelJS from 'exceljs';
import { AuditLogService } from '@kuzet/audit-log';
import { ALL_CENTRES, StaffUserService } from '@kuzet/auth';
import { AuditModule } from '../../apps/audit/src/audit.module';
import { createTestDatabase, TestDatabase } from '../support/database';
import { startTestApp } from '../support/kuzet-app';
import { SignedInStaff, signInAs } from '../support/staff';

interface HitRecord {
  hit_id: string;
  centre_id: string | null;
}

/** docs/access-and-audit.md: an auditor reads the hits and the audit log of their centres (and
 * the district centres below them) only; no centres is nothing, ALL_CENTRES is everything. */
describe("auditors' queries scoped to their centres", () => {
  let database: TestDatabase;
  let app: NestFastifyApplication;
  let sql: DataSource;
  let dataDir: string;
  let north: SignedInStaff;
  let unassigned: SignedInStaff;
  let national: SignedInStaff;
  const watchlistId = randomUUID();
  const personId = randomUUID();
  // one hit routed to each: a main centre, its district centre, another main centre, none
  const hits = { north: randomUUID(), northD: randomUUID(), south: randomUUID() };
  const unroutedHit = randomUUID();

  const get = (url: string, as: SignedInStaff) =>
    app.inject({ method: 'GET', url, headers: as.headers });
  const hitIds = async (url: string, as: SignedInStaff): Promise<string[]> => {
    const response = await get(url, as);
    expect(response.statusCode).toBe(200);
    return response
      .json<{ items: HitRecord[] }>()
      .items.map((h) => h.hit_id)
      .sort();
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'kuzet-audit-scope-'));
    ({ app } = await startTestApp([AuditModule], {
      DATABASE_URL: database.url,
      KUZET_DATA_DIR: dataDir,
      RETENTION_PURGE_INTERVAL_MS: 0,
    }));
    sql = app.get(DataSource);
    await sql.query(`INSERT INTO operations_centre (id, name, kind, parent_centre_id) VALUES
      ('north', 'North', 'main', NULL), ('south', 'South', 'main', NULL),
      ('north-d', 'North district', 'district', 'north')`);
    await sql.query(
      `INSERT INTO watchlist (id, name, category, similarity_threshold) VALUES ($1, 'Wanted', 'wanted', 0.4)`,
      [watchlistId],
    );
    await sql.query(
      `INSERT INTO watchlist_person (id, watchlist_id, full_name, status)
       VALUES ($1, $2, 'Айгерим Сериковна', 'active')`,
      [personId, watchlistId],
    );
    const plan: [string, string | null, string | null][] = [
      [hits.north, 'north', null],
      [hits.northD, 'north-d', 'north'],
      [hits.south, 'south', null],
      [unroutedHit, null, null],
    ];
    for (const [i, [hitId, centre, parent]] of plan.entries()) {
      const camera = `cam-${centre ?? 'none'}`;
      if (centre !== null) {
        await sql.query(`INSERT INTO district (id, name, centre_id) VALUES ($1, $1, $2)`, [
          `${centre}-district`,
          centre,
        ]);
        await sql.query(
          `INSERT INTO camera (id, name, district_id, centre_id) VALUES ($1, $1, $2, $3)`,
          [camera, `${centre}-district`, centre],
        );
      }
      const at = new Date(Date.now() - (i + 1) * 3_600_000);
      const eventId = randomUUID();
      await sql.query(
        `INSERT INTO watchlist_hit (hit_id, event_id, camera_id, person_id, watchlist_id, similarity,
           threshold, model_id, captured_at, matched_at, last_seen_at, sighting_count)
         VALUES ($1, $2, $3, $4, $5, 0.7, 0.4, 'fr_feature', $6, $6, $6, 1)`,
        [hitId, eventId, camera, personId, watchlistId, at],
      );
      if (centre !== null) {
        await sql.query(
          `INSERT INTO alert (id, kind, state, priority, centre_id, parent_centre_id, district_id,
             camera_id, event_id, person_id, watchlist_id, similarity, threshold, captured_at,
             last_seen_at, created_at)
           VALUES ($1, 'watchlist_hit', 'new', 0, $2, $3, $4, $5, $6, $7, $8, 0.7, 0.4, $9, $9, $9)`,
          [hitId, centre, parent, `${centre}-district`, camera, eventId, personId, watchlistId, at],
        );
        await sql.query(
          `INSERT INTO alert_decision (id, alert_id, action, reason, user_id, username, decided_at)
           VALUES ($1, $2, 'confirm', 'seen', 'u-1', 'operator-dana', $3)`,
          [randomUUID(), hitId, at],
        );
      }
    }
    north = await signInAs(app, ['auditor'], ['north']);
    unassigned = await signInAs(app, ['auditor'], []);
    national = await signInAs(app, ['auditor'], [ALL_CENTRES]);
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("finds no hit of another centre by any filter, only its centre's and district's", async () => {
    const own = [hits.north, hits.northD].sort();
    expect(await hitIds('/v1/audit/hits', north)).toEqual(own);
    for (const filter of [
      'centre_id=south',
      'district_id=south-district',
      'camera_id=cam-south',
      `person_id=${personId}`,
      `person_name=${encodeURIComponent('Айгерим')}`,
      `watchlist_id=${watchlistId}`,
      'operator=operator-dana',
      'decision=confirm',
      'min_score=0.1',
    ]) {
      const found = await hitIds(`/v1/audit/hits?${filter}`, north);
      expect(found).not.toContain(hits.south);
      expect(found).not.toContain(unroutedHit);
    }
    expect(await hitIds('/v1/audit/hits?centre_id=south', north)).toEqual([]);
  });

  it('exports (CSV and XLSX) only the hits of its centres', async () => {
    const csv = await get('/v1/audit/hits/export', north);
    expect(csv.statusCode).toBe(200);
    expect(csv.body).toContain(hits.north);
    expect(csv.body).toContain(hits.northD);
    expect(csv.body).not.toContain(hits.south);
    expect(csv.body).not.toContain(unroutedHit);
    const southCsv = await get('/v1/audit/hits/export?centre_id=south', north);
    expect(southCsv.body).not.toContain(hits.south);

    const xlsx = await get('/v1/audit/hits/export/xlsx', north);
    expect(xlsx.statusCode).toBe(200);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    const cells: string[] = [];
    book.worksheets[0]!.eachRow((row) =>
      row.eachCell((cell) => void cells.push(String(cell.value))),
    );
    expect(cells).toContain(hits.north);
    expect(cells).not.toContain(hits.south);
  });

  it("answers another centre's hit timeline and face crop as not found", async () => {
    for (const path of ['timeline', 'face-crop']) {
      expect((await get(`/v1/audit/hits/${hits.south}/${path}`, north)).statusCode).toBe(404);
    }
    expect((await get(`/v1/audit/hits/${hits.northD}/timeline`, north)).statusCode).toBe(200);
  });

  it('gives an auditor without centres nothing, and a national auditor every hit', async () => {
    expect(await hitIds('/v1/audit/hits', unassigned)).toEqual([]);
    expect((await get(`/v1/audit/hits/${hits.north}/timeline`, unassigned)).statusCode).toBe(404);
    expect(await hitIds('/v1/audit/hits', national)).toEqual(
      [hits.north, hits.northD, hits.south, unroutedHit].sort(),
    );
  });

  it("reads the audit log of its centres' staff only", async () => {
    const southStaff = await app.get(StaffUserService).create(
      {
        username: `op-south-${randomUUID().slice(0, 8)}`,
        password: `pw-${randomUUID()}`,
        roles: ['operator'],
        centreIds: ['south'],
      },
      'test-setup',
    );
    const northStaff = await app.get(StaffUserService).create(
      {
        username: `op-north-d-${randomUUID().slice(0, 8)}`,
        password: `pw-${randomUUID()}`,
        roles: ['operator'],
        centreIds: ['north-d'],
      },
      'test-setup',
    );
    const audit = app.get(AuditLogService);
    for (const staff of [southStaff, northStaff]) {
      await audit.append({
        actor: staff.username,
        action: 'alert.viewed',
        subjectType: 'alert',
        subjectId: randomUUID(),
        details: {},
      });
    }
    const actorsSeenBy = async (as: SignedInStaff) => {
      const response = await get('/v1/audit/log?order=desc&limit=500&action=alert.viewed', as);
      expect(response.statusCode).toBe(200);
      return response.json<{ items: { actor: string }[] }>().items.map((e) => e.actor);
    };
    expect(await actorsSeenBy(north)).toEqual([northStaff.username]);
    expect(await actorsSeenBy(unassigned)).toEqual([]);
    expect((await actorsSeenBy(national)).sort()).toEqual(
      [northStaff.username, southStaff.username].sort(),
    );
  });

  it('records every scoped query, with the filters, on the audit chain', async () => {
    const logged = await app
      .get(AuditLogService)
      .search({ actor: north.username, action: 'audit.query', limit: 1_000 });
    const queries = logged.map((e) => (e.details as { query: string }).query);
    expect(queries).toEqual(
      expect.arrayContaining([
        'hits',
        'hits-export',
        'hits-export-xlsx',
        'hit-timeline',
        'audit-log',
      ]),
    );
    expect(
      logged.some(
        (e) =>
          JSON.stringify((e.details as { filters: object }).filters) === '{"centre_id":"south"}',
      ),
    ).toBe(true);
  });

  it('refuses the every-centre grant for operators and supervisors, naming the field', async () => {
    const admin = await signInAs(app, ['system-admin']);
    const response = await app.inject({
      method: 'POST',
      url: '/v1/users',
      headers: admin.headers,
      payload: {
        username: `sup-${randomUUID().slice(0, 8)}`,
        password: `pw-${randomUUID()}`,
        roles: ['supervisor'],
        centre_ids: [ALL_CENTRES],
      },
    });
    // the users API is in the auth module, which every test app has
    expect(response.statusCode).toBe(400);
    expect(JSON.stringify(response.json())).toContain('all_centres_not_allowed');
    expect(JSON.stringify(response.json())).toContain('centre_ids');
  });
});

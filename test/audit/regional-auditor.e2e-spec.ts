import { NestFastifyApplication } from '@nestjs/platform-fastify';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { AuditLogService } from '@kuzet/audit-log';
import { ALL_CENTRES, StaffUserService } from '@kuzet/auth';
import { AuditModule } from '../../apps/audit/src/audit.module';
import { ViolationsModule } from '../../apps/violations/src/violations.module';
import { createTestDatabase, TestDatabase } from '../support/database';
import { startTestApp } from '../support/kuzet-app';
import { SignedInStaff, signInAs } from '../support/staff';

type Centre = 'north' | 'north-d' | 'south' | null;
/** The regional auditors of this suite, by their centre. */
type Regional = 'north' | 'south';
const CENTRES: readonly Centre[] = ['north', 'north-d', 'south', null];

interface Violation {
  event_id: string;
  centre_id: string | null;
  camera_id: string;
  district_id: string | null;
  plate: string;
}

/** docs/access-and-audit.md "Scoped to the auditor's centres": a regional auditor reads the
 * violations logged for their centres (and the district centres below) and the audit entries
 * by or about their staff and their centres' records; nothing tied to no centre. A national
 * auditor (ALL_CENTRES) reads everything. On PostgreSQL and the violation log's real broker. */
describe('a regional auditor: violations and the audit log of their centres only', () => {
  let database: TestDatabase;
  let app: NestFastifyApplication;
  let sql: DataSource;
  let dataDir: string;
  let north: SignedInStaff;
  let south: SignedInStaff;
  let national: SignedInStaff;
  let unassigned: SignedInStaff;
  let northSupervisor: SignedInStaff;
  const violations = new Map<Centre, Violation>();
  const camera = (centre: Centre) => `cam-${centre ?? 'none'}`;
  const district = (centre: Centre) => (centre === null ? null : `${centre}-district`);
  const inScopeOf = (centres: readonly Centre[]) => (v: Violation) =>
    centres.includes(v.centre_id as Centre);

  const get = (url: string, as: SignedInStaff) =>
    app.inject({ method: 'GET', url, headers: as.headers });
  const violationIds = async (url: string, as: SignedInStaff): Promise<string[]> => {
    const response = await get(url, as);
    expect(response.statusCode).toBe(200);
    return response
      .json<{ items: Violation[] }>()
      .items.map((v) => v.event_id)
      .sort();
  };
  const idsOf = (...centres: Centre[]) => centres.map((c) => violations.get(c)!.event_id).sort();

  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'kuzet-regional-auditor-'));
    ({ app } = await startTestApp([AuditModule, ViolationsModule], {
      DATABASE_URL: database.url,
      KUZET_DATA_DIR: dataDir,
      RETENTION_PURGE_INTERVAL_MS: 0,
    }));
    sql = app.get(DataSource);
    await sql.query(`INSERT INTO operations_centre (id, name, kind, parent_centre_id) VALUES
      ('north', 'North', 'main', NULL), ('south', 'South', 'main', NULL),
      ('north-d', 'North district', 'district', 'north')`);
    for (const [i, centre] of CENTRES.entries()) {
      if (centre !== null) {
        await sql.query(`INSERT INTO district (id, name, centre_id) VALUES ($1, $1, $2)`, [
          district(centre),
          centre,
        ]);
        await sql.query(
          `INSERT INTO camera (id, name, district_id, centre_id) VALUES ($1, $1, $2, $3)`,
          [camera(centre), district(centre), centre],
        );
      }
      const v: Violation = {
        event_id: randomUUID(),
        centre_id: centre,
        camera_id: camera(centre),
        district_id: district(centre),
        plate: `${100 + i}ABC12`,
      };
      violations.set(centre, v);
      await sql.query(
        `INSERT INTO violation_record (event_id, camera_id, district_id, centre_id, code, plate,
           evidence_ref, captured_at, logged_at)
         VALUES ($1, $2, $3, $4, 'speeding', $5, 's3://evidence/x', $6, $6)`,
        [
          v.event_id,
          v.camera_id,
          v.district_id,
          v.centre_id,
          v.plate,
          new Date(Date.now() - (i + 1) * 3_600_000),
        ],
      );
    }
    north = await signInAs(app, ['auditor'], ['north']);
    south = await signInAs(app, ['auditor'], ['south']);
    national = await signInAs(app, ['auditor'], [ALL_CENTRES]);
    unassigned = await signInAs(app, ['auditor'], []);
    northSupervisor = await signInAs(app, ['supervisor'], ['north']);
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  describe('violations', () => {
    it("lists only its centres' and their district centres' violations, by any filter", async () => {
      expect(await violationIds('/v1/violations', north)).toEqual(idsOf('north', 'north-d'));
      const southV = violations.get('south')!;
      for (const filter of [
        'centre_id=south',
        'district_id=south-district',
        'camera_id=cam-south',
        'code=speeding',
        `plate=${southV.plate}&reason=${encodeURIComponent('case 17: a curious look')}`,
      ]) {
        const found = await violationIds(`/v1/violations?${filter}`, north);
        expect(found).not.toContain(southV.event_id);
        expect(found).not.toContain(violations.get(null)!.event_id);
      }
      expect(await violationIds('/v1/violations', south)).toEqual(idsOf('south'));
    });

    it('gives an auditor without centres none, a national auditor every one', async () => {
      expect(await violationIds('/v1/violations', unassigned)).toEqual([]);
      expect(await violationIds('/v1/violations', national)).toEqual(
        idsOf('north', 'north-d', 'south', null),
      );
    });

    it('keeps supervisors to their centres too, with violations no centre owns', async () => {
      expect(await violationIds('/v1/violations', northSupervisor)).toEqual(
        idsOf('north', 'north-d', null),
      );
      expect(
        (await get(`/v1/violations/${violations.get('south')!.event_id}`, northSupervisor))
          .statusCode,
      ).toBe(404);
    });

    it("answers another centre's violation as one never logged, and its own", async () => {
      const other = await get(`/v1/violations/${violations.get('south')!.event_id}`, north);
      const missingId = randomUUID();
      const missing = await get(`/v1/violations/${missingId}`, north);
      expect(other.statusCode).toBe(404);
      expect(missing.statusCode).toBe(404);
      // the same answer but for the id: nothing tells the two apart
      expect(other.body.replace(violations.get('south')!.event_id, '<id>')).toBe(
        missing.body.replace(missingId, '<id>'),
      );
      expect(other.body).not.toContain(violations.get('south')!.plate);
      const own = await get(`/v1/violations/${violations.get('north-d')!.event_id}`, north);
      expect(own.statusCode).toBe(200);
      expect(own.json<Violation>().plate).toBe(violations.get('north-d')!.plate);
      const any = await get(`/v1/violations/${violations.get('south')!.event_id}`, national);
      expect(any.statusCode).toBe(200);
    });

    it("counts only its centres' violations", async () => {
      const stats = async (as: SignedInStaff, query = '') => {
        const response = await get(`/v1/violations/stats?group_by=district${query}`, as);
        expect(response.statusCode).toBe(200);
        return response.json<{ total: number; rows: { district_id: string | null }[] }>();
      };
      const own = await stats(north);
      expect(own.total).toBe(2);
      expect(own.rows.map((r) => r.district_id).sort()).toEqual([
        'north-d-district',
        'north-district',
      ]);
      expect((await stats(north, '&centre_id=south')).total).toBe(0);
      expect((await stats(unassigned)).total).toBe(0);
      expect((await stats(national)).total).toBe(4);
    });

    it('answers every filter and page with exactly the violations its scope admits', async () => {
      const readers: [SignedInStaff, readonly Centre[]][] = [
        [north, ['north', 'north-d']],
        [south, ['south']],
        [unassigned, []],
        [national, CENTRES],
        [northSupervisor, ['north', 'north-d', null]],
      ];
      const all = [...violations.values()];
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...readers.keys()),
          fc.option(fc.constantFrom('north', 'north-d', 'south'), { nil: undefined }),
          fc.option(fc.constantFrom(...CENTRES), { nil: undefined }),
          fc.integer({ min: 1, max: 3 }),
          async (reader, byCentre, byDistrict, limit) => {
            const [as, centres] = readers[reader]!;
            const params = new URLSearchParams({ limit: String(limit) });
            if (byCentre !== undefined) params.set('centre_id', byCentre);
            if (byDistrict !== undefined) params.set('district_id', district(byDistrict) ?? 'none');
            const seen: string[] = [];
            for (let page = 0; page < 10; page++) {
              const response = await get(`/v1/violations?${params}`, as);
              expect(response.statusCode).toBe(200);
              const body = response.json<{ items: Violation[]; next_cursor: string | null }>();
              seen.push(...body.items.map((v) => v.event_id));
              if (!body.next_cursor) break;
              params.set('cursor', body.next_cursor);
            }
            const expected = all
              .filter(inScopeOf(centres))
              .filter((v) => byCentre === undefined || v.centre_id === byCentre)
              .filter(
                (v) =>
                  byDistrict === undefined || v.district_id === (district(byDistrict) ?? 'none'),
              )
              .map((v) => v.event_id);
            expect(seen.sort()).toEqual(expected.sort());
          },
        ),
        { numRuns: 40 },
      );
    });

    it("records the regional auditor's reads on the audit chain", async () => {
      const rows = await sql.query<{ action: string; subject_id: string }[]>(
        `SELECT action, subject_id FROM audit_log WHERE actor = $1 ORDER BY seq`,
        [north.username],
      );
      expect(rows).toEqual(
        expect.arrayContaining([
          { action: 'violation.searched', subject_id: '*' },
          { action: 'violation.searched', subject_id: violations.get('south')!.plate },
          { action: 'violation.viewed', subject_id: violations.get('north-d')!.event_id },
        ]),
      );
      // the refused read of another centre's violation read nothing and names nothing
      expect(rows).not.toContainEqual({
        action: 'violation.viewed',
        subject_id: violations.get('south')!.event_id,
      });
    });
  });

  describe('the audit log', () => {
    /** One entry of each kind, each with a subject id of its own to find it by. */
    const marks = new Map<string, readonly Regional[]>();

    beforeAll(async () => {
      const users = app.get(StaffUserService);
      const staffOf = async (centre: string) =>
        users.create(
          {
            username: `op-${centre}-${randomUUID().slice(0, 8)}`,
            password: `pw-${randomUUID()}`,
            roles: ['operator'],
            centreIds: [centre],
          },
          'test-setup',
        );
      const northOp = await staffOf('north-d');
      const southOp = await staffOf('south');
      const admin = await signInAs(app, ['system-admin']);
      const audit = app.get(AuditLogService);
      // a hit on north's camera with no alert, and alerts routed to north and to south
      const watchlistId = randomUUID();
      const personId = randomUUID();
      await sql.query(
        `INSERT INTO watchlist (id, name, category, similarity_threshold) VALUES ($1, 'W', 'wanted', 0.4)`,
        [watchlistId],
      );
      await sql.query(
        `INSERT INTO watchlist_person (id, watchlist_id, full_name, status) VALUES ($1, $2, 'P', 'active')`,
        [personId, watchlistId],
      );
      const hitOn = async (centre: 'north' | 'south', routed: boolean): Promise<string> => {
        const hitId = randomUUID();
        const eventId = randomUUID();
        await sql.query(
          `INSERT INTO watchlist_hit (hit_id, event_id, camera_id, person_id, watchlist_id, similarity,
             threshold, model_id, captured_at, matched_at, last_seen_at, sighting_count)
           VALUES ($1, $2, $3, $4, $5, 0.7, 0.4, 'fr_feature', now(), now(), now(), 1)`,
          [hitId, eventId, camera(centre), personId, watchlistId],
        );
        if (routed) {
          await sql.query(
            `INSERT INTO alert (id, kind, state, priority, centre_id, parent_centre_id, district_id,
               camera_id, event_id, person_id, watchlist_id, similarity, threshold, captured_at,
               last_seen_at, created_at)
             VALUES ($1, 'watchlist_hit', 'new', 0, $2, NULL, $3, $4, $5, $6, $7, 0.7, 0.4, now(), now(), now())`,
            [hitId, centre, district(centre), camera(centre), eventId, personId, watchlistId],
          );
        }
        return hitId;
      };
      const entry = async (
        seenBy: readonly Regional[],
        actor: string,
        action: string,
        subjectType: string,
        subjectId: string,
        details: Record<string, unknown> = {},
      ) => {
        const mark = randomUUID();
        marks.set(mark, seenBy);
        await audit.append({
          actor,
          action,
          subjectType,
          subjectId,
          details: { ...details, mark },
        });
      };
      const cameraState = (centre: string) => ({ id: 'cam-moved', centre_id: centre });

      // by their staff, and by another centre's
      await entry(['north'], northOp.username, 'alert.viewed', 'alert', randomUUID());
      await entry(['north'], northOp.username, 'auth.login', 'staff-user', northOp.id);
      await entry(['south'], southOp.username, 'alert.viewed', 'alert', randomUUID());
      await entry(['south'], southOp.username, 'auth.login', 'staff-user', southOp.id);
      // about their staff, by a region-wide administrator or no one signed in
      await entry(['north'], admin.username, 'user.updated', 'staff-user', northOp.id);
      await entry(['south'], admin.username, 'user.updated', 'staff-user', southOp.id);
      await entry(['north'], 'anonymous', 'auth.login-throttled', 'username', northOp.username);
      await entry(['south'], 'anonymous', 'auth.login-throttled', 'username', southOp.username);
      // about their centres' records, by system actors and national staff
      await entry(['north'], 'matcher', 'hit.recorded', 'hit', await hitOn('north', true));
      await entry(['north'], 'matcher', 'hit.recorded', 'hit', await hitOn('north', false));
      await entry(['south'], 'matcher', 'hit.recorded', 'hit', await hitOn('south', true));
      await entry(['south'], 'matcher', 'hit.recorded', 'hit', await hitOn('south', false));
      for (const centre of ['north-d', 'south'] as const) {
        const v = violations.get(centre)!;
        await entry(
          centre === 'south' ? ['south'] : ['north'],
          national.username,
          'violation.viewed',
          'violation',
          v.event_id,
          {
            plate: v.plate,
          },
        );
        await entry(
          centre === 'south' ? ['south'] : ['north'],
          admin.username,
          'registry.camera-updated',
          'camera',
          camera(centre),
        );
        await entry(
          centre === 'south' ? ['south'] : ['north'],
          admin.username,
          'registry.district-updated',
          'district',
          district(centre)!,
        );
        await entry(
          centre === 'south' ? ['south'] : ['north'],
          admin.username,
          'registry.centre-updated',
          'centre',
          centre,
        );
      }
      // a camera moved away from north names north in its entry, whatever it is now
      await entry(
        ['north', 'south'],
        admin.username,
        'registry.camera-updated',
        'camera',
        'cam-moved',
        {
          before: cameraState('north'),
          after: cameraState('south'),
        },
      );
      await entry(['south'], admin.username, 'registry.camera-updated', 'camera', 'cam-moved-2', {
        before: cameraState('south'),
        after: cameraState('south'),
      });
      // what names the centre it was about in its details
      await entry(['north'], 'officer:o-1', 'badge.identified', 'badge', 'badge-7', {
        centre_id: 'north-d',
      });
      await entry(['south'], national.username, 'report.monthly-viewed', 'report', '2026-01', {
        centreId: 'south',
      });
      await entry([], national.username, 'report.monthly-viewed', 'report', '2026-01', {
        centreId: null,
      });
      const unit = randomUUID();
      await sql.query(
        `INSERT INTO patrol_unit (id, centre_id, call_sign, created_by) VALUES ($1, 'north', 'N-1', 'x')`,
        [unit],
      );
      await entry(['north'], admin.username, 'patrol-unit.updated', 'patrol-unit', unit);
      // tied to no centre: system administration and watchlists
      await entry([], admin.username, 'api-key.created', 'api-key', randomUUID());
      await entry([], 'list-admin', 'watchlist.updated', 'watchlist', watchlistId);
      await entry([], 'retention', 'retention.purged', 'hit-evidence', randomUUID());
      await entry([], 'region-file', 'registry.region-loaded', 'region', '/etc/region.yaml');
    });

    const marksSeenBy = async (as: SignedInStaff): Promise<string[]> => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const url: string = `/v1/audit/log?limit=500${cursor ? `&cursor=${cursor}` : ''}`;
        const response = await get(url, as);
        expect(response.statusCode).toBe(200);
        const body = response.json<{
          items: { details: { mark?: string } }[];
          next_cursor: string | null;
        }>();
        for (const item of body.items) if (item.details.mark) seen.push(item.details.mark);
        cursor = body.next_cursor;
      } while (cursor);
      return seen.sort();
    };
    const marked = (auditor: Regional, visible = true) =>
      [...marks].filter(([, seenBy]) => seenBy.includes(auditor) === visible).map(([id]) => id);

    it('reads the entries by or about its staff and its centres’ records, nothing else', async () => {
      expect(await marksSeenBy(north)).toEqual(marked('north').sort());
      expect(await marksSeenBy(south)).toEqual(marked('south').sort());
    });

    it('gives an auditor without centres no entry, a national auditor every one', async () => {
      expect(await marksSeenBy(unassigned)).toEqual([]);
      expect(await marksSeenBy(national)).toEqual([...marks.keys()].sort());
    });

    it('verifies the whole chain for a regional auditor without showing a hidden entry', async () => {
      const response = await get('/v1/audit/verify', north);
      expect(response.statusCode).toBe(200);
      const result = response.json<{ ok: boolean; rows_checked: number; first_broken: null }>();
      expect(result.ok).toBe(true);
      expect(result.first_broken).toBeNull();
      // every row of the chain, the ones this auditor cannot read among them
      const [{ n }] = await sql.query<{ n: string }[]>('SELECT count(*) AS n FROM audit_log');
      expect(result.rows_checked).toBe(Number(n));
      for (const hidden of marked('north', false)) expect(response.body).not.toContain(hidden);
      expect(Object.keys(result).sort()).toEqual(
        [
          'checkpoints_checked',
          'first_broken',
          'head',
          'ok',
          'rows_checked',
          'unsigned_rows',
        ].sort(),
      );
    });
  });
});

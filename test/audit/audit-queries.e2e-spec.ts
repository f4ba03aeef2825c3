import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import ExcelJS from 'exceljs';
import { AuditLogService } from '@kuzet/audit-log';
import { AuditLogEntryApi } from '../../apps/audit/src/queries/audit-log.dto';
import { KuzetConfig } from '@kuzet/config';
import { AuditModule } from '../../apps/audit/src/audit.module';
import { RetentionService } from '../../apps/audit/src/retention/retention.service';
import { DiskEvidenceStore } from '@kuzet/evidence';
import { createTestDatabase, TestDatabase } from '../support/database';
import { startTestApp } from '../support/kuzet-app';
import { SignedInStaff, signInAs } from '../support/staff';

interface HitRecord {
  hit_id: string;
  camera_id: string;
  district_id: string | null;
  person_name: string | null;
  similarity: number;
  last_decision: string | null;
  decided_by: string | null;
}

const HOUR = 3600_000;
// two days ago: inside the event retention period the purge test uses
const T0 = Date.now() - 48 * HOUR;

/** The auditors' API over a match log seeded straight into PostgreSQL (the matcher and
 * ops-center write the same tables), and the retention purge. */
describe('audit queries and retention', () => {
  let database: TestDatabase;
  let app: NestFastifyApplication;
  let config: Readonly<KuzetConfig>;
  let sql: DataSource;
  let dataDir: string;
  let auditor: SignedInStaff;
  const watchlistId = randomUUID();
  const otherWatchlistId = randomUUID();
  const people = { aigerim: randomUUID(), bolat: randomUUID(), formula: randomUUID() };
  const hits: {
    id: string;
    camera: string;
    district: string;
    person: string;
    score: number;
    at: number;
  }[] = [];
  const decidedHit = randomUUID();

  const get = (url: string, as: SignedInStaff = auditor) =>
    app.inject({ method: 'GET', url, headers: as.headers });

  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'kuzet-audit-'));
    ({ app, config } = await startTestApp([AuditModule], {
      DATABASE_URL: database.url,
      KUZET_DATA_DIR: dataDir,
      RETENTION_PURGE_INTERVAL_MS: 0,
      EVENT_RETENTION_DAYS: 30,
      // one fewer than the hits seeded: an export of every one is refused
      AUDIT_EXPORT_MAX_ROWS: 4,
    }));
    sql = app.get(DataSource);
    auditor = await signInAs(app, ['auditor']);
    await sql.query(
      `INSERT INTO watchlist (id, name, category, similarity_threshold) VALUES
         ($1, 'Wanted', 'wanted', 0.4), ($2, 'Missing', 'missing', 0.5)`,
      [watchlistId, otherWatchlistId],
    );
    await sql.query(
      `INSERT INTO watchlist_person (id, watchlist_id, full_name, status) VALUES
         ($1, $4, 'Айгерим Сериковна', 'active'), ($2, $4, 'Bolat K., "the driver"', 'active'),
         ($3, $5, '=HYPERLINK("http://x")', 'active')`,
      [people.aigerim, people.bolat, people.formula, watchlistId, otherWatchlistId],
    );
    const plan: [string, string, string, number][] = [
      ['cam-munaily-1', 'munaily', people.aigerim, 0.62],
      ['cam-munaily-2', 'munaily', people.bolat, 0.45],
      ['cam-beineu-1', 'beineu', people.aigerim, 0.81],
      ['cam-beineu-1', 'beineu', people.formula, 0.55],
      ['cam-aktau-1', 'aktau', people.bolat, 0.41],
    ];
    for (const [i, [camera, district, person, score]] of plan.entries()) {
      hits.push({
        id: i === 0 ? decidedHit : randomUUID(),
        camera,
        district,
        person,
        score,
        at: T0 + i * HOUR,
      });
    }
    for (const hit of hits) {
      const eventId = randomUUID();
      const list = hit.person === people.formula ? otherWatchlistId : watchlistId;
      // microseconds, as cameras send them: the paging cursor must keep them
      const at = new Date(hit.at).toISOString().replace('Z', '456Z');
      await sql.query(
        `INSERT INTO watchlist_hit (hit_id, event_id, camera_id, person_id, watchlist_id, similarity,
           threshold, model_id, captured_at, matched_at, last_seen_at, sighting_count)
         VALUES ($1, $2, $3, $4, $5, $6, 0.4, 'fr_feature', $7, $7::timestamptz + interval '1 second', $7, 1)`,
        [hit.id, eventId, hit.camera, hit.person, list, hit.score, at],
      );
      await sql.query(
        `INSERT INTO match_log (event_id, person_id, hit_id, camera_id, watchlist_id, similarity,
           threshold, model_id, captured_at, matched_at)
         VALUES ($1, $2, $3, $4, $5, $6, 0.4, 'fr_feature', $7, $7::timestamptz + interval '1 second')`,
        [eventId, hit.person, hit.id, hit.camera, list, hit.score, at],
      );
      await sql.query(
        `INSERT INTO ingested_event (event_id, camera_id, payload_sha256, api_key_id, accepted_at, published_at)
         VALUES ($1, $2, decode(repeat('ab', 32), 'hex'), 'vendorkey0000001', $3::timestamptz + interval '200 milliseconds', now())`,
        [eventId, hit.camera, at],
      );
      await sql.query(
        `INSERT INTO alert (id, kind, state, priority, centre_id, district_id, camera_id, event_id,
           person_id, watchlist_id, similarity, threshold, captured_at, last_seen_at, created_at)
         VALUES ($1, 'watchlist_hit', 'new', 0, $2, $2, $3, $4, $5, $6, $7, 0.4, $8, $8,
           $8::timestamptz + interval '2 seconds')`,
        [hit.id, hit.district, hit.camera, eventId, hit.person, list, hit.score, at],
      );
    }
    for (const [action, minutes] of [
      ['acknowledge', 1],
      ['confirm', 3],
    ] as const) {
      await sql.query(
        `INSERT INTO alert_decision (id, alert_id, action, reason, user_id, username, decided_at)
         VALUES ($1, $2, $3, $4, 'u-1', 'operator-dana', $5)`,
        [
          randomUUID(),
          decidedHit,
          action,
          action === 'confirm' ? 'matches the case photo' : null,
          new Date(T0 + minutes * 60_000),
        ],
      );
    }
    await sql.query(
      `UPDATE alert SET state = 'confirmed', decided_by = 'operator-dana' WHERE id = $1`,
      [decidedHit],
    );
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('filters hits by time, camera, district, person, watchlist, score, operator and decision', async () => {
    const ids = async (query: string): Promise<string[]> => {
      const response = await get(`/v1/audit/hits?${query}`);
      expect(response.statusCode).toBe(200);
      return response.json<{ items: HitRecord[] }>().items.map((h) => h.hit_id);
    };
    const idsOf = (pick: (h: (typeof hits)[number]) => boolean) =>
      hits
        .filter(pick)
        .sort((a, b) => b.at - a.at)
        .map((h) => h.id);
    expect(await ids('')).toEqual(idsOf(() => true));
    expect(await ids('camera_id=cam-beineu-1')).toEqual(idsOf((h) => h.camera === 'cam-beineu-1'));
    expect(await ids('district_id=munaily')).toEqual(idsOf((h) => h.district === 'munaily'));
    expect(await ids(`person_id=${people.aigerim}`)).toEqual(
      idsOf((h) => h.person === people.aigerim),
    );
    expect(await ids(`watchlist_id=${otherWatchlistId}`)).toEqual(
      idsOf((h) => h.person === people.formula),
    );
    expect(await ids('min_score=0.5&max_score=0.7')).toEqual(
      idsOf((h) => h.score >= 0.5 && h.score <= 0.7),
    );
    const from = new Date(T0 + HOUR).toISOString();
    const to = new Date(T0 + 3 * HOUR).toISOString();
    expect(await ids(`from=${from}&to=${to}`)).toEqual(
      idsOf((h) => h.at >= T0 + HOUR && h.at < T0 + 3 * HOUR),
    );
    // by part of the name, any case, Cyrillic; _ and % are literal characters, not patterns
    expect(await ids(`person_name=${encodeURIComponent('айгерим')}`)).toEqual(
      idsOf((h) => h.person === people.aigerim),
    );
    expect(await ids(`person_name=${encodeURIComponent('the driver')}`)).toEqual(
      idsOf((h) => h.person === people.bolat),
    );
    expect(await ids('person_name=__')).toEqual([]);
    expect(await ids('centre_id=beineu')).toEqual(idsOf((h) => h.district === 'beineu'));
    expect((await get('/v1/audit/hits?person_name=a')).statusCode).toBe(400);
    expect(await ids('operator=operator-dana&decision=confirm')).toEqual([decidedHit]);
    expect(await ids('operator=operator-dana&decision=reject')).toEqual([]);
    expect(await ids('decision=acknowledge')).toEqual([decidedHit]);

    const decided = (
      await get(`/v1/audit/hits?person_id=${people.aigerim}&camera_id=cam-munaily-1`)
    ).json<{
      items: HitRecord[];
    }>().items[0];
    expect(decided).toMatchObject({
      last_decision: 'confirm',
      decided_by: 'operator-dana',
      district_id: 'munaily',
    });

    expect((await get('/v1/audit/hits?min_score=high')).statusCode).toBe(400);
    expect((await get('/v1/audit/hits?cursor=bogus')).statusCode).toBe(400);
  });

  it('pages newest first with a cursor, without gaps or repeats', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: HitRecord[]; next_cursor: string | null } = (
        await get(`/v1/audit/hits?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
      ).json();
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((h) => h.hit_id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual([...hits].sort((a, b) => b.at - a.at).map((h) => h.id));
  });

  it('streams the selected hits as CSV, quoting names and defusing formulas', async () => {
    const response = await get('/v1/audit/hits/export?min_score=0.5');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/csv/);
    expect(response.headers['content-disposition']).toMatch(
      /attachment; filename="kuzet-hits.csv"/,
    );
    // read as UTF-8 the way a spreadsheet does: the byte-order mark first, the Cyrillic intact
    const bytes = response.rawPayload;
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    expect(text.charCodeAt(0)).toBe(0xfeff);
    const lines = text.slice(1).trimEnd().split('\r\n');
    expect(lines[0]).toMatch(/^hit_id,event_id,captured_at,captured_at_local,matched_at,/);
    const aigerim = lines.find((line) => line.includes('Айгерим Сериковна'));
    expect(aigerim).toBeDefined();
    // the local time (Asia/Almaty, UTC+5) beside the UTC one
    const first = hits.find((h) => h.id === decidedHit)!;
    const row = lines.find((line) => line.startsWith(decidedHit))!.split(',');
    expect(row[2]).toBe(new Date(first.at).toISOString());
    expect(row[3]).toBe(new Date(first.at + 5 * HOUR).toISOString().slice(0, 19).replace('T', ' '));
    expect(lines).toHaveLength(1 + hits.filter((h) => h.score >= 0.5).length);
    expect(response.body).toContain(`"'=HYPERLINK(""http://x"")"`);
    const low = await get('/v1/audit/hits/export?max_score=0.5');
    expect(low.body).toContain('"Bolat K., ""the driver"""');
  });

  it('refuses an export selecting more hits than AUDIT_EXPORT_MAX_ROWS, naming the cap, before writing a byte', async () => {
    expect(hits).toHaveLength(5);
    for (const path of ['/v1/audit/hits/export', '/v1/audit/hits/export/xlsx']) {
      const response = await get(path);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        errors: [
          {
            field: '$',
            rule: 'too_big',
            message: expect.stringContaining('more than 4 hits'),
            params: { maximum: 4, inclusive: true },
          },
        ],
      });
    }
    // exactly the cap is given whole
    const four = await get('/v1/audit/hits/export?min_score=0.42');
    expect(four.statusCode).toBe(200);
    expect(four.body.trimEnd().split('\r\n')).toHaveLength(1 + 4);
  });

  it('exports the selected hits as an XLSX workbook: date cells in UTC and Asia/Almaty, names intact', async () => {
    const response = await get('/v1/audit/hits/export/xlsx?min_score=0.5');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe(
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(response.rawPayload as unknown as ArrayBuffer);
    const sheet = workbook.getWorksheet('hits')!;
    const header = (sheet.getRow(1).values as unknown[]).slice(1);
    expect(header.slice(0, 4)).toEqual([
      'hit_id',
      'event_id',
      'captured_at',
      'captured_at_local (Asia/Almaty)',
    ]);
    expect(sheet.rowCount).toBe(1 + hits.filter((h) => h.score >= 0.5).length);
    const rows = [];
    for (let i = 2; i <= sheet.rowCount; i++) rows.push(sheet.getRow(i));
    const decided = rows.find((r) => r.getCell(1).value === decidedHit)!;
    const first = hits.find((h) => h.id === decidedHit)!;
    expect(decided.getCell(12).value).toBe('Айгерим Сериковна');
    expect((decided.getCell(3).value as Date).toISOString()).toBe(new Date(first.at).toISOString());
    // the wall clock in Aktau, to the second
    expect((decided.getCell(4).value as Date).toISOString()).toBe(
      new Date(Math.floor((first.at + 5 * HOUR) / 1000) * 1000).toISOString(),
    );
    expect((await get('/v1/audit/hits/export/xlsx?min_score=high')).statusCode).toBe(400);
  });

  it("gives a hit's timeline in time order: camera event, ingest, sighting, hit, alert, decisions, with who", async () => {
    const response = await get(`/v1/audit/hits/${decidedHit}/timeline`);
    expect(response.statusCode).toBe(200);
    const { hit, events } = response.json<{
      hit: HitRecord;
      events: { at: string; kind: string; actor: string | null }[];
    }>();
    expect(hit.hit_id).toBe(decidedHit);
    const kinds = events.map((e) => e.kind).filter((k) => !k.startsWith('audit.'));
    expect(kinds).toEqual([
      'camera_event.captured',
      'camera_event.ingested',
      'sighting',
      'hit.matched',
      'alert.created',
      'decision.acknowledge',
      'decision.confirm',
    ]);
    expect(events.find((e) => e.kind === 'decision.confirm')).toMatchObject({
      actor: 'operator-dana',
    });
    expect(events.map((e) => e.at)).toEqual([...events.map((e) => e.at)].sort());
    expect((await get(`/v1/audit/hits/${randomUUID()}/timeline`)).statusCode).toBe(404);
  });

  it('lists watchlists by name for the filter, and answers 404 for a hit without a crop', async () => {
    const page = await get('/v1/audit/watchlists?limit=1');
    expect(page.statusCode).toBe(200);
    const first = page.json<{ items: { id: string; name: string }[]; next_cursor: string }>();
    expect(first.items).toEqual([{ id: otherWatchlistId, name: 'Missing' }]);
    const second = await get(`/v1/audit/watchlists?limit=1&cursor=${first.next_cursor}`);
    expect(second.json()).toEqual({
      items: [{ id: watchlistId, name: 'Wanted' }],
      next_cursor: null,
    });
    expect((await get(`/v1/audit/hits/${decidedHit}/face-crop`)).statusCode).toBe(404);
    expect((await get(`/v1/audit/hits/${randomUUID()}/face-crop`)).statusCode).toBe(404);
  });

  it("records every auditor's query on the audit log itself: who asked what", async () => {
    const curious = await signInAs(app, ['auditor']);
    expect(
      (await get(`/v1/audit/hits?camera_id=cam-aktau-1&min_score=0.4`, curious)).statusCode,
    ).toBe(200);
    expect((await get(`/v1/audit/hits/${decidedHit}/timeline`, curious)).statusCode).toBe(200);
    const log = await get(`/v1/audit/log?actor=${curious.username}&action=audit.query`);
    expect(log.statusCode).toBe(200);
    const entries = log.json<{ items: AuditLogEntryApi[] }>().items;
    expect(entries).toEqual([
      expect.objectContaining({
        actor: curious.username,
        action: 'audit.query',
        subject_type: 'hits',
        details: {
          query: 'hits',
          userId: curious.userId,
          filters: { camera_id: 'cam-aktau-1', min_score: 0.4, limit: 100 },
        },
      }),
      expect.objectContaining({
        actor: curious.username,
        subject_type: 'hit',
        subject_id: decidedHit,
        details: expect.objectContaining({ query: 'hit-timeline' }),
      }),
    ]);
    // and reading the log was itself logged, under the first auditor
    const reads = await app.get(AuditLogService).search({ actor: auditor.username, limit: 1000 });
    expect(reads.some((e) => e.details.query === 'audit-log')).toBe(true);
    expect((await app.get(AuditLogService).verifyChain()).ok).toBe(true);
  });

  it('purges expired face crops (database and disk) and old event records, leaving an audit entry; unexpired ones stay', async () => {
    const now = new Date();
    const past = new Date(now.getTime() - 1000);
    const future = new Date(now.getTime() + 24 * HOUR);
    const expired = [randomUUID(), randomUUID()];
    const kept = randomUUID();
    for (const [id, expiresAt] of [
      [expired[0], past],
      [expired[1], past],
      [kept, future],
    ] as const) {
      await sql.query(
        `INSERT INTO hit_evidence (id, content_type, content, expires_at) VALUES ($1, 'image/jpeg', '\\xffd8ff', $2)`,
        [id, expiresAt],
      );
    }
    const disk = new DiskEvidenceStore(config as KuzetConfig);
    const expiredFile = randomUUID();
    const keptFile = randomUUID();
    await disk.put(expiredFile, Buffer.from([0xff, 0xd8, 0xff]), past);
    await disk.put(keptFile, Buffer.from([0xff, 0xd8, 0xff]), future);
    const oldEvent = randomUUID();
    await sql.query(
      `INSERT INTO ingested_event (event_id, camera_id, payload_sha256, api_key_id, accepted_at, published_at)
       VALUES ($1, 'cam-x', decode(repeat('cd', 32), 'hex'), 'vendorkey0000001', now() - interval '31 days', now() - interval '31 days')`,
      [oldEvent],
    );
    const eventsBefore = Number((await sql.query('SELECT count(*) AS n FROM ingested_event'))[0].n);
    const [oldPrint, newPrint] = [randomUUID(), randomUUID()];
    await sql.query(
      `INSERT INTO camera_event_fingerprint (event_id, sha256, first_seen_at)
       VALUES ($1, decode(repeat('cd', 32), 'hex'), now() - interval '91 days'),
              ($2, decode(repeat('cd', 32), 'hex'), now())`,
      [oldPrint, newPrint],
    );

    const report = await app.get(RetentionService).purgeExpired(now);
    expect(report).toMatchObject({ evidence: 3, events: 1, fingerprints: 1 });
    const prints = await sql.query<{ event_id: string }[]>(
      'SELECT event_id FROM camera_event_fingerprint',
    );
    expect(prints.map((p) => p.event_id)).toEqual([newPrint]);

    const remaining = await sql.query<{ id: string }[]>('SELECT id FROM hit_evidence');
    expect(remaining.map((r) => r.id)).toEqual([kept]);
    expect(await disk.get(`disk:${expiredFile}`)).toBeNull();
    expect(existsSync(join(dataDir, 'evidence', `${expiredFile}.expires`))).toBe(false);
    expect(await disk.get(`disk:${keptFile}`)).not.toBeNull();
    expect(Number((await sql.query('SELECT count(*) AS n FROM ingested_event'))[0].n)).toBe(
      eventsBefore - 1,
    );

    const purged = await app
      .get(AuditLogService)
      .search({ action: 'retention.purged', limit: 100 });
    const byType = (type: string, store?: string) =>
      purged.filter((e) => e.subjectType === type && (!store || e.details.store === store));
    expect(byType('hit-evidence', 'postgres')).toEqual([
      expect.objectContaining({
        actor: 'retention',
        subjectId: report.purgeId,
        details: expect.objectContaining({ count: 2, ids: expect.arrayContaining(expired) }),
      }),
    ]);
    expect(byType('hit-evidence', 'disk')[0]?.details).toMatchObject({
      count: 1,
      ids: [expiredFile],
    });
    expect(byType('ingested-event')[0]?.details).toMatchObject({ count: 1, ids: [oldEvent] });

    // nothing left to purge: no new entries
    expect(await app.get(RetentionService).purgeExpired(now)).toMatchObject({
      evidence: 0,
      events: 0,
    });
    expect(
      await app.get(AuditLogService).search({ action: 'retention.purged', limit: 100 }),
    ).toHaveLength(purged.length);
  });
});

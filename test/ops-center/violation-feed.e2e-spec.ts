import { randomUUID } from 'node:crypto';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import fc from 'fast-check';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Browser, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { CameraEvent, encodeCameraEvent, ViolationCode } from '@kuzet/contracts';
import { StaffUserService } from '@kuzet/auth';
import {
  DEAD_LETTER_HEADERS,
  InboundMessage,
  MESSAGE_BUS,
  MessageBus,
  Subscription,
  TOPICS,
} from '@kuzet/messaging';
import { ViolationRecordEntity } from '@kuzet/persistence';
import { OpsCenterModule } from '../../apps/ops-center/src/ops-center.module';
import { VIOLATION_FEED_GROUP } from '../../apps/ops-center/src/violations/violation-feed.consumer';
import { ViolationFeedRepository } from '../../apps/ops-center/src/violations/violation-feed.repository';
import { ViolationsModule } from '../../apps/violations/src/violations.module';
import { sampleEvent } from '../ingest/sample-events';
import { launchBrowser } from '../support/browser';
import { liveFeed, openConsole } from './console-page';
import { createTestDatabase, TestDatabase } from '../support/database';
import { startTestApp } from '../support/kuzet-app';
import { freePort } from '../support/process';
import { signInAs } from '../support/staff';
import { suiteGroup, uniqueName } from '../support/transports';
import { waitFor, waitUntil } from '../support/wait';

const REGION = resolve(__dirname, '../../deploy/config/region.yaml');
const PASSWORD = 'correct horse battery staple';

interface FeedPage {
  items: { event_id: string; centre_id: string | null; code: string; plate: string }[];
  next_cursor: string | null;
}

/** The console's violations feed end to end: a violation a camera sends to Kafka is logged by
 * the real violation log (apps/violations), republished on kuzet.violations.v1, and pushed by
 * ops-center to the browsers of the centre that owns the camera (and its main centre), in
 * Debian's Chromium against the real broker and PostgreSQL; the page over REST is scoped the
 * same way and refuses bad parameters by name. */
describe('violations feed of the operations-centre console', () => {
  let database: TestDatabase;
  let app: NestFastifyApplication;
  let bus: MessageBus;
  let browser: Browser;
  let base: string;
  let deadLetterReader: Subscription;
  const deadLetters: InboundMessage[] = [];

  /** Sends a violation as a camera's VMS would: straight onto kuzet.camera-events.v1. */
  const cameraViolation = async (
    cameraId: string,
    code: ViolationCode,
    plate: string,
  ): Promise<string> => {
    const event: CameraEvent = sampleEvent('violation', (e) => {
      e.cameraId = cameraId;
      if (e.payload.case !== 'violation') return;
      e.payload.value.code = code;
      e.payload.value.plate = plate;
      e.payload.value.measuredSpeedKmh = code === ViolationCode.SPEEDING ? 92 : undefined;
      e.payload.value.limitSpeedKmh = code === ViolationCode.SPEEDING ? 60 : undefined;
    });
    await bus.publish(TOPICS.cameraEvents, [{ key: cameraId, value: encodeCameraEvent(event) }]);
    return event.eventId;
  };

  const logged = (eventIds: readonly string[]) =>
    waitUntil(`violations ${eventIds.join(', ')} in the log`, async () => {
      const rows = await app
        .get(DataSource)
        .getRepository(ViolationRecordEntity)
        .countBy(eventIds.map((eventId) => ({ eventId })));
      return rows === eventIds.length;
    });

  const signIn = (username: string): Promise<Page> =>
    openConsole(browser, base, username, PASSWORD);

  const row = (page: Page, eventId: string) => page.locator(`[data-event-id="${eventId}"]`);

  const feed = async (token: string, query = ''): Promise<FeedPage> => {
    const response = await app.inject({
      method: 'GET',
      url: `/v1/ops/violations${query}`,
      headers: { authorization: `Bearer ${token}` },
    });
    expect({ status: response.statusCode, body: response.body }).toMatchObject({ status: 200 });
    return response.json<FeedPage>();
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    ({ app } = await startTestApp([OpsCenterModule, ViolationsModule], {
      DATABASE_URL: database.url,
      KUZET_REGION_FILE: REGION,
    }));
    const port = await freePort();
    await app.listen(port, '127.0.0.1');
    base = `http://127.0.0.1:${port}`;
    bus = app.get<MessageBus>(MESSAGE_BUS);
    const users = app.get(StaffUserService);
    for (const [username, centre] of [
      ['aktau.op', 'aktau'],
      ['zhanaozen.op', 'zhanaozen'],
    ] as const) {
      await users.create(
        { username, password: PASSWORD, roles: ['operator'], centreIds: [centre] },
        'test',
      );
    }
    deadLetterReader = await bus.subscribe({
      topic: TOPICS.deadLetter,
      groupId: uniqueName('dead-letter-reader'),
      newGroupStartsAt: 'latest',
      handler: async (m) => {
        if (
          m.headers[DEAD_LETTER_HEADERS.consumerGroup]?.startsWith(suiteGroup(VIOLATION_FEED_GROUP))
        )
          deadLetters.push(m);
      },
    });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await deadLetterReader?.close();
    await app?.close();
    await database?.drop();
  });

  it('pushes a violation to its centre and the main centre above it, not to another, and keeps it after a reload', async () => {
    const aktau = await signIn('aktau.op');
    const zhanaozen = await signIn('zhanaozen.op');

    const speeding = await cameraViolation('aktau-cam-0001', ViolationCode.SPEEDING, '777AKT12');
    const redLight = await cameraViolation(
      'zhanaozen-cam-0042',
      ViolationCode.RED_LIGHT,
      '042ZHN12',
    );
    // Munaily is a district centre under Aktau: Aktau's staff see its violations too
    const district = await cameraViolation(
      'munaily-cam-0001',
      ViolationCode.NO_SEAT_BELT,
      '001MUN12',
    );

    await row(aktau, speeding).waitFor({ timeout: 30_000 });
    await row(aktau, district).waitFor({ timeout: 30_000 });
    await row(zhanaozen, redLight).waitFor({ timeout: 30_000 });
    await expect(row(aktau, speeding).getByTestId('violation-code').textContent()).resolves.toBe(
      'Speeding 92/60 km/h',
    );
    await expect(row(aktau, speeding).getByTestId('violation-plate').textContent()).resolves.toBe(
      '777AKT12',
    );
    await expect(row(aktau, speeding).textContent()).resolves.toContain('aktau-city');
    await expect(
      row(zhanaozen, redLight).getByTestId('violation-code').textContent(),
    ).resolves.toBe('Red light');
    expect(await row(zhanaozen, speeding).count()).toBe(0);
    expect(await row(zhanaozen, district).count()).toBe(0);
    expect(await row(aktau, redLight).count()).toBe(0);
    await aktau.screenshot({ path: join(tmpdir(), 'kuzet-violations-test.png') });

    // after a reload the page comes from the violation log over REST, newest logged first
    await logged([speeding, redLight, district]);
    await aktau.reload();
    await liveFeed(aktau);
    await row(aktau, speeding).waitFor();
    await row(aktau, district).waitFor();
    expect(await row(aktau, redLight).count()).toBe(0);
    const shown = await aktau.$$eval('[data-testid="violation-row"]', (rows) =>
      rows.map((r) => r.getAttribute('data-event-id')),
    );
    expect(shown.indexOf(district)).toBeLessThan(shown.indexOf(speeding));
    expect(shown).toHaveLength(new Set(shown).size);
  });

  it('pages the violation log newest first in the user scope; supervisors also see unrouted ones', async () => {
    const aktau = await signInAs(app, ['operator'], ['aktau']);
    const zhanaozen = await signInAs(app, ['operator'], ['zhanaozen']);
    const supervisor = await signInAs(app, ['supervisor'], []);
    const first = await cameraViolation(
      'aktau-cam-0002',
      ViolationCode.WRONG_WAY_DRIVING,
      '002AKT12',
    );
    await logged([first]);
    const second = await cameraViolation('aktau-cam-0003', ViolationCode.ILLEGAL_DUMPING, '');
    // every camera event now needs a registered camera, so an unrouted violation is one logged
    // before that rule (or whose centre was since removed): written as the log has it
    const unrouted = randomUUID();
    await app.get(DataSource).query(
      `INSERT INTO violation_record (event_id, camera_id, centre_id, code, plate, evidence_ref, captured_at, logged_at)
       VALUES ($1, 'camera-nobody-owns', NULL, 'red_light', '000XXX00', 's3://e/x', now(), now())`,
      [unrouted],
    );
    await logged([second, unrouted]);

    const top = await feed(aktau.token, '?limit=1');
    expect(top.items.map((v) => v.event_id)).toEqual([second]);
    expect(top.next_cursor).not.toBeNull();
    const query = new URLSearchParams({ limit: '1', cursor: top.next_cursor! }).toString();
    const following = await feed(aktau.token, `?${query}`);
    expect(following.items.map((v) => v.event_id)).toEqual([first]);

    const all = (await feed(aktau.token, '?limit=500')).items;
    expect(all.every((v) => v.centre_id === 'aktau' || v.centre_id === 'munaily')).toBe(true);
    expect(all.map((v) => v.event_id)).not.toContain(unrouted);
    const theirs = (await feed(zhanaozen.token)).items;
    expect(theirs.map((v) => v.event_id)).not.toContain(first);
    expect(theirs.every((v) => v.centre_id === 'zhanaozen')).toBe(true);
    const supervised = (await feed(supervisor.token)).items.map((v) => v.event_id);
    expect(supervised).toContain(unrouted);
    expect(supervised).not.toContain(first);
  });

  it('answers bad query parameters with 400 naming the field, and only staff of a centre', async () => {
    const operator = await signInAs(app, ['operator']);
    const get = (query: string, headers: Record<string, string> = operator.headers) =>
      app.inject({ method: 'GET', url: `/v1/ops/violations${query}`, headers });
    const fields = async (query: string): Promise<string[]> => {
      const response = await get(query);
      expect({ query, status: response.statusCode }).toEqual({ query, status: 400 });
      return response.json<{ errors: { field: string }[] }>().errors.map((e) => e.field);
    };
    await expect(fields('?limit=0')).resolves.toEqual(['limit']);
    await expect(fields('?limit=ten')).resolves.toEqual(['limit']);
    await expect(fields('?cursor=yesterday')).resolves.toEqual(['cursor']);
    // a well-formed cursor this API did not give out: [time, not a uuid]
    const forged = Buffer.from(JSON.stringify(['2025-01-01T00:00:00Z', '7'])).toString('base64url');
    await expect(fields(`?cursor=${forged}`)).resolves.toEqual(['cursor']);
    // the old paging parameter is refused, not ignored (unknown parameters name the request)
    await expect(fields('?beforeLoggedAt=2025-01-01T00:00:00Z')).resolves.toEqual(['$']);
    await expect(fields('?limit=5&limit=6')).resolves.toEqual(['limit']);
    expect((await get('')).statusCode).toBe(200);
    expect((await get('', {})).statusCode).toBe(401);
    const auditor = await signInAs(app, ['auditor']);
    expect((await get('', auditor.headers)).statusCode).toBe(403);
  });

  it('never answers any query string with a server error', async () => {
    const operator = await signInAs(app, ['operator']);
    const value = fc.oneof(
      fc.string(),
      fc.integer().map(String),
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      fc.uuid(),
      fc.array(fc.string(), { minLength: 2, maxLength: 3 }),
    );
    const key = fc.oneof(fc.constantFrom('limit', 'cursor'), fc.string());
    await fc.assert(
      fc.asyncProperty(fc.dictionary(key, value, { maxKeys: 4 }), async (query) => {
        const response = await app.inject({
          method: 'GET',
          url: '/v1/ops/violations',
          query,
          headers: operator.headers,
        });
        if (response.statusCode !== 200 && response.statusCode !== 400)
          throw new Error(`${JSON.stringify(query)}: ${response.statusCode} ${response.body}`);
      }),
      { numRuns: 300 },
    );
  });

  it('pages by the stored millisecond time through its index, ties broken by event id', async () => {
    const sql = app.get(DataSource);
    // microseconds as PostgreSQL's now() would give them: kept to the millisecond
    await sql.query(
      `INSERT INTO violation_record (event_id, camera_id, centre_id, code, plate, evidence_ref, captured_at, logged_at)
       SELECT gen_random_uuid(), 'bulk-cam', 'bulk-centre', 'speeding', 'BULK', 's3://e/x', now(),
              timestamptz '2020-01-01 00:00:00.000000+00' + (i % 5000) * interval '1.2345 ms'
       FROM generate_series(1, 30000) AS i`,
    );
    // and a quiet centre whose few violations are older than all of those
    await sql.query(
      `INSERT INTO violation_record (event_id, camera_id, centre_id, code, plate, evidence_ref, captured_at, logged_at)
       SELECT gen_random_uuid(), 'quiet-cam', 'quiet-centre', 'speeding', 'QUIET', 's3://e/x', now(),
              timestamptz '2019-01-01 00:00:00+00' + i * interval '1 s'
       FROM generate_series(1, 20) AS i`,
    );
    await sql.query('ANALYZE violation_record');
    expect(
      await sql.query(
        `SELECT count(*)::int AS n FROM violation_record
         WHERE centre_id = 'bulk-centre' AND logged_at <> date_trunc('milliseconds', logged_at)`,
      ),
    ).toEqual([{ n: 0 }]);

    const scope = { centreIds: ['bulk-centre'], includeUnrouted: false, allCentres: false };
    const feedRepository = app.get(ViolationFeedRepository);
    const plan = async (
      cursor?: { loggedAt: Date; eventId: string },
      of: { centreIds: string[]; includeUnrouted: boolean; allCentres: boolean } = scope,
    ) => {
      const [query, parameters] = (
        await feedRepository.pageQuery(of, 50, cursor)
      ).getQueryAndParameters();
      const [{ 'QUERY PLAN': json }] = (await sql.query(
        `EXPLAIN (FORMAT JSON) ${query}`,
        parameters,
      )) as [{ 'QUERY PLAN': unknown }];
      return JSON.stringify(json);
    };
    // a page of a busy scope is read in order from an index, never sorted: one centre walks its
    // own index back, several walk the log's
    const both = {
      centreIds: ['bulk-centre', 'quiet-centre'],
      includeUnrouted: false,
      allCentres: false,
    };
    const later = {
      loggedAt: new Date('2020-01-01T00:00:03Z'),
      eventId: 'ffffffff-ffff-4fff-bfff-ffffffffffff',
    };
    for (const text of [await plan(), await plan(later)]) {
      expect(text).toContain('"Index Name":"violation_record_centre_idx"');
      expect(text).not.toContain('"Node Type":"Sort"');
    }
    for (const text of [await plan(undefined, both), await plan(later, both)]) {
      expect(text).toContain('"Index Name":"violation_record_logged_idx"');
      expect(text).not.toContain('"Node Type":"Sort"');
    }
    // for centres with few violations, older than the rest, walking the log back would read
    // 30,000 rows to fill a page: their rows come from the centre index and are sorted instead
    const quiet = {
      centreIds: ['quiet-centre', 'aktau'],
      includeUnrouted: false,
      allCentres: false,
    };
    const quietPlan = await plan(undefined, quiet);
    expect(quietPlan).toContain('"Index Name":"violation_record_centre_idx"');
    expect(quietPlan).not.toContain('violation_record_logged_idx');
    const quietPage = await feedRepository.page(quiet, 50);
    expect(quietPage.filter((row) => row.centreId === 'quiet-centre')).toHaveLength(20);

    // six rows share every millisecond: walking the pages visits each row once, newest first
    const seen: string[] = [];
    let cursor: { loggedAt: Date; eventId: string } | undefined;
    for (let pages = 0; pages < 200; pages++) {
      const page = await feedRepository.page(scope, 997, cursor);
      if (page.length === 0) break;
      seen.push(...page.map((row) => `${row.loggedAt.toISOString()}/${row.eventId}`));
      const last = page[page.length - 1]!;
      cursor = { loggedAt: last.loggedAt, eventId: last.eventId };
    }
    expect(seen).toHaveLength(30000);
    expect(new Set(seen).size).toBe(30000);
    expect([...seen].sort().reverse()).toEqual(seen);
    await sql.query(
      `DELETE FROM violation_record WHERE centre_id IN ('bulk-centre', 'quiet-centre')`,
    );
  });

  it('dead-letters what is not a violation on kuzet.violations.v1, naming why', async () => {
    const key = uniqueName('poison');
    const alarm = sampleEvent('alarm', (e) => (e.cameraId = key));
    await bus.publish(TOPICS.violations, [
      { key, value: Buffer.from('not protobuf') },
      { key, value: encodeCameraEvent(alarm) },
    ]);
    const letters = await waitFor('two poison messages dead-lettered', () => {
      const mine = deadLetters.filter((m) => m.key === key);
      return mine.length === 2 && mine;
    });
    expect(letters.map((m) => m.headers[DEAD_LETTER_HEADERS.reason])).toEqual([
      'malformed_protobuf',
      'not_a_violation',
    ]);
  });
});

import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { DataSource, In } from 'typeorm';
import {
  create,
  encodeCameraEvent,
  encodeWatchlistHit,
  timestampFromDate,
  WatchlistHitSchema,
} from '@kuzet/contracts';
import { MESSAGE_BUS, MessageBus, TOPICS } from '@kuzet/messaging';
import { AlertEntity } from '@kuzet/persistence';
import { IngestModule } from '../../apps/ingest/src/ingest.module';
import { OpsCenterModule } from '../../apps/ops-center/src/ops-center.module';
import { OutcomeDueScheduler } from '../../apps/ops-center/src/outcomes/outcome-due.scheduler';
import { sampleEvent } from '../ingest/sample-events';
import { createTestDatabase, TestDatabase } from '../support/database';
import { startTestApp } from '../support/kuzet-app';
import { SignedInStaff, signInAs } from '../support/staff';
import { waitFor } from '../support/wait';

const REGION = resolve(__dirname, '../../deploy/config/region.yaml');
/** Far enough that the timer flags nothing by itself: the test moves its clock. */
const DUE_AFTER_MS = 10 * 365 * 24 * 3600 * 1000;
/** 15 January 2026, 10:00 in Aktau (UTC+5). */
const CAPTURED = new Date('2026-01-15T05:00:00.000Z');
const CONFIRMED = new Date('2026-01-15T05:01:00.000Z');
const at = (seconds: number) => new Date(CONFIRMED.getTime() + seconds * 1000).toISOString();

/** Issue 20 on the real broker and PostgreSQL: hits published to Kafka become alerts; an
 * operator confirms them and records dispatch, arrival and outcome (each audited, corrections
 * as new entries); the monthly figures come out of known inputs; a confirmed alert left
 * without an outcome is flagged. */
describe('from alert to outcome', () => {
  let database: TestDatabase;
  let app: NestFastifyApplication;
  let sql: DataSource;
  let operator: SignedInStaff;
  let munailyOperator: SignedInStaff;
  let supervisor: SignedInStaff;
  let auditor: SignedInStaff;
  let admin: SignedInStaff;
  const alert = {
    detained: randomUUID(),
    notTheSubject: randomUUID(),
    rejected: randomUUID(),
    notFound: randomUUID(),
    forgotten: randomUUID(),
  };
  const sos = sampleEvent('alarm', (event) => (event.cameraId = 'aktau-cam-0002'));
  let unitId: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    ({ app } = await startTestApp([IngestModule, OpsCenterModule], {
      DATABASE_URL: database.url,
      KUZET_REGION_FILE: REGION,
      OPS_OUTCOME_DUE_AFTER_MS: DUE_AFTER_MS,
      OPS_ESCALATE_AFTER_MS: DUE_AFTER_MS,
    }));
    sql = app.get(DataSource);
    const captured = timestampFromDate(CAPTURED);
    const camera = (id: string) => (id === alert.notFound ? 'munaily-cam-0001' : 'aktau-cam-0001');
    const bus = app.get<MessageBus>(MESSAGE_BUS);
    await bus.publish(
      TOPICS.watchlistHits,
      Object.values(alert).map((hitId) => ({
        key: camera(hitId),
        value: encodeWatchlistHit(
          create(WatchlistHitSchema, {
            hitId,
            eventId: randomUUID(),
            cameraId: camera(hitId),
            personId: randomUUID(),
            watchlistId: randomUUID(),
            similarity: 0.7,
            threshold: 0.4,
            modelId: 'faceplugin-face-recognition-js/fr_feature',
            capturedAt: captured,
            matchedAt: captured,
            lastSeenAt: captured,
            sightingCount: 1,
          }),
        ),
      })),
    );
    await bus.publish(TOPICS.cameraEvents, [{ key: sos.cameraId, value: encodeCameraEvent(sos) }]);
    const ids = [...Object.values(alert), sos.eventId];
    await waitFor(`the alerts of ${ids.length} events stored`, async () => {
      const stored = await sql.getRepository(AlertEntity).countBy({ id: In(ids) });
      return stored === ids.length;
    });
    operator = await signInAs(app, ['operator'], ['aktau']);
    munailyOperator = await signInAs(app, ['operator'], ['munaily']);
    supervisor = await signInAs(app, ['supervisor'], ['aktau']);
    auditor = await signInAs(app, ['auditor']);
    admin = await signInAs(app, ['system-admin']);
    for (const id of Object.values(alert)) {
      const decision = await app.inject({
        method: 'POST',
        url: `/v1/alerts/${id}/decisions`,
        headers: operator.headers,
        payload:
          id === alert.rejected
            ? { action: 'reject', reason: 'another person' }
            : { action: 'confirm' },
      });
      expect(decision.statusCode).toBe(201);
    }
    // the confirms as they would have been made on 15 January (the API stamps them now), and
    // the SOS call then (the intake refuses camera events that old)
    await sql.query(`UPDATE alert SET decided_at = $1 WHERE id = ANY($2)`, [
      CONFIRMED,
      Object.values(alert),
    ]);
    await sql.query(`UPDATE alert SET captured_at = $1 WHERE id = $2`, [CAPTURED, sos.eventId]);
    // known violations of the month (the violations app's table)
    for (const [district, centre, capturedAt] of [
      ['aktau-city', 'aktau', '2026-01-01T00:00:00+05:00'],
      ['aktau-city', 'aktau', '2026-01-31T23:59:59+05:00'],
      ['munaily', 'munaily', '2026-01-10T12:00:00+05:00'],
      ['aktau-city', 'aktau', '2025-12-31T23:59:59+05:00'], // December
      ['aktau-city', 'aktau', '2026-02-01T00:00:00+05:00'], // February
    ])
      await sql.query(
        `INSERT INTO violation_record (event_id, camera_id, district_id, centre_id, code, plate,
           evidence_ref, captured_at) VALUES ($1, 'aktau-cam-0001', $2, $3, 'speeding', '123ABC12', 'x', $4)`,
        [randomUUID(), district, centre, capturedAt],
      );
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  const post = (who: SignedInStaff, id: string, payload: object) =>
    app.inject({
      method: 'POST',
      url: `/v1/alerts/${id}/outcome-entries`,
      headers: who.headers,
      payload,
    });
  const get = (who: SignedInStaff, url: string) =>
    app.inject({ method: 'GET', url, headers: who.headers });

  it("keeps each centre's list of patrol units", async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/v1/patrol-units',
      headers: supervisor.headers,
      payload: { centre_id: 'aktau', call_sign: 'ПА-12' },
    });
    expect(created.statusCode).toBe(201);
    unitId = created.json<{ id: string }>().id;
    const again = await app.inject({
      method: 'POST',
      url: '/v1/patrol-units',
      headers: admin.headers,
      payload: { centre_id: 'aktau', call_sign: 'ПА-12' },
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().errors[0]).toMatchObject({ field: 'call_sign', rule: 'conflict' });
    // Zhanaozen is not the supervisor's centre
    const elsewhere = await app.inject({
      method: 'POST',
      url: '/v1/patrol-units',
      headers: supervisor.headers,
      payload: { centre_id: 'zhanaozen', call_sign: 'ПА-1' },
    });
    expect(elsewhere.statusCode).toBe(404);
    const spare = await app.inject({
      method: 'POST',
      url: '/v1/patrol-units',
      headers: supervisor.headers,
      payload: { centre_id: 'aktau', call_sign: 'ПА-14' },
    });
    const off = await app.inject({
      method: 'PATCH',
      url: `/v1/patrol-units/${spare.json<{ id: string }>().id}`,
      headers: supervisor.headers,
      payload: { active: false },
    });
    expect(off.json()).toMatchObject({ call_sign: 'ПА-14', active: false });
    const listed = await get(operator, '/v1/patrol-units?centre_id=aktau');
    expect(listed.statusCode).toBe(200);
    expect(listed.json()).toEqual({
      items: [expect.objectContaining({ id: unitId, call_sign: 'ПА-12', active: true })],
      next_cursor: null,
    });
    // a munaily operator may use the units of Munaily only
    expect((await get(munailyOperator, '/v1/patrol-units?centre_id=aktau')).statusCode).toBe(404);
  });

  it('records dispatch, arrival and outcome of a confirmed alert, each attributed and audited', async () => {
    const dispatched = await post(operator, alert.detained, {
      step: 'dispatch',
      unit_id: unitId,
      occurred_at: at(60),
    });
    expect(dispatched.statusCode).toBe(201);
    // arrival before the dispatch: refused, nothing recorded
    const early = await post(operator, alert.detained, { step: 'arrival', occurred_at: at(30) });
    expect(early.statusCode).toBe(400);
    expect(early.json().errors[0]).toMatchObject({ field: 'occurred_at', rule: 'after_dispatch' });
    expect(
      (await post(operator, alert.detained, { step: 'arrival', occurred_at: at(300) })).statusCode,
    ).toBe(201);
    const done = await post(operator, alert.detained, {
      step: 'outcome',
      outcome: 'detained',
      note: 'доставлен в ОП',
      occurred_at: at(900),
    });
    expect(done.statusCode).toBe(201);
    expect(done.json()).toMatchObject({
      alert_id: alert.detained,
      state: 'confirmed',
      confirmed_at: CONFIRMED.toISOString(),
      dispatch: { unit_id: unitId, unit_call_sign: 'ПА-12', recorded_by: operator.username },
      arrival: { occurred_at: at(300), recorded_by: operator.username },
      outcome: { outcome: 'detained', note: 'доставлен в ОП' },
      confirm_to_dispatch_s: 60,
      dispatch_to_arrival_s: 240,
      confirm_to_arrival_s: 300,
      overdue_flagged_at: null,
    });
    const audit = await sql.query(
      `SELECT action, actor FROM audit_log WHERE subject_id = $1 AND action LIKE 'alert.%'
        ORDER BY seq`,
      [alert.detained],
    );
    expect(audit.map((r: { action: string }) => r.action)).toEqual([
      'alert.confirm',
      'alert.dispatch',
      'alert.arrival',
      'alert.outcome',
    ]);
    expect(new Set(audit.map((r: { actor: string }) => r.actor))).toEqual(
      new Set([operator.username]),
    );
  });

  it('refuses a second entry of a step, and steps on alerts that are not confirmed', async () => {
    const twice = await post(operator, alert.detained, { step: 'outcome', outcome: 'not_found' });
    expect(twice.statusCode).toBe(409);
    expect(twice.json().errors[0]).toMatchObject({ field: 'step', rule: 'already_recorded' });
    const rejected = await post(operator, alert.rejected, { step: 'dispatch', unit_text: 'ПА-3' });
    expect(rejected.statusCode).toBe(409);
    expect(rejected.json().errors[0]).toMatchObject({
      rule: 'state_conflict',
      params: { state: 'rejected' },
    });
    const inactive = await post(operator, alert.notTheSubject, {
      step: 'dispatch',
      unit_text: undefined,
      unit_id: randomUUID(),
    });
    expect(inactive.statusCode).toBe(400);
    expect(inactive.json().errors[0]).toMatchObject({ field: 'unit_id', rule: 'unit_unknown' });
    // another centre's operator does not see the alert
    expect(
      (await post(munailyOperator, alert.detained, { step: 'dispatch', unit_text: 'x' }))
        .statusCode,
    ).toBe(404);
    expect(
      await sql.query(`SELECT count(*)::int AS n FROM alert_outcome_entry WHERE alert_id = $1`, [
        alert.rejected,
      ]),
    ).toEqual([{ n: 0 }]);
  });

  it('corrects a step with a new entry, never by editing one', async () => {
    expect(
      (
        await post(operator, alert.notTheSubject, {
          step: 'dispatch',
          unit_text: 'ПА-7 (резерв)',
          occurred_at: at(120),
        })
      ).statusCode,
    ).toBe(201);
    const first = await post(operator, alert.notTheSubject, {
      step: 'arrival',
      occurred_at: at(600),
    });
    const wrongId = first.json<{ arrival: { id: string } }>().arrival.id;
    const noNote = await post(operator, alert.notTheSubject, {
      step: 'arrival',
      occurred_at: at(540),
      corrects: wrongId,
    });
    expect(noNote.statusCode).toBe(400);
    expect(noNote.json().errors[0]).toMatchObject({ field: 'note', rule: 'reason_required' });
    const corrected = await post(supervisor, alert.notTheSubject, {
      step: 'arrival',
      occurred_at: at(540),
      corrects: wrongId,
      note: 'время прибытия по рации',
    });
    expect(corrected.statusCode).toBe(201);
    const view = corrected.json<{
      arrival: { corrects: string; recorded_by: string };
      confirm_to_arrival_s: number;
      entries: Array<{ id: string; superseded: boolean }>;
    }>();
    expect(view.arrival).toMatchObject({ corrects: wrongId, recorded_by: supervisor.username });
    expect(view.confirm_to_arrival_s).toBe(540);
    expect(view.entries.find((e) => e.id === wrongId)).toMatchObject({ superseded: true });
    // the table itself refuses an edit
    await expect(
      sql.query(`UPDATE alert_outcome_entry SET occurred_at = now() WHERE id = $1`, [wrongId]),
    ).rejects.toThrow(/append-only/);
    expect(
      (
        await post(operator, alert.notTheSubject, {
          step: 'outcome',
          outcome: 'not_the_subject',
          occurred_at: at(700),
        })
      ).statusCode,
    ).toBe(201);
    const audit = await sql.query(
      `SELECT action, actor, details FROM audit_log WHERE subject_id = $1 AND action = 'alert.arrival-corrected'`,
      [alert.notTheSubject],
    );
    expect(audit).toEqual([
      expect.objectContaining({
        actor: supervisor.username,
        details: expect.objectContaining({ corrects: wrongId, note: 'время прибытия по рации' }),
      }),
    ]);
  });

  it('flags a confirmed alert with no outcome to the supervisors, once', async () => {
    expect(
      (
        await post(munailyOperator, alert.notFound, {
          step: 'dispatch',
          unit_text: 'УУП Мунайлы',
          occurred_at: at(30),
        })
      ).statusCode,
    ).toBe(201);
    expect(
      (await post(munailyOperator, alert.notFound, { step: 'arrival', occurred_at: at(900) }))
        .statusCode,
    ).toBe(201);
    expect(
      (
        await post(munailyOperator, alert.notFound, {
          step: 'outcome',
          outcome: 'not_found',
          occurred_at: at(1000),
        })
      ).statusCode,
    ).toBe(201);
    const seqBefore = (
      await sql.getRepository(AlertEntity).findOneByOrFail({ id: alert.forgotten })
    ).seq;
    const scheduler = app.get(OutcomeDueScheduler);
    // the timer's clock: just before the forgotten alert is due, then just after
    expect(await scheduler.tick(new Date(CONFIRMED.getTime() + DUE_AFTER_MS - 1_000))).toBe(0);
    expect(await scheduler.tick(new Date(CONFIRMED.getTime() + DUE_AFTER_MS + 1_000))).toBe(1);
    expect(await scheduler.tick(new Date(CONFIRMED.getTime() + DUE_AFTER_MS + 2_000))).toBe(0);
    // on the alert, in the live feed (its seq moved), and in the supervisors' list
    const flagged = await get(operator, `/v1/alerts/${alert.forgotten}/outcome`);
    expect(flagged.json().overdue_flagged_at).toEqual(expect.any(String));
    const after = await sql.getRepository(AlertEntity).findOneByOrFail({ id: alert.forgotten });
    expect(after.seq).toBeGreaterThan(seqBefore);
    const overdue = await get(supervisor, '/v1/outcomes/overdue');
    expect(overdue.json()).toEqual({
      items: [expect.objectContaining({ alert_id: alert.forgotten, centre_id: 'aktau' })],
      next_cursor: null,
    });
    expect(
      await sql.query(
        `SELECT actor FROM audit_log WHERE subject_id = $1 AND action = 'alert.outcome-overdue'`,
        [alert.forgotten],
      ),
    ).toEqual([{ actor: 'outcome-timer' }]);
    // an outcome closes it
    const closed = await post(operator, alert.forgotten, {
      step: 'outcome',
      outcome: 'other',
      note: 'передано в УП',
    });
    expect(closed.json().overdue_flagged_at).toBeNull();
    expect((await get(supervisor, '/v1/outcomes/overdue')).json().items).toEqual([]);
  });

  it('gives the registry totals: installed, connected, a district known only by its total', async () => {
    const district = await app.inject({
      method: 'PUT',
      url: '/v1/districts/aktau-city',
      headers: admin.headers,
      payload: { name: 'Aktau city', centre_id: 'aktau', cameras_total: 100 },
    });
    expect(district.statusCode).toBe(200);
    expect(district.json()).toMatchObject({ id: 'aktau-city', cameras_total: 100 });
    const camera = await app.inject({
      method: 'PATCH',
      url: '/v1/cameras/aktau-cam-0003',
      headers: admin.headers,
      payload: { connected: false },
    });
    expect(camera.json()).toMatchObject({ id: 'aktau-cam-0003', connected: false });
  });

  it('computes the month from the known inputs', async () => {
    const response = await get(auditor, '/v1/reports/monthly?month=2026-01');
    expect(response.statusCode).toBe(200);
    const report = response.json();
    expect(report).toMatchObject({
      month: '2026-01',
      centre_id: null,
      period_from: '2025-12-31T19:00:00.000Z',
      period_to: '2026-01-31T19:00:00.000Z',
    });
    expect(report.region).toMatchObject({
      violations: 3,
      alerts_confirmed: 4,
      // confirm -> arrival: 300, 540 (corrected from 600), 900
      response_median_s: 540,
      response_p90_s: 828,
      responses_measured: 3,
      outcomes: { detained: 1, not_found: 1, not_the_subject: 1, other: 1, none: 0 },
      wanted_persons_identified: 4,
      wanted_persons_brought_in: 1,
      vehicles_found: 0,
      false_alerts: 2,
      sos_calls: 1,
    });
    const aktauCity = report.districts.find(
      (d: { district_id: string }) => d.district_id === 'aktau-city',
    );
    expect(aktauCity.figures).toMatchObject({
      cameras_installed: 100,
      cameras_connected: 2,
      sos_buttons: 1,
      violations: 2,
      response_median_s: 420,
      response_p90_s: 516,
      sos_calls: 1,
      false_alerts: 2,
    });
    const munaily = report.districts.find(
      (d: { district_id: string }) => d.district_id === 'munaily',
    );
    expect(munaily.figures).toMatchObject({
      cameras_installed: 2,
      cameras_connected: 2,
      violations: 1,
      response_median_s: 900,
      outcomes: expect.objectContaining({ not_found: 1 }),
    });
    // every figure has its query
    const traced = report.queries.flatMap((q: { figures: string[] }) => q.figures);
    expect(new Set(traced)).toEqual(new Set(Object.keys(report.region)));
    // a supervisor sees the centres of theirs (Aktau and its district centres), no other
    const mine = await get(supervisor, '/v1/reports/monthly?month=2026-01');
    expect(mine.json().districts.map((d: { centre_id: string }) => d.centre_id)).not.toContain(
      'zhanaozen',
    );
    expect(
      (await get(supervisor, '/v1/reports/monthly?month=2026-01&centre_id=zhanaozen')).statusCode,
    ).toBe(404);
    const bad = await get(auditor, '/v1/reports/monthly?month=2026-13');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0]).toMatchObject({ field: 'month' });
  });

  it('lists confirm -> dispatch -> arrival per alert, a page at a time', async () => {
    const first = await get(supervisor, '/v1/reports/response-times?month=2026-01&limit=2');
    expect(first.statusCode).toBe(200);
    const page1 = first.json();
    expect(page1.items).toHaveLength(2);
    const second = await get(
      supervisor,
      `/v1/reports/response-times?month=2026-01&limit=2&cursor=${page1.next_cursor}`,
    );
    const all = [...page1.items, ...second.json().items];
    expect(second.json().next_cursor).toBeNull();
    expect(all).toHaveLength(4);
    expect(all.find((r: { alert_id: string }) => r.alert_id === alert.detained)).toMatchObject({
      confirm_to_dispatch_s: 60,
      dispatch_to_arrival_s: 240,
      confirm_to_arrival_s: 300,
      outcome: 'detained',
    });
  });
});

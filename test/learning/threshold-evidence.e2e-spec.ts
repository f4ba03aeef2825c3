import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { FaceEngine } from '@kuzet/face';
import { LIST_EDIT_REASON, WatchlistIndex, WatchlistService } from '@kuzet/watchlist';
import { MatcherModule } from '../../apps/matcher/src/matcher.module';
import { OpsCenterModule } from '../../apps/ops-center/src/ops-center.module';
import { createTestDatabase, TestDatabase } from '../support/database';
import { asJpeg, personPhoto } from '../support/faces';
import { startTestApp } from '../support/kuzet-app';
import { SignedInStaff, signInAs } from '../support/staff';
import { eventually, uniqueName } from '../support/transports';

const DAY_MS = 86_400_000;
// A decision history computed by hand (see the expectations): 20 decided hits and 5 undecided
// ones over the last 10 days. Similarities sit 0.001 above the 0.01 grid: the column is float4.
const REJECTED = [0.411, 0.421, 0.431, 0.441, 0.451, 0.461, 0.471, 0.481];
const CONFIRMED = [
  0.441, 0.521, 0.551, 0.581, 0.611, 0.641, 0.671, 0.701, 0.731, 0.761, 0.801, 0.901,
];
const UNDECIDED = [0.411, 0.431, 0.501, 0.601, 0.951];

interface Point {
  threshold: number;
  confirmed: number;
  rejected: number;
  precision: number | null;
  precision_low: number | null;
  precision_high: number | null;
  alerts_per_day: number;
}

/** Threshold evidence from a known set of decided hits, and applying a threshold as an audited,
 * reversible decision that reaches the matcher through the change topic. */
describe('threshold evidence end to end', () => {
  let database: TestDatabase;
  let app: NestFastifyApplication;
  let supervisor: SignedInStaff;
  let watchlistId: string;
  let personId: string;
  let probe: Float32Array;

  beforeAll(async () => {
    database = await createTestDatabase();
    ({ app } = await startTestApp([MatcherModule, OpsCenterModule], {
      DATABASE_URL: database.url,
      KUZET_INSTANCE_ID: uniqueName('threshold-matcher'),
    }));
    // a threshold is region-wide: set by a supervisor of a main centre (aktau has no parent)
    await app
      .get(DataSource)
      .query(`INSERT INTO operations_centre (id, name, kind) VALUES ('aktau', 'Aktau', 'main')`);
    supervisor = await signInAs(app, ['supervisor'], ['aktau']);
    const service = app.get(WatchlistService);
    watchlistId = (
      await service.createWatchlist({
        name: 'Wanted (thresholds)',
        category: 'wanted',
        similarity_threshold: 0.4,
        priority: 0,
      })
    ).id;
    personId = (
      await service.enrolPerson(watchlistId, {
        full_name: 'Amy',
        confirm_not_duplicate: false,
        photos: [{ data: personPhoto('amy', 1).toString('base64') }],
      })
    ).person.id;
    const image = await asJpeg(personPhoto('amy', 1));
    probe = (await app.get(FaceEngine).analyze(image)).faces[0]!.embedding;
    const now = Date.now();
    const rows = [
      ...REJECTED.map((s) => ['rejected', s]),
      ...CONFIRMED.map((s) => ['confirmed', s]),
      ...UNDECIDED.map((s) => ['new', s]),
    ] as const;
    for (const [i, [state, similarity]] of rows.entries()) {
      const at = new Date(now - ((i % 9) + 0.5) * DAY_MS);
      await app.get(DataSource).query(
        `INSERT INTO alert (id, kind, state, priority, camera_id, event_id, person_id, watchlist_id,
           similarity, threshold, captured_at, last_seen_at)
         VALUES ($1, 'watchlist_hit', $2, 0, 'cam-1', $3, $4, $5, $6, 0.4, $7, $7)`,
        [randomUUID(), state, randomUUID(), personId, watchlistId, similarity, at],
      );
    }
    // a hit older than the window is not evidence
    await app.get(DataSource).query(
      `INSERT INTO alert (id, kind, state, priority, camera_id, event_id, person_id, watchlist_id,
         similarity, threshold, captured_at, last_seen_at)
       VALUES ($1, 'watchlist_hit', 'rejected', 0, 'cam-1', $2, $3, $4, 0.99, 0.4, $5, $5)`,
      [randomUUID(), randomUUID(), personId, watchlistId, new Date(now - 11 * DAY_MS)],
    );
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  const evidence = async (target: number) => {
    const response = await app.inject({
      method: 'GET',
      url: `/v1/watchlists/${watchlistId}/threshold-evidence?days=10&target_precision=${target}`,
      headers: supervisor.headers,
    });
    expect(response.statusCode).toBe(200);
    return response.json() as {
      current: Point;
      candidates: Point[];
      suggested_threshold: number | null;
      decided_hits: number;
      hits: number;
    };
  };

  it('gives precision with Wilson intervals, alerts per day and a suggestion', async () => {
    const body = await evidence(0.7);
    expect(body.decided_hits).toBe(20);
    expect(body.hits).toBe(25);
    // >= 0.40: 12 confirmed of 20; 25 hits / 10 days
    expect(body.current).toMatchObject({ threshold: 0.4, confirmed: 12, rejected: 8 });
    expect(body.current.precision).toBeCloseTo(0.6, 9);
    expect(body.current.precision_low).toBeCloseTo(0.386582, 5);
    expect(body.current.precision_high).toBeCloseTo(0.781193, 5);
    expect(body.current.alerts_per_day).toBeCloseTo(2.5, 9);
    const at = (t: number) => body.candidates.find((p) => Math.abs(p.threshold - t) < 1e-9)!;
    // >= 0.45: rejected 0.451..0.481 (4), confirmed all but 0.441 (11); 15 + 3 undecided hits
    expect(at(0.45)).toMatchObject({ confirmed: 11, rejected: 4 });
    expect(at(0.45).alerts_per_day).toBeCloseTo(1.8, 9);
    // >= 0.49: 11 of 11, Wilson lower bound 0.741165 >= 0.7: the lowest such, so suggested
    expect(at(0.49)).toMatchObject({ confirmed: 11, rejected: 0, precision: 1 });
    expect(at(0.49).precision_low).toBeCloseTo(0.741165, 5);
    expect(at(0.49).alerts_per_day).toBeCloseTo(1.4, 9);
    expect(at(0.48)).toMatchObject({ confirmed: 11, rejected: 1 });
    expect(body.suggested_threshold).toBe(0.49);
    // no threshold reaches 0.75 with 95% confidence on 11 confirmations
    expect((await evidence(0.75)).suggested_threshold).toBeNull();
  });

  it('applies a threshold as an audited decision the matcher takes, and reverts it', async () => {
    const searchThreshold = () => app.get(WatchlistIndex).search(probe).best?.threshold ?? 0;
    const applied = await app.inject({
      method: 'POST',
      url: `/v1/watchlists/${watchlistId}/threshold-decisions`,
      headers: supervisor.headers,
      payload: { threshold: 0.49, target_precision: 0.7, reason: 'evidence of 20 decisions' },
    });
    expect(applied.statusCode).toBe(201);
    const decision = applied.json() as {
      id: string;
      previous_threshold: number;
      decided_by: string;
    };
    expect(decision.previous_threshold).toBeCloseTo(0.4, 6);
    expect(decision.decided_by).toBe(supervisor.username);
    await eventually(() => Math.abs(searchThreshold() - 0.49) < 1e-6, 'the matcher to take 0.49');
    const audit = async () =>
      (
        (await app
          .get(DataSource)
          .query(`SELECT action, actor FROM audit_log WHERE subject_id = $1 ORDER BY seq`, [
            watchlistId,
          ])) as { action: string; actor: string }[]
      ).filter((a) => a.action.startsWith('watchlist.threshold'));
    expect(await audit()).toEqual([
      { action: 'watchlist.threshold-applied', actor: supervisor.username },
    ]);

    const reverted = await app.inject({
      method: 'POST',
      url: `/v1/watchlists/${watchlistId}/threshold-decisions/${decision.id}/revert`,
      headers: supervisor.headers,
      payload: { reason: 'too few alerts' },
    });
    expect(reverted.statusCode).toBe(201);
    expect(reverted.json()).toMatchObject({ reverts_id: decision.id });
    await eventually(() => Math.abs(searchThreshold() - 0.4) < 1e-6, 'the matcher to take 0.4');
    expect((await audit()).map((a) => a.action)).toEqual([
      'watchlist.threshold-applied',
      'watchlist.threshold-reverted',
    ]);
    // reverting it again would undo nothing it set: refused, nothing changes
    const twice = await app.inject({
      method: 'POST',
      url: `/v1/watchlists/${watchlistId}/threshold-decisions/${decision.id}/revert`,
      headers: supervisor.headers,
      payload: { reason: 'again' },
    });
    expect(twice.statusCode).toBe(409);
    const history = await app.inject({
      method: 'GET',
      url: `/v1/watchlists/${watchlistId}/threshold-decisions`,
      headers: supervisor.headers,
    });
    expect((history.json() as { items: unknown[] }).items).toHaveLength(2);
  });

  it('refuses a threshold outside (0, 1] naming the field, and changes nothing', async () => {
    const response = await app.inject({
      method: 'POST',
      url: `/v1/watchlists/${watchlistId}/threshold-decisions`,
      headers: supervisor.headers,
      payload: { threshold: 1.5, reason: 'x' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ errors: [{ field: 'threshold' }] });
  });

  it("takes a watchlist administrator's PATCH of the threshold down the same path: checked, a decision in the history, audited, republished, revertible", async () => {
    const admin = await signInAs(app, ['watchlist-admin']);
    const searchThreshold = () => app.get(WatchlistIndex).search(probe).best?.threshold ?? 0;
    const patch = (body: object) =>
      app.inject({
        method: 'PATCH',
        url: `/v1/watchlists/${watchlistId}`,
        headers: admin.headers,
        payload: body,
      });
    const decisions = async () =>
      (
        await app.inject({
          method: 'GET',
          url: `/v1/watchlists/${watchlistId}/threshold-decisions`,
          headers: supervisor.headers,
        })
      ).json<{
        items: { id: string; threshold: number; reason: string; decided_by: string }[];
      }>().items;
    const before = await decisions();

    // at or above the suppression ceiling (0.8 by default): refused as a decision is
    const high = await patch({ similarity_threshold: 0.85, priority: 7 });
    expect(high.statusCode).toBe(400);
    expect(high.json()).toMatchObject({
      errors: [{ field: 'similarity_threshold', rule: 'below_ceiling' }],
    });
    expect(await decisions()).toHaveLength(before.length);
    expect(
      Number(
        (
          await app
            .get(DataSource)
            .query(`SELECT priority FROM watchlist WHERE id = $1`, [watchlistId])
        )[0].priority,
      ),
    ).toBe(0);

    const patched = await patch({ similarity_threshold: 0.55, priority: 7 });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ similarity_threshold: 0.55, priority: 7 });
    await eventually(() => Math.abs(searchThreshold() - 0.55) < 1e-6, 'the matcher to take 0.55');
    const history = await decisions();
    expect(history).toHaveLength(before.length + 1);
    const decided = history.find((d) => !before.some((b) => b.id === d.id))!;
    expect(decided).toMatchObject({ reason: LIST_EDIT_REASON, decided_by: admin.username });
    expect(decided.threshold).toBeCloseTo(0.55, 6);
    const audited = (await app
      .get(DataSource)
      .query(
        `SELECT action, actor, details FROM audit_log WHERE subject_id = $1 AND actor = $2 ORDER BY seq`,
        [watchlistId, admin.username],
      )) as { action: string; details: Record<string, unknown> }[];
    expect(audited.map((a) => a.action)).toEqual([
      'watchlist.threshold-applied',
      'watchlist.updated',
    ]);
    expect(audited[1]!.details).toMatchObject({
      after: { priority: 7 },
      thresholdDecisionId: decided.id,
    });

    // the supervisor reverts the administrator's change like any decision
    const reverted = await app.inject({
      method: 'POST',
      url: `/v1/watchlists/${watchlistId}/threshold-decisions/${decided.id}/revert`,
      headers: supervisor.headers,
      payload: { reason: 'back to the evidence' },
    });
    expect(reverted.statusCode).toBe(201);
    await eventually(() => Math.abs(searchThreshold() - 0.4) < 1e-6, 'the matcher back at 0.4');
  });
});

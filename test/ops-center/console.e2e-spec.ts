import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Page } from 'playwright-core';
import { In } from 'typeorm';
import { encodeCameraEvent } from '@kuzet/contracts';
import { StaffUserService } from '@kuzet/auth';
import { TOPICS } from '@kuzet/messaging';
import { AlertDecisionEntity, AlertEntity } from '@kuzet/persistence';
import { register } from 'prom-client';
import WebSocket from 'ws';
import { EscalationScheduler } from '../../apps/ops-center/src/escalation/escalation.scheduler';
import { sampleEvent } from '../ingest/sample-events';
import { waitFor, waitUntil } from '../support/wait';
import { liveFeed } from './console-page';
import { consoleTestbed, CONSOLE_PASSWORD, watchlistHitMessage } from './console-testbed';

/** The console as an operator uses it, in Debian's Chromium, against the real broker and
 * PostgreSQL: hits published to Kafka appear live, decisions persist, centres are kept apart,
 * and a late second decision is refused with a message. */
describe('operations-centre console in a real browser', () => {
  const bed = consoleTestbed(
    (
      [
        ['aktau.one', 'aktau'],
        ['aktau.two', 'aktau'],
        ['zhanaozen.one', 'zhanaozen'],
      ] as const
    ).map(([username, centre]) => ({ username, roles: ['operator'], centreIds: [centre] })),
  );

  const publishHit = (cameraId: string, similarity = 0.71): Promise<string> =>
    bed.publishHit({ cameraId, similarity });

  const signIn = (username: string): Promise<Page> => bed.signIn(username);

  const row = (page: Page, alertId: string) => page.locator(`[data-alert-id="${alertId}"]`);

  it('shows a hit live, persists the confirmation, keeps centres apart and updates the other operator’s open detail pane', async () => {
    const first = await signIn('aktau.one');
    const second = await signIn('aktau.two');
    const other = await signIn('zhanaozen.one');

    const aktauHit = await publishHit('aktau-cam-0001');
    const zhanaozenHit = await publishHit('zhanaozen-cam-0042');
    await row(first, aktauHit).waitFor({ timeout: 30_000 });
    await row(second, aktauHit).waitFor({ timeout: 30_000 });
    // the other centre's operator gets its own hit live, and never Aktau's
    await row(other, zhanaozenHit).waitFor({ timeout: 30_000 });
    expect(await row(other, aktauHit).count()).toBe(0);
    expect(await row(first, zhanaozenHit).count()).toBe(0);

    await row(first, aktauHit).click();
    await row(second, aktauHit).click();
    await first.getByTestId('decide-confirm').waitFor();
    await second.getByTestId('decide-reject').waitFor();
    await first.screenshot({ path: join(tmpdir(), 'kuzet-console-test.png') });

    // the second operator starts rejecting while the first confirms
    await second.getByTestId('reason').fill('not the same person');
    await first.getByTestId('decide-confirm').click();
    await first
      .getByTestId('detail-decided')
      .filter({ hasText: 'confirmed by aktau.one' })
      .waitFor();
    await expect(row(first, aktauHit).getAttribute('data-state')).resolves.toBe('confirmed');

    // the second operator's open detail pane follows: decided, no live buttons, and a word
    // about it for someone who was typing a reason
    await second
      .getByTestId('detail-decided')
      .filter({ hasText: 'confirmed by aktau.one' })
      .waitFor();
    await second
      .getByTestId('decision-message')
      .filter({ hasText: 'meanwhile confirmed by aktau.one' })
      .waitFor();
    expect(await second.locator('[data-testid^="decide-"]').count()).toBe(0);
    await expect(row(second, aktauHit).getAttribute('data-state')).resolves.toBe('confirmed');

    const stored = await bed.sql.getRepository(AlertEntity).findOneByOrFail({ id: aktauHit });
    expect(stored.state).toBe('confirmed');
    expect(stored.decidedBy).toBe('aktau.one');
    const decisions = await bed.sql
      .getRepository(AlertDecisionEntity)
      .findBy({ alertId: aktauHit });
    expect(decisions.map((d) => [d.action, d.username])).toEqual([['confirm', 'aktau.one']]);

    await first.reload();
    await liveFeed(first);
    await expect(row(first, aktauHit).getAttribute('data-state')).resolves.toBe('confirmed');
  });

  const waitForAlert = (id: string): Promise<AlertEntity> =>
    waitFor(`alert ${id} stored`, () => bed.sql.getRepository(AlertEntity).findOneBy({ id }));

  const tokenOf = async (username: string): Promise<string> => {
    const login = await bed.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { username, password: CONSOLE_PASSWORD },
    });
    return (login.json() as { access_token: string }).access_token;
  };

  it('escalates an alert nobody acknowledged in time, attributed to the escalation timer', async () => {
    const hit = await publishHit('aktau-cam-0003');
    await waitForAlert(hit);
    const later = new Date(Date.now() + 10 * 60_000);
    expect(await bed.app.get(EscalationScheduler).tick(later)).toBeGreaterThanOrEqual(1);
    const escalated = await waitForAlert(hit);
    expect(escalated.state).toBe('escalated');
    expect(escalated.decidedBy).toBe('escalation-timer');
  });

  it('gives a reconnecting client exactly what it missed, and afterwards nothing it said it has', async () => {
    const token = await tokenOf('aktau.one');
    const url = `${bed.base.replace('http', 'ws')}/v1/alerts/live`;
    await waitForAlert(await publishHit('aktau-cam-0001', 0.65));
    const had = await new Promise<number[]>((resolve, reject) => {
      const socket = new WebSocket(url);
      const seqs: number[] = [];
      socket.on('open', () => {
        socket.send(authenticate(token));
        socket.send(JSON.stringify({ type: 'resume', after_seq: 0 }));
      });
      socket.on('message', (data: Buffer) => {
        const message = JSON.parse(data.toString()) as { type: string; alerts?: { seq: number }[] };
        seqs.push(...(message.alerts ?? []).map((a) => a.seq));
        if (message.type === 'resumed') {
          socket.close();
          resolve(seqs);
        }
      });
      socket.on('error', reject);
    });
    const seen = Math.max(...had);
    // offline now: a hit arrives meanwhile
    const missed = await publishHit('aktau-cam-0001', 0.66);
    await waitForAlert(missed);
    const socket = new WebSocket(url);
    const ids: string[] = [];
    let resumed = false;
    socket.on('open', () => {
      socket.send(authenticate(token));
      // as the console resumes: the seqs it holds within the feed's look-back window
      socket.send(JSON.stringify({ type: 'resume', after_seq: seen, have: had }));
    });
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as { type: string; alerts?: { id: string }[] };
      ids.push(...(message.alerts ?? []).map((a) => a.id));
      if (message.type === 'resumed') resumed = true;
    });
    try {
      await waitUntil('resumed', () => resumed);
      expect(ids).toEqual([missed]);
      // the polls after the resume look back over seqs it has: none of them comes again
      const next = await publishHit('aktau-cam-0001', 0.67);
      await waitUntil('the next hit pushed', () => ids.includes(next), { timeoutMs: 60_000 });
      expect(ids).toEqual([missed, next]);
    } finally {
      socket.close();
    }
  });

  it('makes an alert of a camera alarm, and of no other camera event', async () => {
    const events = (['observation', 'frame', 'violation', 'alarm'] as const).map((kind) =>
      sampleEvent(kind, (event) => (event.cameraId = 'aktau-cam-0001')),
    );
    await bed.bus.publish(
      TOPICS.cameraEvents,
      events.map((event) => ({ key: event.cameraId, value: encodeCameraEvent(event) })),
    );
    const alarm = await waitForAlert(events[3]!.eventId);
    expect(alarm).toMatchObject({ kind: 'alarm', centreId: 'aktau', cameraId: 'aktau-cam-0001' });
    // the alarm came after the others on the same partition: they have been consumed by now
    const others = await bed.sql
      .getRepository(AlertEntity)
      .findBy({ id: In(events.slice(0, 3).map((event) => event.eventId)) });
    expect(others).toEqual([]);
  });

  it('refuses the live feed without a valid token, and a token in the URL', async () => {
    const closeCode = (url: string, first?: string) =>
      new Promise<number>((resolve) => {
        const socket = new WebSocket(url);
        if (first) socket.on('open', () => socket.send(first));
        socket.on('close', (code: number) => resolve(code));
      });
    const live = `${bed.base.replace('http', 'ws')}/v1/alerts/live`;
    expect(await closeCode(live, authenticate('forged'))).toBe(4401);
    // a real token, but where proxies log it: the socket still waits for its first message
    const token = await tokenOf('aktau.one');
    const started = Date.now();
    expect(await closeCode(`${live}?token=${encodeURIComponent(token)}`)).toBe(4401);
    expect(Date.now() - started).toBeGreaterThanOrEqual(4_000);
  });

  it('closes the live socket and refuses the token once its session signs out', async () => {
    const token = await tokenOf('aktau.one');
    const socket = new WebSocket(`${bed.base.replace('http', 'ws')}/v1/alerts/live`);
    const closed = new Promise<number>((done) => socket.on('close', (code: number) => done(code)));
    await new Promise<void>((resumed, failed) => {
      socket.on('open', () => {
        socket.send(authenticate(token));
        socket.send(JSON.stringify({ type: 'resume', after_seq: 0 }));
      });
      socket.on('message', (data: Buffer) => {
        if ((JSON.parse(data.toString()) as { type: string }).type === 'resumed') resumed();
      });
      socket.on('error', failed);
    });
    const headers = { authorization: `Bearer ${token}` };
    expect((await fetch(`${bed.base}/v1/auth/logout`, { method: 'POST', headers })).status).toBe(
      204,
    );
    expect((await fetch(`${bed.base}/v1/alerts`, { headers })).status).toBe(401);
    expect(await closed).toBe(4401);
  });

  const sessionsEnded = async (): Promise<number> => {
    const metric = await register.getSingleMetric('kuzet_ops_live_sockets_closed_total')?.get();
    return metric?.values.find((v) => v.labels['reason'] === 'session_ended')?.value ?? 0;
  };

  it('closes a live socket once its user is disabled or given other roles, and keeps it otherwise', async () => {
    const users = bed.app.get(StaffUserService);
    const open = (token: string) => {
      const socket = new WebSocket(`${bed.base.replace('http', 'ws')}/v1/alerts/live`);
      socket.on('open', () => socket.send(authenticate(token)));
      const closed = new Promise<{ code: number; reason: string }>((done) =>
        socket.on('close', (code: number, reason: Buffer) =>
          done({ code, reason: reason.toString() }),
        ),
      );
      return { socket, closed };
    };
    const liveSocket = async (username: string) => {
      const token = await tokenOf(username);
      const { socket, closed } = open(token);
      await new Promise<void>((resumed, failed) => {
        socket.on('open', () => socket.send(JSON.stringify({ type: 'resume', after_seq: 0 })));
        socket.on('message', (data: Buffer) => {
          if ((JSON.parse(data.toString()) as { type: string }).type === 'resumed') resumed();
        });
        socket.on('error', failed);
      });
      return { socket, closed, token };
    };
    const created = await Promise.all(
      ['aktau.leaver', 'aktau.mover', 'aktau.stayer'].map((username) =>
        bed.addUser({ username, roles: ['operator'], centreIds: ['aktau'] }),
      ),
    );
    const closedBefore = await sessionsEnded();
    const [leaver, mover, stayer] = await Promise.all(
      created.map((user) => liveSocket(user.username)),
    );

    await users.update(created[0]!.id, { status: 'disabled' }, 'test');
    await users.update(created[1]!.id, { roles: ['supervisor'] }, 'test');
    const within = (ms: number) =>
      new Promise<'still open'>((done) => setTimeout(() => done('still open'), ms));
    // OPS_LIVE_SESSION_CHECK_MS is 2 s by default
    expect(await Promise.race([leaver!.closed, within(5_000)])).toEqual({
      code: 4401,
      reason: 'the session has ended: sign in again',
    });
    expect(await Promise.race([mover!.closed, within(5_000)])).toMatchObject({ code: 4401 });
    expect(await Promise.race([stayer!.closed, within(2_500)])).toBe('still open');
    expect((await sessionsEnded()) - closedBefore).toBe(2);
    stayer!.socket.close();

    // a token from before the change, still unexpired, no longer opens one
    expect(await open(leaver!.token).closed).toEqual({
      code: 4401,
      reason: 'the session has ended: sign in again',
    });
  });

  it('signs the console out, saying why, when its user is disabled', async () => {
    const users = bed.app.get(StaffUserService);
    const user = await bed.addUser({
      username: 'aktau.browser',
      roles: ['operator'],
      centreIds: ['aktau'],
    });
    const page = await signIn(user.username);
    await users.update(user.id, { status: 'disabled' }, 'test');
    const error = page.getByTestId('login-error');
    await error.waitFor({ timeout: 10_000 });
    expect(await error.textContent()).toBe('Signed out: the session has ended: sign in again');
    expect(await page.evaluate("sessionStorage.getItem('kuzet.token')")).toBeNull();
    await page.context().close();
  });

  it('answers an operator of another centre as if the alert did not exist', async () => {
    const hit = await publishHit('aktau-cam-0002');
    const token = await tokenOf('zhanaozen.one');
    await waitForAlert(hit);
    const detailFor = async (bearer: string) =>
      (
        await bed.app.inject({
          method: 'GET',
          url: `/v1/alerts/${hit}`,
          headers: { authorization: `Bearer ${bearer}` },
        })
      ).statusCode;
    // the owning centre sees it: the 404 below is about scope, not a missing alert
    expect(await detailFor(await tokenOf('aktau.one'))).toBe(200);
    expect(await detailFor(token)).toBe(404);
    const decide = await bed.app.inject({
      method: 'POST',
      url: `/v1/alerts/${hit}/decisions`,
      headers: { authorization: `Bearer ${token}` },
      payload: { action: 'confirm' },
    });
    expect(decide.statusCode).toBe(404);
  });

  it('changes only the rows whose alerts changed, keeps them newest event first and shows at most 200', async () => {
    const page = await signIn('aktau.one');
    const token = await tokenOf('aktau.one');
    const serverOrder = async (): Promise<string[]> => {
      const response = await bed.app.inject({
        method: 'GET',
        url: '/v1/alerts?limit=200',
        headers: { authorization: `Bearer ${token}` },
      });
      // the console's 200 are the server's first page (newest change first), shown newest
      // event first: a decision changes a row, never its place
      return (response.json() as { items: { id: string; captured_at: string }[] }).items
        .sort((a, b) => b.captured_at.localeCompare(a.captured_at) || b.id.localeCompare(a.id))
        .map((alert) => alert.id);
    };
    const pageOrder = (): Promise<string[]> =>
      page.$$eval('[data-alert-id]', (rows) => rows.map((r) => r.getAttribute('data-alert-id')!));
    // a JS property on the element itself: only the very same DOM node keeps it
    const markRows = (): Promise<void> =>
      page.$$eval('[data-alert-id]', (rows) => {
        for (const r of rows) Object.assign(r, { kuzetSeen: true });
      });
    const unmarkedRows = (): Promise<string[]> =>
      page.$$eval('[data-alert-id]', (rows) =>
        rows.filter((r) => !('kuzetSeen' in r)).map((r) => r.getAttribute('data-alert-id')!),
      );
    const settled = (): Promise<string[]> =>
      waitFor(
        'the console to show the same rows, in the same order, as the server',
        async () => {
          const [shown, stored] = [await pageOrder(), await serverOrder()];
          return JSON.stringify(shown) === JSON.stringify(stored) && shown;
        },
        { timeoutMs: 60_000, intervalMs: 200 },
      );

    const older = await publishHit('aktau-cam-0001');
    await row(page, older).waitFor({ timeout: 30_000 });
    await markRows();
    const newer = await publishHit('aktau-cam-0002');
    await row(page, newer).waitFor({ timeout: 30_000 });
    expect(await unmarkedRows()).toEqual([newer]);
    expect((await settled()).slice(0, 2)).toEqual([newer, older]);

    // a decision gives the alert a new seq: its row is updated in place (the same node: cards
    // are keyed by a stable episode id, so no crop is fetched again) and stays where it was
    await markRows();
    const decided = await bed.app.inject({
      method: 'POST',
      url: `/v1/alerts/${older}/decisions`,
      headers: { authorization: `Bearer ${token}` },
      payload: { action: 'acknowledge' },
    });
    expect(decided.statusCode).toBe(201);
    await page.locator(`[data-alert-id="${older}"][data-state="acknowledged"]`).waitFor();
    expect(await unmarkedRows()).toEqual([]);
    expect((await settled()).slice(0, 2)).toEqual([newer, older]);

    // a burst pushes the oldest rows out of the 200
    await markRows();
    const burst = Array.from({ length: 200 }, () => randomUUID());
    await bed.bus.publish(
      TOPICS.watchlistHits,
      burst.map((hitId, i) =>
        watchlistHitMessage(hitId, { cameraId: `aktau-cam-000${1 + (i % 3)}` }),
      ),
    );
    // the page can only settle on the burst once the server has stored all of it
    const stored = new Set<string>(burst);
    await waitUntil(
      'the burst of 200 stored',
      async () => (await serverOrder()).filter((id) => stored.has(id)).length === 200,
      { timeoutMs: 60_000 },
    );
    const shown = await settled();
    expect(shown).toHaveLength(200);
    expect(new Set(shown)).toEqual(new Set(burst));
  });
});

function authenticate(token: string): string {
  return JSON.stringify({ type: 'authenticate', token });
}

import { randomUUID } from 'node:crypto';
import { Page } from 'playwright-core';
import { SignedInStaff, signInAs } from '../support/staff';
import { waitUntil } from '../support/wait';
import { ConsoleLanguage } from './console-page';
import { consoleTestbed } from './console-testbed';

/** Who has an alert (issue 17): the operator who takes it, or the operator of its centre a
 * supervisor gives it to from the escalation queue; the change is audited and reaches the
 * other operator's "mine" queue live, in Russian and in English. */
describe('alert assignment and the supervisor’s reassignment of escalations', () => {
  const bed = consoleTestbed();

  const call = async (
    staff: SignedInStaff,
    method: 'GET' | 'POST',
    url: string,
    payload?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }> => {
    const response = await bed.app.inject({
      method,
      url,
      headers: staff.headers,
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });
    return { status: response.statusCode, body: response.json() };
  };

  describe('the API', () => {
    let supervisor: SignedInStaff;
    let taker: SignedInStaff;
    let colleague: SignedInStaff;
    let otherCentre: SignedInStaff;
    let admin: SignedInStaff;

    beforeAll(async () => {
      supervisor = await signInAs(bed.app, ['supervisor']);
      taker = await signInAs(bed.app, ['operator']);
      colleague = await signInAs(bed.app, ['operator']);
      otherCentre = await signInAs(bed.app, ['operator'], ['zhanaozen']);
      admin = await signInAs(bed.app, ['watchlist-admin']);
    });

    const decide = (staff: SignedInStaff, id: string, action: string) =>
      call(staff, 'POST', `/v1/alerts/${id}/decisions`, { action });
    const assign = (staff: SignedInStaff, id: string, assigneeId: string) =>
      call(staff, 'POST', `/v1/alerts/${id}/assignment`, { assignee_id: assigneeId });

    it('gives an alert to whoever takes it, and nobody once it is escalated', async () => {
      const id = await bed.publishAlarm('aktau-cam-0001');
      await bed.alertsStored([id]);
      const taken = await decide(taker, id, 'acknowledge');
      expect(taken.status).toBe(201);
      expect(taken.body).toMatchObject({
        state: 'acknowledged',
        assignee_id: taker.userId,
        assignee: taker.username,
        assigned_by: taker.username,
      });
      const escalated = await decide(taker, id, 'escalate');
      expect(escalated.body).toMatchObject({ state: 'escalated', assignee_id: null });
    });

    it('lets a supervisor give an escalation to an operator of its centre, audited', async () => {
      const id = await bed.publishAlarm('aktau-cam-0002');
      await bed.alertsStored([id]);
      await decide(taker, id, 'escalate');

      const picker = await call(supervisor, 'GET', `/v1/alerts/${id}/assignees`);
      expect(picker.status).toBe(200);
      const names = (picker.body.items as { username: string }[]).map((o) => o.username);
      expect(names).toEqual(expect.arrayContaining([taker.username, colleague.username]));
      expect(names).not.toContain(otherCentre.username);
      expect(names).not.toContain(supervisor.username);

      const given = await assign(supervisor, id, colleague.userId);
      expect(given.status).toBe(201);
      expect(given.body).toMatchObject({
        state: 'acknowledged',
        assignee_id: colleague.userId,
        assignee: colleague.username,
        assigned_by: supervisor.username,
      });
      const [entry] = await bed.sql.query<{ actor: string; details: Record<string, unknown> }[]>(
        `SELECT actor, details FROM audit_log WHERE action = 'alert.assigned' AND subject_id = $1`,
        [id],
      );
      expect(entry?.actor).toBe(supervisor.username);
      expect(entry?.details).toMatchObject({
        assigneeId: colleague.userId,
        fromState: 'escalated',
        state: 'acknowledged',
      });
    });

    it('refuses an assignee who is not an active operator of the centre, changing nothing', async () => {
      const id = await bed.publishAlarm('aktau-cam-0003');
      await bed.alertsStored([id]);
      await decide(taker, id, 'escalate');
      const cases: [string, string][] = [
        [otherCentre.userId, 'assignee_centre'],
        [admin.userId, 'assignee_role'],
        [supervisor.userId, 'assignee_role'],
        [randomUUID(), 'assignee_unknown'],
      ];
      for (const [assigneeId, rule] of cases) {
        const refused = await assign(supervisor, id, assigneeId);
        expect(refused.status).toBe(400);
        expect(refused.body.errors).toEqual([
          expect.objectContaining({ field: 'assignee_id', rule }),
        ]);
      }
      const malformed = await call(supervisor, 'POST', `/v1/alerts/${id}/assignment`, {
        assignee_id: 'not-a-uuid',
      });
      expect(malformed.status).toBe(400);
      expect(malformed.body.errors).toEqual([expect.objectContaining({ field: 'assignee_id' })]);
      const after = await call(supervisor, 'GET', `/v1/alerts/${id}`);
      expect(after.body).toMatchObject({ state: 'escalated', assignee_id: null });
      const audited = await bed.sql.query(
        `SELECT 1 FROM audit_log WHERE action = 'alert.assigned' AND subject_id = $1`,
        [id],
      );
      expect(audited).toHaveLength(0);
    });

    it('refuses operators, decided alerts and other centres’ supervisors', async () => {
      const id = await bed.publishAlarm('aktau-sos-0001');
      await bed.alertsStored([id]);
      expect((await assign(taker, id, colleague.userId)).status).toBe(403);
      const elsewhere = await signInAs(bed.app, ['supervisor'], ['zhanaozen']);
      expect((await assign(elsewhere, id, colleague.userId)).status).toBe(404);
      expect((await call(elsewhere, 'GET', `/v1/alerts/${id}/assignees`)).status).toBe(404);
      await call(taker, 'POST', `/v1/alerts/${id}/decisions`, { action: 'confirm' });
      const late = await assign(supervisor, id, colleague.userId);
      expect(late.status).toBe(409);
      expect(late.body.errors).toEqual([
        expect.objectContaining({
          rule: 'state_conflict',
          params: expect.objectContaining({ state: 'confirmed', action: 'assign' }),
        }),
      ]);
    });
  });

  const WORDS: Record<'ru' | 'en', { given: (user: string) => string; mine: string }> = {
    ru: { given: (user) => `Передано: ${user}`, mine: 'Мои' },
    en: { given: (user) => `Given to ${user}`, mine: 'Mine' },
  };

  const rowIn = (page: Page, id: string) => page.locator(`[data-alert-id="${id}"]`);

  it.each(['ru', 'en'] as const)(
    'a supervisor gives an escalation to another operator, who sees it arrive in "mine" (%s)',
    async (language: ConsoleLanguage & ('ru' | 'en')) => {
      const name = (who: string) => `aktau.${who}.${language}`;
      for (const [who, roles] of [
        ['first', ['operator']],
        ['second', ['operator']],
        ['chief', ['supervisor']],
      ] as const)
        await bed.addUser({ username: name(who), roles, centreIds: ['aktau'] });
      await bed.addUser({
        username: `zhanaozen.${language}`,
        roles: ['operator'],
        centreIds: ['zhanaozen'],
      });

      const first = await bed.signIn(name('first'), language);
      const second = await bed.signIn(name('second'), language);
      await second.getByTestId('tab-mine').click();
      expect(await second.getByTestId('tab-mine').textContent()).toContain(WORDS[language].mine);

      // the first operator takes the alarm, then escalates it
      const id = await bed.publishAlarm('aktau-cam-0001');
      await rowIn(first, id).click({ timeout: 90_000 });
      await first.getByTestId('decide-acknowledge').click();
      await first.getByTestId('tab-mine').click();
      await rowIn(first, id).waitFor();
      await first.getByTestId('decide-escalate').click();
      await rowIn(first, id).waitFor({ state: 'detached' });

      const chief = await bed.signIn(name('chief'), language);
      await chief.getByTestId('tab-escalated').click();
      await rowIn(chief, id).click();
      const picker = chief.getByTestId('assign-operator');
      await waitUntil('the picker to list the centre’s operators', async () =>
        (await picker.locator('option').allTextContents()).includes(name('second')),
      );
      const options = await picker.locator('option').allTextContents();
      expect(options).toContain(name('first'));
      expect(options).not.toContain(`zhanaozen.${language}`);
      expect(options).not.toContain(name('chief'));
      expect(await rowIn(second, id).count()).toBe(0);

      await picker.selectOption({ label: name('second') });
      await chief.getByTestId('assign-submit').click();
      await chief
        .getByTestId('assign-message')
        .filter({ hasText: WORDS[language].given(name('second')) })
        .waitFor();
      // off the escalation queue, into the second operator's "mine", live
      await rowIn(chief, id).waitFor({ state: 'detached' });
      await rowIn(second, id).waitFor({ timeout: 30_000 });
      expect(await rowIn(second, id).getAttribute('data-state')).toBe('acknowledged');
      expect(await first.getByTestId('count-mine').textContent()).toBe('0');
      await rowIn(second, id).click();
      expect(await second.getByTestId('detail-assignee').textContent()).toContain(name('chief'));
      // an operator gets no reassignment control
      expect(await second.getByTestId('assign-panel').count()).toBe(0);
      for (const page of [first, second, chief]) await page.context().close();
    },
    300_000,
  );
});

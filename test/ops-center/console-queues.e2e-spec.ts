import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Page } from 'playwright-core';
import { AnalyticsType } from '@kuzet/contracts';
import { waitUntil } from '../support/wait';
import { liveFeed, seriousAxeViolations } from './console-page';
import { consoleTestbed } from './console-testbed';

/** The operator's queues in the Russian console: an SOS alarm on top of its own queue, the
 * keyboard moves through a queue, a decision shows at once, and a reload keeps the queue and the
 * selection; axe-core finds nothing serious on the login and operator screens. */
describe('operations-centre console queues, in Russian', () => {
  const bed = consoleTestbed([{ username: 'aktau.ru', roles: ['operator'], centreIds: ['aktau'] }]);

  const row = (page: Page, id: string) => page.locator(`[data-alert-id="${id}"]`);
  const shownIds = (page: Page): Promise<string[]> =>
    page.$$eval('[data-alert-id]', (rows) => rows.map((r) => r.getAttribute('data-alert-id')!));

  it('words a scene-analytics alert in Russian, with the reports folded into it counted', async () => {
    const page = await bed.signIn('aktau.ru', 'ru');
    const at = new Date(Date.now() - 60_000);
    const crowd = { type: AnalyticsType.CROWD, objectCount: 46, zone: 'square' };
    const id = await bed.publishDetection('aktau-cam-0001', crowd, at);
    await row(page, id).waitFor({ timeout: 90_000 });
    const words = 'Скопление людей · 46 объектов · зона square';
    expect(await row(page, id).getByTestId('row-subject').textContent()).toBe(words);
    expect(await bed.publishDetection('aktau-cam-0001', crowd, new Date(at.getTime() + 1000))).toBe(
      id,
    );
    await row(page, id).click();
    await page.getByTestId('detail-title').filter({ hasText: words }).waitFor();
    expect(await page.getByTestId('detail-similarity').count()).toBe(0);
    await page.getByText(/2 появления/).waitFor({ timeout: 30_000 });
    await page.context().close();
  });

  it('keeps an SOS at the top of its queue, moves by keyboard and keeps the selection on reload', async () => {
    const login = await (await bed.browser.newContext({ locale: 'ru' })).newPage();
    await login.goto(`${bed.base}/console`);
    await login.getByTestId('login').waitFor();
    expect(await login.getByTestId('login').textContent()).toBe('Войти');
    expect(await seriousAxeViolations(login)).toEqual([]);
    await login.context().close();

    const page = await bed.signIn('aktau.ru', 'ru');
    expect(await page.getByTestId('feed-status').textContent()).toBe('в сети');
    expect(await page.getByTestId('tab-sos').textContent()).toContain('SOS');

    const alarm = await bed.publishAlarm('aktau-cam-0001');
    await row(page, alarm).waitFor({ timeout: 90_000 });
    await page.getByTestId('tab-sos').click();
    expect(await page.getByTestId('count-sos').textContent()).toBe('1');
    await waitUntil('the SOS queue to show the alarm on top', async () => {
      const ids = await shownIds(page);
      return ids[0] === alarm;
    });

    // j selects the top of the queue: the alarm, worded as one, with no similarity
    await page.keyboard.press('j');
    await page.getByTestId('detail-title').filter({ hasText: 'Тревога SOS' }).waitFor();
    expect(await page.getByTestId('detail-state').textContent()).toBe('новая');
    expect(await page.getByTestId('detail-similarity').count()).toBe(0);
    expect(await seriousAxeViolations(page)).toEqual([]);
    // docs/console-operator-ru.png is a copy of this one
    await page.screenshot({ path: join(tmpdir(), 'kuzet-console-operator-ru.png') });

    // a decided alarm keeps its place in the queue; the detail follows the decision
    await page.keyboard.press('a');
    await page.locator(`[data-alert-id="${alarm}"][data-state="acknowledged"]`).waitFor();
    await page.getByTestId('detail-state').filter({ hasText: 'принята' }).waitFor();
    expect(await page.getByTestId('decide-acknowledge').count()).toBe(0);

    await page.reload();
    await liveFeed(page);
    await page.getByTestId('detail-title').filter({ hasText: 'Тревога SOS' }).waitFor();
    expect(await page.getByTestId('tab-sos').getAttribute('aria-selected')).toBe('true');
    expect((await shownIds(page))[0]).toBe(alarm);
    expect(await (await fetch(`${bed.base}/favicon.ico`)).text()).toContain('<svg');
    await page.context().close();
  });
});

import { copyFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { signInAs } from '../support/staff';
import { seriousAxeViolations } from './console-page';
import { consoleTestbed } from './console-testbed';

/** Issue 20 in the browser, in Russian: a supervisor confirms an SOS alarm, records the
 * dispatch of a listed unit, its arrival and the outcome in the alert's panel, then opens the
 * monthly report and finds the alarm counted. axe-core on both. */
describe('dispatch, arrival and outcome in the console, and the monthly report, in Russian', () => {
  const bed = consoleTestbed([
    { username: 'aktau.sup', roles: ['operator', 'supervisor'], centreIds: ['aktau'] },
  ]);

  beforeAll(async () => {
    const supervisor = await signInAs(bed.app, ['supervisor'], ['aktau']);
    const unit = await bed.app.inject({
      method: 'POST',
      url: '/v1/patrol-units',
      headers: supervisor.headers,
      payload: { centre_id: 'aktau', call_sign: 'ПА-12' },
    });
    expect(unit.statusCode).toBe(201);
  });

  it('records an outcome in Russian and counts it in the report', async () => {
    const page = await bed.signIn('aktau.sup', 'ru');
    const alarm = await bed.publishAlarm('aktau-cam-0001');
    await page.locator(`[data-alert-id="${alarm}"]`).click({ timeout: 90_000 });
    await page.getByTestId('decide-confirm').click();
    const panel = page.getByTestId('outcome-panel');
    await panel.waitFor();
    expect(await panel.locator('h3').textContent()).toBe('Выезд и результат');

    await page.getByTestId('outcome-unit').selectOption({ label: 'ПА-12' });
    await page.getByTestId('outcome-record-dispatch').click();
    await page.getByTestId('outcome-dispatch').filter({ hasText: 'ПА-12' }).waitFor();
    expect(await page.getByTestId('outcome-message').textContent()).toContain('Выезд записан');
    await page.getByTestId('outcome-record-arrival').click();
    await page.getByTestId('outcome-message').filter({ hasText: 'Прибытие записано' }).waitFor();
    await page.getByTestId('outcome-value').selectOption('detained');
    await page.getByTestId('outcome-note').fill('доставлен в ОП-1');
    await page.getByTestId('outcome-record-outcome').click();
    await page.getByTestId('outcome-outcome').filter({ hasText: 'Задержан и доставлен' }).waitFor();
    expect(await page.getByTestId('outcome-outcome').textContent()).toContain('доставлен в ОП-1');
    expect(await page.getByTestId('outcome-times').textContent()).toMatch(/^До выезда: \d+ мин/);
    expect(await seriousAxeViolations(page)).toEqual([]);

    // a correction is a new entry, marked as one
    await page.getByTestId('outcome-correct-outcome').click();
    await page.getByTestId('outcome-value').selectOption('not_the_subject');
    await page.getByTestId('outcome-record-outcome').click();
    // no reason given: refused, in Russian where the catalog has it, nothing recorded
    await page.getByTestId('outcome-message').filter({ hasText: 'note' }).waitFor();
    await page.getByTestId('outcome-note').fill('опознан другой человек');
    await page.getByTestId('outcome-record-outcome').click();
    await page
      .getByTestId('outcome-outcome')
      .filter({ hasText: 'Не тот человек / автомобиль' })
      .waitFor();
    expect(await page.getByTestId('outcome-outcome').textContent()).toContain('исправлено');
    const stored = await bed.sql.query(
      `SELECT step, outcome FROM alert_outcome_entry ORDER BY recorded_at`,
    );
    expect(stored.map((r: { step: string }) => r.step)).toEqual([
      'dispatch',
      'arrival',
      'outcome',
      'outcome',
    ]);

    // the report of this month
    const now = new Date(Date.now() + 5 * 3600 * 1000);
    const month = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
    await page.getByTestId('screen-report').click();
    await page.getByTestId('report-month').fill(month);
    const region = page.getByTestId('report-row-$region');
    await region.waitFor();
    await region.locator('[data-figure="sos_calls"]').filter({ hasText: '1' }).waitFor();
    expect(await region.locator('[data-figure="alerts_confirmed"]').textContent()).toBe('1');
    expect(await region.locator('[data-figure="false_alerts"]').textContent()).toBe('1');
    expect(await page.getByTestId('report-table').locator('caption').textContent()).toBe(
      'По районам и по области',
    );
    expect(await seriousAxeViolations(page)).toEqual([]);
    // the printable page, as the browser saves it
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('report-download').click(),
    ]);
    const printable = readFileSync((await download.path())!, 'utf8');
    expect(printable).toContain('<html lang="ru">');
    expect(printable).toContain('Итоги работы центров оперативного управления');
    expect(printable).toMatch(/data-district="\$region".*data-figure="sos_calls">1</);
    const shot = join(tmpdir(), 'kuzet-report-ru.png');
    await page.screenshot({ path: shot, fullPage: true });
    if (process.env.KUZET_WRITE_DOCS)
      copyFileSync(shot, resolve(__dirname, '../../docs/report-ru.png'));
    await page.context().close();
  });
});

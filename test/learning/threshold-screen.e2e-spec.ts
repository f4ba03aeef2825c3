import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { Browser } from 'playwright-core';
import { DataSource } from 'typeorm';
import { StaffUserService } from '@kuzet/auth';
import { OpsCenterModule } from '../../apps/ops-center/src/ops-center.module';
import { launchBrowser } from '../support/browser';
import { createTestDatabase, TestDatabase } from '../support/database';
import { startTestApp } from '../support/kuzet-app';
import { freePort } from '../support/process';
import { openConsole, seriousAxeViolations } from '../ops-center/console-page';

const REGION = resolve(__dirname, '../../deploy/config/region.yaml');
const PASSWORD = 'correct horse battery staple';
const DAY_MS = 86_400_000;

/** The operator's "Не тот человек" and the supervisor's threshold screen in the Russian console (needs the built console: npx
 * vite build --config apps/ops-center/web/vite.config.ts): the evidence of a list's decided
 * hits, the suggestion, applying it with a reason and reverting it; axe-core finds nothing
 * serious. */
describe('the supervisor threshold screen, in Russian', () => {
  let database: TestDatabase;
  let app: NestFastifyApplication;
  let browser: Browser;
  let base: string;
  const watchlistId = randomUUID();

  beforeAll(async () => {
    database = await createTestDatabase();
    ({ app } = await startTestApp([OpsCenterModule], {
      DATABASE_URL: database.url,
      KUZET_REGION_FILE: REGION,
      OPS_FEED_POLL_MS: 100,
    }));
    const port = await freePort();
    await app.listen(port, '127.0.0.1');
    base = `http://127.0.0.1:${port}`;
    await app
      .get(StaffUserService)
      .create(
        { username: 'aktau.sup', password: PASSWORD, roles: ['supervisor'], centreIds: ['aktau'] },
        'test',
      );
    await app
      .get(StaffUserService)
      .create(
        { username: 'aktau.op', password: PASSWORD, roles: ['operator'], centreIds: ['aktau'] },
        'test',
      );
    const sql = app.get(DataSource);
    await sql.query(
      `INSERT INTO watchlist (id, name, category, similarity_threshold) VALUES ($1, 'Розыск', 'wanted', 0.4)`,
      [watchlistId],
    );
    // 11 confirmed hits at 0.521.. and 8 rejected at 0.411..0.481: at 0.49 11 of 11 (Wilson
    // lower bound 0.74), so 0.49 is the suggestion for a target of 0.7
    const hits = [
      ...[0.411, 0.421, 0.431, 0.441, 0.451, 0.461, 0.471, 0.481].map((s) => ['rejected', s]),
      ...[0.521, 0.551, 0.581, 0.611, 0.641, 0.671, 0.701, 0.731, 0.761, 0.801, 0.901].map((s) => [
        'confirmed',
        s,
      ]),
    ] as const;
    for (const [i, [state, similarity]] of hits.entries())
      await sql.query(
        `INSERT INTO alert (id, kind, state, priority, centre_id, camera_id, event_id, watchlist_id,
           similarity, threshold, captured_at, last_seen_at)
         VALUES ($1, 'watchlist_hit', $2, 0, 'aktau', 'aktau-cam-0001', $1, $3, $4, 0.4, $5, $5)`,
        [randomUUID(), state, watchlistId, similarity, new Date(Date.now() - (i % 20) * DAY_MS)],
      );
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await database?.drop();
  });

  it('rejects a face hit as "not this person" from the alert card, keeping a negative', async () => {
    const sql = app.get(DataSource);
    const personId = randomUUID();
    const alertId = randomUUID();
    const otherList = randomUUID(); // not the list whose evidence the next test counts
    await sql.query(
      `INSERT INTO watchlist (id, name, category, similarity_threshold) VALUES ($1, 'Пропавшие', 'missing', 0.4)`,
      [otherList],
    );
    await sql.query(
      `INSERT INTO watchlist_person (id, watchlist_id, full_name, status) VALUES ($1, $2, 'Ерлан', 'active')`,
      [personId, otherList],
    );
    await sql.query(
      `INSERT INTO alert (id, kind, state, priority, centre_id, camera_id, event_id, person_id,
         watchlist_id, similarity, threshold, captured_at, last_seen_at)
       VALUES ($1, 'watchlist_hit', 'new', 0, 'aktau', 'aktau-cam-0001', $1, $2, $3, 0.45, 0.4, now(), now())`,
      [alertId, personId, otherList],
    );
    await sql.query(
      `INSERT INTO hit_probe (hit_id, embedding, model_id, expires_at) VALUES ($1, $2, 'm', $3)`,
      [
        alertId,
        Buffer.from(new Float32Array(512).fill(0.04).buffer),
        new Date(Date.now() + DAY_MS),
      ],
    );
    const page = await openConsole(browser, base, 'aktau.op', PASSWORD, 'ru');
    await page.locator(`[data-alert-id="${alertId}"]`).click();
    const button = page.getByTestId('decide-not_this_person');
    expect(await button.textContent()).toBe('Не тот человек');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await button.click();
    await page.getByTestId('decide-not_this_person').waitFor({ state: 'detached' });
    const [alert] = await sql.query(`SELECT state, decision_reason FROM alert WHERE id = $1`, [
      alertId,
    ]);
    expect(alert).toEqual({ state: 'rejected', decision_reason: 'not_this_person' });
    const negatives: { alert_id: string; created_by: string }[] = await sql.query(
      `SELECT alert_id, created_by FROM face_negative WHERE person_id = $1`,
      [personId],
    );
    expect(negatives).toEqual([{ alert_id: alertId, created_by: 'aktau.op' }]);
    await page.context().close();
  });

  it('shows the evidence, applies the suggested threshold with a reason and reverts it', async () => {
    const page = await openConsole(browser, base, 'aktau.sup', PASSWORD, 'ru');
    await page.getByTestId('screen-thresholds').click();
    await page.getByTestId('threshold-table').waitFor({ timeout: 30_000 });
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
      'Порог списка по данным решений',
    );
    await page.getByTestId('threshold-list').selectOption(watchlistId);
    await page.getByTestId('threshold-target').fill('0.7');
    await page
      .getByTestId('threshold-suggested')
      .filter({ hasText: 'Предлагаемый порог 0.490' })
      .waitFor({ timeout: 30_000 });
    const current = page.locator('[data-testid="threshold-row"][data-threshold="0.4"]');
    expect(await current.locator('td').allTextContents()).toEqual([
      '11',
      '8',
      '57.9%',
      '36.3% – 76.9%',
      '0.6',
    ]);
    expect(await seriousAxeViolations(page)).toEqual([]);

    await page.getByTestId('threshold-reason').fill('по данным 19 решений');
    await page.getByTestId('threshold-apply').click();
    await page
      .getByTestId('threshold-decision')
      .filter({ hasText: 'изменил порог с 0.400 на 0.490' })
      .waitFor({ timeout: 30_000 });
    const [row] = await app
      .get(DataSource)
      .query(`SELECT similarity_threshold FROM watchlist WHERE id = $1`, [watchlistId]);
    expect(row.similarity_threshold).toBeCloseTo(0.49, 6);

    await page.getByTestId('threshold-reason').fill('слишком мало тревог');
    await page.getByTestId('threshold-revert').first().click();
    await page
      .getByTestId('threshold-decision')
      .filter({ hasText: 'вернул порог с 0.490 на 0.400' })
      .waitFor({ timeout: 30_000 });
    expect(await seriousAxeViolations(page)).toEqual([]);
  });
});

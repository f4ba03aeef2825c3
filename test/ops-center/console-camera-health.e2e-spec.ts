import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { join, resolve } from 'node:path';
import { Browser, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { StaffUserService } from '@kuzet/auth';
import { IngestModule } from '../../apps/ingest/src/ingest.module';
import { OpsCenterModule } from '../../apps/ops-center/src/ops-center.module';
import { launchBrowser } from '../support/browser';
import { createTestDatabase, TestDatabase } from '../support/database';
import { startTestApp } from '../support/kuzet-app';
import { freePort } from '../support/process';
import { ConsoleLanguage, seriousAxeViolations } from './console-page';

const REGION = resolve(__dirname, '../../deploy/config/region.yaml');
const DOCS = resolve(__dirname, '../../docs');
const PASSWORD = 'correct horse battery staple';
/** 07:05:09 in Aktau (UTC+5), two hours and more before the test runs. */
const SILENT_SINCE = '2026-11-05T02:05:09.000Z';

/** Camera health and the analytics switches in a real browser, in Russian and English: a
 * supervisor's live feed shows a silent camera's offline alert with its name, district and how
 * long it has been silent; the health screen counts it offline in its district and lists it with
 * its last sign of life at 24-hour time in the centre's zone; the supervisor sees the centre's
 * analytics switches read-only, a system administrator turns crowds off. axe-core finds nothing
 * serious or critical. */
describe('camera health and analytics switch screens', () => {
  let database: TestDatabase;
  let app: NestFastifyApplication;
  let browser: Browser;
  let base: string;

  async function signIn(username: string, language: ConsoleLanguage, screen: string) {
    const context = await browser.newContext({
      locale: language === 'en' ? 'en-US' : language,
      viewport: { width: 1400, height: 900 },
    });
    await context.addInitScript(`localStorage.setItem('kuzet.lang', ${JSON.stringify(language)})`);
    const page = await context.newPage();
    await page.goto(`${base}/console`);
    await page.getByTestId('username').fill(username);
    await page.getByTestId('password').fill(PASSWORD);
    await page.getByTestId('login').click();
    await page.getByTestId(screen).waitFor({ timeout: 30_000 });
    return page;
  }
  const open = async (page: Page, screen: string, testId: string) => {
    await page.getByTestId(`screen-${screen}`).click();
    await page.getByTestId(testId).waitFor({ timeout: 30_000 });
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    ({ app } = await startTestApp([IngestModule, OpsCenterModule], {
      DATABASE_URL: database.url,
      KUZET_REGION_FILE: REGION,
      OPS_FEED_POLL_MS: 100,
      CAMERA_HEALTH_INTERVAL_MS: 500,
    }));
    const port = await freePort();
    await app.listen(port, '127.0.0.1');
    base = `http://127.0.0.1:${port}`;
    const users = app.get(StaffUserService);
    await users.create(
      { username: 'aktau.sup', password: PASSWORD, roles: ['supervisor'], centreIds: ['aktau'] },
      'test',
    );
    await users.create(
      { username: 'admin.one', password: PASSWORD, roles: ['system-admin'], centreIds: [] },
      'test',
    );
    // one camera silent for hours, another alive
    const sql = app.get(DataSource);
    await sql.query(`UPDATE camera SET last_seen_at = $1 WHERE id = 'aktau-cam-0001'`, [
      SILENT_SINCE,
    ]);
    await sql.query(`UPDATE camera SET last_seen_at = now() WHERE id = 'aktau-cam-0002'`);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await database?.drop();
  });

  it('shows the offline alert in the feed and the camera on the health screen, in Russian', async () => {
    const page = await signIn('aktau.sup', 'ru', 'feed-status');
    const row = page.locator('[data-testid="alert-row"][data-kind="camera_offline"]');
    await row.waitFor({ timeout: 60_000 });
    expect(await row.locator('.kind').textContent()).toBe('КАМЕРА');
    expect(await row.getByTestId('row-camera').textContent()).toContain(
      'Microdistrict 14, Mangilik El avenue',
    );
    expect(await row.getByTestId('row-camera').textContent()).toContain('Aktau city');
    expect(await row.getByTestId('row-subject').textContent()).toMatch(
      /^молчит с 05\.11\.2026, 07:05:09, уже \d+:\d\d:\d\d$/,
    );
    expect(await seriousAxeViolations(page)).toEqual([]);

    await open(page, 'camera-health', 'camera-health');
    expect(await page.getByTestId('screen-camera-health').textContent()).toBe('Состояние камер');
    const district = page.locator('[data-testid="health-district"][data-district="aktau-city"]');
    await district.waitFor();
    expect(await district.getByTestId('health-offline').textContent()).toBe('1');
    expect(await district.getByTestId('health-online').textContent()).toBe('1');
    const silent = page.locator(
      '[data-testid="health-offline-camera"][data-camera="aktau-cam-0001"]',
    );
    expect(await silent.getByTestId('health-last-seen').textContent()).toBe('05.11.2026, 07:05:09');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(DOCS, 'camera-health-ru.png'), fullPage: true });

    // the supervisor reads the centre's switches (Aktau and its district centres) but cannot
    // change them
    await open(page, 'analytics', 'analytics-switches');
    const aktau = page.locator('[data-testid="analytics-centre"][data-centre="aktau"]');
    await aktau.waitFor();
    expect(
      await page.locator('[data-testid="analytics-centre"][data-centre="zhanaozen"]').count(),
    ).toBe(0);
    expect(
      await page.locator('[data-testid="analytics-centre"][data-centre="munaily"]').count(),
    ).toBe(1);
    expect(await aktau.locator('[data-type="crowd"]').isDisabled()).toBe(true);
    expect(await page.getByTestId('analytics-save').count()).toBe(0);
    expect(await seriousAxeViolations(page)).toEqual([]);

    // the overview counts the cameras too
    await open(page, 'overview', 'overview-cameras');
    expect(await page.getByTestId('overview-cameras').textContent()).toContain('не в сети 1');
    await page.context().close();
  });

  it('lets a system administrator turn crowds off in a centre, in English', async () => {
    const page = await signIn('admin.one', 'en', 'screen-analytics');
    await open(page, 'analytics', 'analytics-switches');
    const aktau = page.locator('[data-testid="analytics-centre"][data-centre="aktau"]');
    await aktau.waitFor();
    expect(await aktau.locator('legend').textContent()).toBe('Aktau main operations centre');
    expect(
      await page.locator('[data-testid="analytics-centre"][data-centre="zhanaozen"]').count(),
    ).toBe(1);
    const crowd = aktau.locator('[data-type="crowd"]');
    expect(await crowd.isChecked()).toBe(true);
    await crowd.uncheck();
    await aktau.getByTestId('analytics-save').click();
    await aktau.getByTestId('analytics-saved').waitFor();
    expect(await aktau.getByTestId('analytics-saved').textContent()).toBe('Saved');
    expect(await seriousAxeViolations(page)).toEqual([]);
    const [centre] = await app
      .get(DataSource)
      .query<{ analytics_off: string[] }[]>(
        `SELECT analytics_off FROM operations_centre WHERE id = 'aktau'`,
      );
    expect(centre!.analytics_off).toEqual(['crowd']);
    await page.context().close();

    // the supervisor's camera health screen in English
    const sup = await signIn('aktau.sup', 'en', 'feed-status');
    await open(sup, 'camera-health', 'camera-health');
    await sup
      .locator('[data-testid="health-offline-camera"][data-camera="aktau-cam-0001"]')
      .waitFor();
    expect(await sup.getByTestId('health-totals').textContent()).toContain('Offline: 1');
    expect(
      await sup
        .locator('[data-testid="health-offline-camera"][data-camera="aktau-cam-0001"]')
        .getByTestId('health-last-seen')
        .textContent(),
    ).toBe('11/05/2026, 07:05:09');
    expect(await seriousAxeViolations(sup)).toEqual([]);
    await sup.context().close();
  });
});

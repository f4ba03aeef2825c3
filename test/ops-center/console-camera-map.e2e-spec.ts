import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { Browser, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { StaffUserService } from '@kuzet/auth';
import { IngestModule } from '../../apps/ingest/src/ingest.module';
import { OpsCenterModule } from '../../apps/ops-center/src/ops-center.module';
import { launchBrowser } from '../support/browser';
import { createTestDatabase, TestDatabase } from '../support/database';
import { startTestApp } from '../support/kuzet-app';
import { seedMapCameras } from '../support/map-cameras';
import { freePort } from '../support/process';
import { waitUntil } from '../support/wait';
import {
  ConsoleLanguage,
  openConsole,
  seriousAxeViolations,
  signInToConsole,
} from './console-page';

const REGION = resolve(__dirname, '../../deploy/config/region.yaml');
const DOCS = resolve(__dirname, '../../docs');
const PASSWORD = 'correct horse battery staple';
const SEEDED = 3000;

/** The camera map at regional scale in a real browser, in Russian and English: the operator's
 * alert map shows the alert's camera highlighted among clusters with counts, which break up into
 * single cameras as the map zooms in; the system administrator's positions map flags the cameras
 * to check, a click on a camera names it and opens it for editing, and a corrected position
 * (PATCH /v1/cameras, audited) is no longer flagged. axe-core finds nothing serious. */
describe('the camera map in the console', () => {
  let database: TestDatabase;
  let app: NestFastifyApplication;
  let browser: Browser;
  let base: string;
  let sql: DataSource;

  const clusters = (page: Page, scope: string) =>
    page.locator(`[data-testid="${scope}"] [data-testid="map-cluster"]`);
  const clusterCounts = async (page: Page, scope: string) =>
    (
      await clusters(page, scope).evaluateAll((els) => els.map((e) => e.getAttribute('data-count')))
    ).map(Number);

  /** Clicks clusters (each zooms to where it breaks up) until single cameras are drawn. */
  async function zoomToCameras(page: Page, scope: string, drawnAttribute: string) {
    for (let i = 0; i < 12; i += 1) {
      if ((await page.locator(`[data-testid="${scope}"] [data-testid="map-camera"]`).count()) > 0)
        return;
      const before = await page.getByTestId(scope).getAttribute(drawnAttribute);
      await clusters(page, scope).first().click();
      await waitUntil(
        'the map drawn again after the zoom',
        async () => (await page.getByTestId(scope).getAttribute(drawnAttribute)) !== before,
        { timeoutMs: 20_000 },
      );
    }
    throw new Error('no single camera after 12 zooms');
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    ({ app } = await startTestApp([IngestModule, OpsCenterModule], {
      DATABASE_URL: database.url,
      KUZET_REGION_FILE: REGION,
    }));
    const port = await freePort();
    await app.listen(port, '127.0.0.1');
    base = `http://127.0.0.1:${port}`;
    sql = app.get(DataSource);
    await seedMapCameras(sql, SEEDED);
    const users = app.get(StaffUserService);
    await users.create(
      { username: 'map.admin', password: PASSWORD, roles: ['system-admin'], centreIds: [] },
      'test',
    );
    await users.create(
      { username: 'map.operator', password: PASSWORD, roles: ['operator'], centreIds: ['aktau'] },
      'test',
    );
    // one open face hit at aktau-cam-0001
    const [watchlistId, personId, hitId, eventId] = [
      randomUUID(),
      randomUUID(),
      randomUUID(),
      randomUUID(),
    ];
    const at = new Date(Date.now() - 60_000).toISOString();
    await sql.query(
      `INSERT INTO watchlist (id, name, category, similarity_threshold) VALUES ($1, 'Розыск', 'wanted', 0.4)`,
      [watchlistId],
    );
    await sql.query(
      `INSERT INTO watchlist_person (id, watchlist_id, full_name, status) VALUES ($1, $2, 'Map Person', 'active')`,
      [personId, watchlistId],
    );
    await sql.query(
      `INSERT INTO watchlist_hit (hit_id, event_id, camera_id, person_id, watchlist_id, similarity,
         threshold, model_id, captured_at, matched_at, last_seen_at, sighting_count)
       VALUES ($1, $2, 'aktau-cam-0001', $3, $4, 0.71, 0.4, 'fr_feature', $5, $5, $5, 1)`,
      [hitId, eventId, personId, watchlistId, at],
    );
    await sql.query(
      `INSERT INTO alert (id, kind, state, priority, centre_id, district_id, camera_id, event_id,
         person_id, watchlist_id, similarity, threshold, captured_at, last_seen_at, created_at)
       VALUES ($1, 'watchlist_hit', 'new', 0, 'aktau', 'aktau-city', 'aktau-cam-0001', $2, $3,
         $4, 0.71, 0.4, $5, $5, $5)`,
      [hitId, eventId, personId, watchlistId, at],
    );
    // cameras to check: one filed under Beineu but placed on the Tupkaragan coast, one unplaced
    await sql.query(
      `INSERT INTO camera (id, name, district_id, centre_id, latitude, longitude) VALUES
         ('map-misfiled', 'Misfiled camera', 'beineu', 'beineu', 44.9, 50.45),
         ('map-unplaced', 'Unplaced camera', 'karakiya', 'karakiya', NULL, NULL)`,
    );
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await database?.drop();
  });

  for (const language of ['ru', 'en'] as const satisfies readonly ConsoleLanguage[]) {
    it(`shows the alert's camera highlighted among clusters that break up as the map zooms in (${language})`, async () => {
      const page = await openConsole(browser, base, 'map.operator', PASSWORD, language);
      await page.locator('[data-testid="alert-row"] button.row').first().click();
      const map = page.getByTestId('alert-map');
      await map.waitFor();
      expect(await map.getAttribute('data-camera')).toBe('aktau-cam-0001');
      await page
        .locator('[data-testid="alert-map"] path.camera-marker')
        .waitFor({ state: 'attached' });
      await waitUntil(
        'the cameras around it drawn',
        async () => Number(await map.getAttribute('data-cameras-drawn')) > 0,
      );
      // at zoom 11 around Aktau the centre's cameras crowd into clusters with counts
      const counts = await clusterCounts(page, 'alert-map');
      expect(counts.length).toBeGreaterThan(0);
      expect(counts.every((n) => n >= 2)).toBe(true);
      const label = await clusters(page, 'alert-map').first().getAttribute('aria-label');
      expect(label).toMatch(language === 'ru' ? /камер/ : /camera/);
      expect(await seriousAxeViolations(page)).toEqual([]);
      if (language === 'ru')
        await map.screenshot({ path: join(DOCS, 'camera-map-operator-ru.png') });
      await zoomToCameras(page, 'alert-map', 'data-cameras-drawn');
      // the alert's camera stays highlighted, never drawn twice
      expect(await page.locator('[data-testid="alert-map"] path.camera-marker').count()).toBe(1);
      expect(
        await page.locator('[data-testid="alert-map"] [data-camera-id="aktau-cam-0001"]').count(),
      ).toBe(0);
      await page.context().close();
    });

    it(`lets an administrator find the cameras to check and correct one (${language})`, async () => {
      const page = await signInToConsole(browser, base, 'map.admin', PASSWORD, language);
      await page.getByTestId('system-admin-screen').waitFor({ timeout: 30_000 });
      await page.getByTestId('admin-tab-registry').click();
      const map = page.getByTestId('positions-map');
      await map.waitFor();
      await waitUntil(
        'the positions map drawn',
        async () => Number(await map.getAttribute('data-drawn')) > 0,
      );
      const counts = await clusterCounts(page, 'positions-map');
      expect(counts.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(SEEDED * 0.9);
      expect(await page.getByTestId('positions-caption').textContent()).toMatch(
        language === 'ru' ? /приблизительные/ : /approximate/,
      );
      // the misfiled camera's cluster is flagged
      expect(
        await page
          .locator(
            '[data-testid="positions-map"] .map-cluster.flagged, [data-testid="positions-map"] [data-outside="true"]',
          )
          .count(),
      ).toBeGreaterThan(0);
      const misfiled = page.locator(
        '[data-testid="position-problem"][data-camera-id="map-misfiled"]',
      );
      await misfiled.waitFor();
      expect(await misfiled.getAttribute('data-problem')).toBe('outside_district');
      expect(
        await page
          .locator('[data-testid="position-problem"][data-camera-id="map-unplaced"]')
          .getAttribute('data-problem'),
      ).toBe('no_position');
      expect(await seriousAxeViolations(page)).toEqual([]);
      if (language === 'ru')
        await page
          .getByTestId('positions-map')
          .screenshot({ path: join(DOCS, 'camera-positions-ru.png') });

      // a camera on the map, clicked: its id, name and district, and a way to edit it
      await zoomToCameras(page, 'positions-map', 'data-drawn');
      await page
        .locator('[data-testid="positions-map"] [data-testid="map-camera"]')
        .first()
        .click();
      const picked = page.getByTestId('picked-camera');
      await picked.waitFor();
      const pickedId = (await picked.getAttribute('data-camera-id'))!;
      expect(await picked.textContent()).toContain(pickedId);
      await picked.getByTestId('picked-edit').click();
      await page.getByTestId('camera-edit').waitFor();
      expect(await page.getByTestId('camera-edit-name').inputValue()).toBe(
        (
          await sql.query<{ name: string }[]>(`SELECT name FROM camera WHERE id = $1`, [pickedId])
        )[0]!.name,
      );

      // the misfiled camera opened from the list: a bad latitude refused beside the field,
      // then moved into Beineu; saved through PATCH /v1/cameras (audited), no longer flagged
      await misfiled.getByTestId('position-problem-edit').click();
      await page.getByTestId('camera-edit').filter({ hasText: 'map-misfiled' }).waitFor();
      await page.getByTestId('camera-edit-latitude').fill('95');
      await page.getByTestId('camera-edit-save').click();
      await page.getByTestId('camera-edit-latitude-error').waitFor();
      const [lat, lng] = language === 'ru' ? ['45.3', '55.0'] : ['45.31', '55.01'];
      await page.getByTestId('camera-edit-latitude').fill(lat);
      await page.getByTestId('camera-edit-longitude').fill(lng);
      await page.getByTestId('camera-edit-save').click();
      await page.getByTestId('camera-edit').waitFor({ state: 'detached' });
      await misfiled.waitFor({ state: 'detached' });
      const audited = await sql.query<{ action: string; actor: string }[]>(
        `SELECT action, actor FROM audit_log WHERE subject_id = 'map-misfiled' ORDER BY seq DESC LIMIT 1`,
      );
      expect(audited[0]).toEqual({ action: 'registry.camera-updated', actor: 'map.admin' });
      expect(await seriousAxeViolations(page)).toEqual([]);
      // put it back for the other language's run
      await sql.query(
        `UPDATE camera SET latitude = 44.9, longitude = 50.45, updated_at = now() WHERE id = 'map-misfiled'`,
      );
      await page.context().close();
    });
  }
});

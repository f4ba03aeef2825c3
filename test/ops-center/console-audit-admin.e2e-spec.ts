import { NestFastifyApplication } from '@nestjs/platform-fastify';
import ExcelJS from 'exceljs';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Browser } from 'playwright-core';
import { DataSource } from 'typeorm';
import { ALL_CENTRES, StaffUserService } from '@kuzet/auth';
import { PostgresEvidenceStore } from '@kuzet/evidence';
import { timestampFromDate } from '@kuzet/contracts';
import { AuditModule } from '../../apps/audit/src/audit.module';
import { IngestModule } from '../../apps/ingest/src/ingest.module';
import { OpsCenterModule } from '../../apps/ops-center/src/ops-center.module';
import { jsonHeaders, sampleJson } from '../ingest/sample-events';
import { launchBrowser } from '../support/browser';
import { createTestDatabase, TestDatabase } from '../support/database';
import { startTestApp } from '../support/kuzet-app';
import { freePort } from '../support/process';
import { ConsoleLanguage, seriousAxeViolations } from './console-page';

const REGION = resolve(__dirname, '../../deploy/config/region.yaml');
const FACE = resolve(__dirname, '../fixtures/faces/bbt1.jpg');
const DOCS = resolve(__dirname, '../../docs');
const PASSWORD = 'correct horse battery staple';
const PERSON = 'Айгерим Сериковна Нурланова';
const T0 = Date.parse('2026-12-04T04:30:00.000Z'); // 09:30 in Aktau

/** The auditor's and the system administrator's screens in a real browser, in Russian and
 * English: an auditor finds a hit by the person's name, reads its timeline and exports the CSV
 * (UTF-8 with its byte-order mark, the Cyrillic name intact); an administrator issues a key,
 * which then pushes an event, revokes it, and the integrator is refused with 401; a user is
 * refused with the server's rule next to the field; a registry CSV is checked, then applied.
 * axe-core finds nothing serious or critical on any of these screens. */
describe('auditor and system administrator screens', () => {
  let database: TestDatabase;
  let app: NestFastifyApplication;
  let browser: Browser;
  let base: string;
  const hitId = randomUUID();

  async function signIn(username: string, language: ConsoleLanguage, screen: string) {
    const context = await browser.newContext({
      locale: language === 'en' ? 'en-US' : language,
      acceptDownloads: true,
      viewport: { width: 1400, height: 1000 },
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

  const push = (key: string) =>
    fetch(`${base}/v1/events`, {
      method: 'POST',
      headers: jsonHeaders(key),
      body: JSON.stringify(
        sampleJson('alarm', (e) => {
          e.cameraId = 'aktau-cam-0001';
          e.capturedAt = timestampFromDate(new Date());
        }),
      ),
    });

  beforeAll(async () => {
    database = await createTestDatabase();
    ({ app } = await startTestApp([IngestModule, AuditModule, OpsCenterModule], {
      DATABASE_URL: database.url,
      KUZET_REGION_FILE: REGION,
    }));
    const port = await freePort();
    await app.listen(port, '127.0.0.1');
    base = `http://127.0.0.1:${port}`;
    const users = app.get(StaffUserService);
    // a national auditor (every centre, granted explicitly) and a system administrator
    for (const [username, role, centreIds] of [
      ['auditor.one', 'auditor', [ALL_CENTRES]],
      ['admin.one', 'system-admin', []],
    ] as const)
      await users.create(
        { username, password: PASSWORD, roles: [role], centreIds: [...centreIds] },
        'test',
      );

    // one decided hit of an enrolled person with a Cyrillic name, its probe crop kept
    const sql = app.get(DataSource);
    const [watchlistId, personId, eventId] = [randomUUID(), randomUUID(), randomUUID()];
    const at = new Date(T0).toISOString();
    const crop = await app
      .get(PostgresEvidenceStore)
      .put(randomUUID(), readFileSync(FACE), new Date(Date.now() + 86_400_000));
    await sql.query(
      `INSERT INTO watchlist (id, name, category, similarity_threshold) VALUES ($1, 'Розыск', 'wanted', 0.4)`,
      [watchlistId],
    );
    await sql.query(
      `INSERT INTO watchlist_person (id, watchlist_id, full_name, status) VALUES ($1, $2, $3, 'active')`,
      [personId, watchlistId, PERSON],
    );
    await sql.query(
      `INSERT INTO watchlist_hit (hit_id, event_id, camera_id, person_id, watchlist_id, similarity,
         threshold, model_id, face_crop_ref, captured_at, matched_at, last_seen_at, sighting_count)
       VALUES ($1, $2, 'aktau-cam-0001', $3, $4, 0.71, 0.4, 'fr_feature', $5, $6,
         $6::timestamptz + interval '1 second', $6, 1)`,
      [hitId, eventId, personId, watchlistId, crop, at],
    );
    await sql.query(
      `INSERT INTO match_log (event_id, person_id, hit_id, camera_id, watchlist_id, similarity,
         threshold, model_id, captured_at, matched_at)
       VALUES ($1, $2, $3, 'aktau-cam-0001', $4, 0.71, 0.4, 'fr_feature', $5, $5::timestamptz + interval '1 second')`,
      [eventId, personId, hitId, watchlistId, at],
    );
    await sql.query(
      `INSERT INTO alert (id, kind, state, priority, centre_id, district_id, camera_id, event_id,
         person_id, watchlist_id, similarity, threshold, captured_at, last_seen_at, created_at)
       VALUES ($1, 'watchlist_hit', 'confirmed', 0, 'aktau', 'aktau-city', 'aktau-cam-0001', $2, $3,
         $4, 0.71, 0.4, $5, $5, $5::timestamptz + interval '2 seconds')`,
      [hitId, eventId, personId, watchlistId, at],
    );
    for (const [action, seconds] of [
      ['acknowledge', 20],
      ['confirm', 95],
    ] as const) {
      await sql.query(
        `INSERT INTO alert_decision (id, alert_id, action, reason, user_id, username, decided_at)
         VALUES ($1, $2, $3, $4, $5, 'operator-dana', $6)`,
        [
          randomUUID(),
          hitId,
          action,
          action === 'confirm' ? 'совпадает с фото из дела' : null,
          randomUUID(),
          new Date(T0 + seconds * 1000),
        ],
      );
    }
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await database?.drop();
  });

  const words = {
    ru: { confirmed: 'подтверждено', delivered: 'доставлено в центр', intact: 'Цел' },
    en: { confirmed: 'confirmed', delivered: 'delivered to the centre', intact: 'Intact' },
  } as const;

  for (const language of ['ru', 'en'] as const) {
    it(`lets an auditor find a hit by name, read its timeline, export it and check the log (${language})`, async () => {
      const page = await signIn('auditor.one', language, 'auditor-screen');
      // part of the name, in another case: the search is the server's, not the page's
      await page.getByTestId('filter-person').fill('айгерим');
      await page.getByTestId('hit-search').click();
      const row = page.locator(`[data-testid="hit-row"][data-hit-id="${hitId}"]`);
      await row.waitFor();
      expect(await page.getByTestId('hit-row').count()).toBe(1);
      expect(await row.getByTestId('hit-person').textContent()).toBe(PERSON);
      // the probe crop, fetched with the auditor's token
      await row.locator('img.thumb').waitFor();
      expect(
        await row
          .locator('img.thumb')
          .evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
      ).toBeGreaterThan(0);

      await row.getByTestId('open-timeline').click();
      const timeline = page.getByTestId('hit-timeline');
      await timeline.waitFor();
      const kinds = await page
        .getByTestId('timeline-step')
        .evaluateAll((steps) => steps.map((s) => s.getAttribute('data-kind')));
      expect(kinds).toEqual(
        expect.arrayContaining([
          'camera_event.captured',
          'hit.matched',
          'alert.created',
          'decision.acknowledge',
          'decision.confirm',
        ]),
      );
      const text = await timeline.textContent();
      expect(text).toContain(PERSON);
      expect(text).toContain(words[language].confirmed);
      expect(text).toContain(words[language].delivered);
      expect(text).toContain('operator-dana');
      // 09:30 in Asia/Almaty (UTC+5), 24-hour
      expect(text).toContain('09:30:00');
      expect(await seriousAxeViolations(page)).toEqual([]);
      if (language === 'ru')
        await page.screenshot({ path: join(DOCS, 'auditor-ru.png'), fullPage: true });

      // the CSV as a spreadsheet reads it: UTF-8 with a byte-order mark, the name intact
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByTestId('hit-export').click(),
      ]);
      const bytes = readFileSync((await download.path())!);
      expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const csv = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      const [header, line] = csv.trimEnd().split('\r\n');
      expect(header).toMatch(/^hit_id,event_id,captured_at,captured_at_local,/);
      expect(line).toContain(PERSON);
      expect(line).toContain('2026-12-04 09:30:00');

      // and as a workbook: the name intact in its cell
      const [xlsx] = await Promise.all([
        page.waitForEvent('download'),
        page.getByTestId('hit-export-xlsx').click(),
      ]);
      expect(xlsx.suggestedFilename()).toBe('kuzet-hits.xlsx');
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.readFile((await xlsx.path())!);
      expect(workbook.getWorksheet('hits')!.getRow(2).getCell(12).value).toBe(PERSON);

      // who searched, viewed or exported what: this auditor's own export is on the log
      await page.getByTestId('audit-tab-activity').click();
      await page.getByTestId('log-actor').fill('auditor.one');
      await page.getByTestId('log-search').click();
      await page.getByTestId('log-row').first().waitFor();
      expect(await page.getByTestId('log-results').textContent()).toContain('hits-export');
      expect(await seriousAxeViolations(page)).toEqual([]);

      await page.getByTestId('audit-tab-chain').click();
      await page.getByTestId('chain-verify').click();
      const result = page.getByTestId('chain-result');
      await result.waitFor();
      expect(await result.getAttribute('data-ok')).toBe('true');
      expect(await result.textContent()).toContain(words[language].intact);
      expect(await seriousAxeViolations(page)).toEqual([]);
      await page.context().close();
    });

    it(`lets an administrator issue a key that works, then revoke it so ingest answers 401 (${language})`, async () => {
      const page = await signIn('admin.one', language, 'system-admin-screen');
      await page.getByTestId('user-row').first().waitFor();
      expect(await seriousAxeViolations(page)).toEqual([]);

      // a user refused by the server's rule, shown next to the field; then created
      const username = `op.${language}`;
      await page.getByTestId('new-username').fill(username);
      await page.getByTestId('new-password').fill('short');
      await page.getByTestId('new-role-operator').check();
      await page.getByTestId('create-user').click();
      await page.locator('[data-testid="new-password"][aria-invalid="true"]').waitFor();
      await page.getByTestId('new-password').fill(PASSWORD);
      await page.getByTestId('create-user').click();
      // an operator needs a centre: the server says so, next to the centres
      await page.getByTestId('user-create').locator('fieldset .error').waitFor();
      await page
        .getByTestId('user-create')
        .getByRole('checkbox', { name: /Актау|Aktau/ })
        .first()
        .check();
      await page.getByTestId('create-user').click();
      await page.locator(`[data-testid="user-row"][data-username="${username}"]`).waitFor();
      // a supervisor too, then without centres: refused beside the centres; with Zhanaozen: saved
      const created = page.locator(`[data-testid="user-row"][data-username="${username}"]`);
      await created.getByTestId('user-edit').click();
      await created.getByTestId('edit-role-supervisor').check();
      await created.getByTestId('edit-centre-aktau').uncheck();
      await created.getByTestId('edit-save').click();
      await created.getByTestId('edit-centres-error').waitFor();
      await created.getByTestId('edit-centre-zhanaozen').check();
      await created.getByTestId('edit-save').click();
      await created.getByTestId('edit-save').waitFor({ state: 'detached' });
      await created.filter({ hasText: 'Zhanaozen' }).waitFor();
      expect(await created.textContent()).not.toContain('Aktau');
      if (language === 'ru')
        await page.screenshot({ path: join(DOCS, 'system-admin-ru.png'), fullPage: true });

      await page.getByTestId('admin-tab-keys').click();
      const label = `Вендор ${language}`;
      await page.getByTestId('key-integrator').fill(`vendor-${language}`);
      await page.getByTestId('key-label').fill(label);
      await page.getByTestId('key-district-aktau-city').check();
      // smart badges' identify requests only with the box ticked (default off)
      await page
        .getByRole('checkbox', {
          name:
            language === 'ru'
              ? /Нагрудные камеры могут распознавать лица/
              : /Smart badges may identify faces/,
        })
        .check();
      await page.getByTestId('issue-key').click();
      const key = (await page.getByTestId('issued-key-value').textContent())!.trim();
      expect(key.length).toBeGreaterThan(20);
      expect(await seriousAxeViolations(page)).toEqual([]);
      expect((await push(key)).status).toBe(202);
      const issuedRow = page.locator(`[data-testid="key-row"][data-label="${label}"]`);
      expect(await issuedRow.getAttribute('data-identify')).toBe('true');
      expect(await issuedRow.getByTestId('key-identifies').textContent()).toBe(
        language === 'ru'
          ? 'распознаёт лица (нагрудные камеры)'
          : 'identifies faces (smart badges)',
      );
      expect(await page.getByTestId('key-identify').isChecked()).toBe(false);

      page.once('dialog', (dialog) => void dialog.accept());
      const row = page.locator(`[data-testid="key-row"][data-label="${label}"]`);
      await row.getByTestId('key-revoke').click();
      await row.getByTestId('key-revoke').waitFor({ state: 'detached' });
      // the key shown once is gone from the page with its revocation
      expect(await page.getByTestId('issued-key-value').count()).toBe(0);
      expect((await push(key)).status).toBe(401);

      // the registry from CSV: checked first (nothing changes), then applied
      await page.getByTestId('admin-tab-registry').click();
      const camera = `aktau-cam-csv-${language}`;
      await page.getByTestId('registry-file').setInputFiles({
        name: 'cameras.csv',
        mimeType: 'text/csv',
        buffer: Buffer.from(
          `\uFEFFid,name,district_id,latitude,longitude\r\n${camera},"Школа №2, вход",aktau-city,43.65,51.17\r\n`,
        ),
      });
      await page.getByTestId('registry-checked').waitFor();
      expect(await page.locator(`[data-camera-id="${camera}"]`).count()).toBe(0);
      await page.getByTestId('registry-import').click();
      await page.locator(`[data-camera-id="${camera}"]`).waitFor();
      expect(await page.locator(`[data-camera-id="${camera}"]`).textContent()).toContain(
        'Школа №2, вход',
      );
      // a district added by id; the imported camera retired
      const district = `test-district-${language}`;
      await page.getByTestId('district-id').fill(district);
      await page.getByTestId('district-name').fill('Тестовый район');
      await page.getByTestId('district-centre').selectOption('aktau');
      await page.getByTestId('district-form').getByRole('button').click();
      await page.locator(`[data-testid="district-row"][data-district-id="${district}"]`).waitFor();
      page.once('dialog', (dialog) => void dialog.accept());
      await page.locator(`[data-camera-id="${camera}"]`).getByTestId('camera-retire').click();
      await page
        .locator(`[data-camera-id="${camera}"]`)
        .getByTestId('camera-retire')
        .waitFor({ state: 'detached' });

      // a bad line is named with its line number and changes nothing
      await page.getByTestId('registry-file').setInputFiles({
        name: 'bad.csv',
        mimeType: 'text/csv',
        buffer: Buffer.from('id,name,district_id,latitude\nx-1,A,aktau-city,95\n'),
      });
      await page.getByTestId('registry-errors').waitFor();
      expect(await page.getByTestId('registry-errors').textContent()).toMatch(/2/);
      expect(await page.getByTestId('registry-import').count()).toBe(0);
      expect(await seriousAxeViolations(page)).toEqual([]);
      await page.context().close();
    });
  }
});

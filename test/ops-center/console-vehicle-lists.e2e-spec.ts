import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { resolve } from 'node:path';
import { Browser, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { StaffUserService } from '@kuzet/auth';
import { PlateIndex } from '@kuzet/vehicles';
import { MatcherModule } from '../../apps/matcher/src/matcher.module';
import { OpsCenterModule } from '../../apps/ops-center/src/ops-center.module';
import { launchBrowser } from '../support/browser';
import { createTestDatabase, TestDatabase } from '../support/database';
import { startTestApp } from '../support/kuzet-app';
import { freePort } from '../support/process';
import { waitFor } from '../support/wait';
import { ConsoleLanguage, seriousAxeViolations, signInToConsole } from './console-page';

const REGION = resolve(__dirname, '../../deploy/config/region.yaml');
const PASSWORD = 'correct horse battery staple';

const WORDS = {
  ru: { list: 'Угон Актау', priority: 'Приоритет', reason: 'Причина', archived: 'В архиве' },
  en: { list: 'Stolen Aktau', priority: 'Priority', reason: 'Reason', archived: 'Archived' },
} as const;

/** The watchlist administrator edits and archives a vehicle list in a real browser, in Russian
 * and in English: the server's field errors beside their fields, the matcher applying the new
 * priority, the archived list's plate leaving the matcher; axe-core finds nothing serious. */
let database: TestDatabase;
let app: NestFastifyApplication;
let browser: Browser;
let base: string;

beforeAll(async () => {
  database = await createTestDatabase();
  ({ app } = await startTestApp([MatcherModule, OpsCenterModule], {
    DATABASE_URL: database.url,
    KUZET_REGION_FILE: REGION,
  }));
  const port = await freePort();
  await app.listen(port, '127.0.0.1');
  base = `http://127.0.0.1:${port}`;
  await app
    .get(StaffUserService)
    .create(
      { username: 'plates.admin', password: PASSWORD, roles: ['watchlist-admin'], centreIds: [] },
      'test',
    );
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await database?.drop();
});

describe.each(['ru', 'en'] as const)('vehicle list editing (%s)', (language) => {
  let page: Page;
  const words = WORDS[language];
  const plate = language === 'ru' ? '555 KZR 01' : '556 KZR 01';
  const normalised = plate.replaceAll(' ', '');

  beforeAll(async () => {
    page = await signIn(browser, base, language);
  });

  afterAll(async () => {
    await page?.context().close();
  });

  const entryOf = async (): Promise<string> => {
    const [row] = await app
      .get(DataSource)
      .query<{ id: string }[]>(`SELECT id FROM vehicle_list_entry WHERE plate = $1`, [normalised]);
    return row!.id;
  };

  it('edits a list with the server’s field errors beside the fields; the matcher applies it', async () => {
    await page.getByTestId('tab-vehicles').click();
    await page.getByTestId('vehicle-list-name').fill(words.list);
    await page.getByTestId('create-vehicle-list').click();
    await page.getByTestId('entry-plate').fill(plate);
    await page.getByTestId('add-entry').click();
    await page.getByTestId(`entry-${normalised}`).waitFor();
    const index = app.get(PlateIndex);
    const entryId = await entryOf();
    await waitFor('the plate indexed', async () => index.get(entryId)?.priority === 50);

    await page.getByTestId('edit-vehicle-list').click();
    await page.getByTestId('edit-vehicle-name').fill(' ');
    await page.getByTestId('edit-vehicle-priority').fill('150');
    await page.getByTestId('save-vehicle-list').click();
    await page.getByTestId('error-priority').waitFor();
    expect(await page.getByTestId('error-priority').textContent()).toContain(words.priority);
    await page.getByTestId('error-name').waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);

    // what was typed is still there; fixed, it saves
    expect(await page.getByTestId('edit-vehicle-priority').inputValue()).toBe('150');
    await page.getByTestId('edit-vehicle-name').fill(`${words.list} 2`);
    await page.getByTestId('edit-vehicle-priority').fill('80');
    await page.getByTestId('edit-vehicle-policy').selectOption('edit');
    await page.getByTestId('save-vehicle-list').click();
    await page.getByTestId('vehicle-notice').waitFor();
    await waitFor('the matcher has the new priority and policy', async () => {
      const listed = index.get(entryId);
      return listed?.priority === 80 && listed.policy === 'edit';
    });
  });

  it('archives it with a reason: the plate leaves the matcher, the list says why', async () => {
    const index = app.get(PlateIndex);
    const entryId = await entryOf();
    await page.getByTestId('edit-vehicle-list').click();
    await page.getByTestId('vehicle-archive-reason').fill('x');
    await page.getByTestId('archive-vehicle-list').click();
    await page.getByTestId('error-reason').waitFor();
    expect(await page.getByTestId('error-reason').textContent()).toContain(words.reason);

    const reason = language === 'ru' ? 'дело закрыто' : 'case closed';
    await page.getByTestId('vehicle-archive-reason').fill(reason);
    await page.getByTestId('archive-vehicle-list').click();
    await page.getByTestId('vehicle-list-archived').waitFor();
    const shown = (await page.getByTestId('vehicle-list-archived').textContent()) ?? '';
    expect(shown).toContain(words.archived);
    expect(shown).toContain(reason);
    await waitFor('the archived plate leaves the matcher', async () => !index.get(entryId));
    expect(await seriousAxeViolations(page)).toEqual([]);
  });
});

async function signIn(browser: Browser, base: string, language: ConsoleLanguage): Promise<Page> {
  const page = await signInToConsole(browser, base, 'plates.admin', PASSWORD, language);
  await page.getByTestId('watchlist-admin').waitFor({ timeout: 30_000 });
  return page;
}

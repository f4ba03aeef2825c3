import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { Browser, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { StaffUserService } from '@kuzet/auth';
import { CameraEventSchema, create, encodeCameraEvent, timestampFromDate } from '@kuzet/contracts';
import { MESSAGE_BUS, MessageBus, TOPICS } from '@kuzet/messaging';
import { EnrolledFaceEntity, MatchLogEntity } from '@kuzet/persistence';
import { WatchlistIndex } from '@kuzet/watchlist';
import { MatcherModule } from '../../apps/matcher/src/matcher.module';
import { OpsCenterModule } from '../../apps/ops-center/src/ops-center.module';
import { launchBrowser } from '../support/browser';
import { registerCameras } from '../support/cameras';
import { createTestDatabase, TestDatabase } from '../support/database';
import { fixture, Person, personPhoto } from '../support/faces';
import { startTestApp } from '../support/kuzet-app';
import { freePort } from '../support/process';
import { uniqueName } from '../support/transports';
import { waitFor, waitUntil } from '../support/wait';
import { ConsoleLanguage, seriousAxeViolations, signInToConsole } from './console-page';

const REGION = resolve(__dirname, '../../deploy/config/region.yaml');
const SCREENSHOT = resolve(__dirname, '../../docs/watchlist-admin-ru.png');
const PASSWORD = 'correct horse battery staple';
const FEATURE_MODEL = 'faceplugin-face-recognition-js/fr_feature';
/** Who is enrolled in each language, and where their face is in the group photo bbt1.jpg
 * (test/fixtures/faces/group-photos.json). */
const PERSON = {
  ru: {
    fixture: 'leonard',
    name: 'Леонард Хофстедтер',
    inGroup: [520, 202],
    case: 'KUI-2026-0777',
  },
  en: { fixture: 'howard', name: 'Howard Wolowitz', inGroup: [777, 198], case: 'KUI-2026-0778' },
} as const;
/** What an officer must do about anyone on the list, unless the person's own say otherwise. */
const LIST_INSTRUCTIONS = {
  ru: 'Перед задержанием связаться с дежурной частью',
  en: 'Call the duty unit before any approach',
} as const;
/** What an officer must do about each person: set on enrolment, then changed on the card. */
const INSTRUCTIONS = {
  ru: ['Вооружён: в одиночку не задерживать', 'Несовершеннолетний: передать в ювенальную полицию'],
  en: ['Armed: do not detain alone', 'Minor: hand over to the juvenile unit'],
} as const;

const WORDS = {
  ru: {
    blurred: 'снимок размыт',
    several: 'несколько лиц',
    usable: 'годится',
    threshold: 'порог 0.50',
  },
  en: {
    blurred: 'blurred',
    several: 'several faces',
    usable: 'usable',
    threshold: 'threshold 0.50',
  },
} as const;

/** The watchlist administrator's screen in a real browser, in Russian and in English: a list
 * made, a person enrolled from three photos (one refused as blurred, one group photo where the
 * admin picks the face), the likely-duplicate warning, a threshold changed on the screen and
 * applied by the matcher, a vehicle list with a plate; axe-core finds nothing serious. */
/** One kuzet for both languages (two matchers in one test file would share the process's
 * consumers); each language has its own list, person and browser context. */
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
      { username: 'lists.admin', password: PASSWORD, roles: ['watchlist-admin'], centreIds: [] },
      'test',
    );
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await database?.drop();
});

describe.each(['ru', 'en'] as const)('watchlist administrator screen (%s)', (language) => {
  let page: Page;
  const words = WORDS[language];
  const who = PERSON[language];
  const listName = language === 'ru' ? 'Розыск Актау' : 'Wanted Aktau';
  const personName = who.name;

  beforeAll(async () => {
    page = await signIn(browser, base, language);
  });

  afterAll(async () => {
    await page?.context().close();
  });

  it('makes a list and enrols a person from three photos, one blurred, one a group photo with the face picked', async () => {
    await page.getByTestId('new-watchlist').click();
    await page.getByTestId('list-name').fill(listName);
    await page.getByTestId('list-threshold').fill('0.6');
    await page.getByTestId('list-instructions').fill(`  ${LIST_INSTRUCTIONS[language]} `);
    await page.getByTestId('save-list').click();
    await page.getByTestId(`watchlist-${listName}`).waitFor();
    const listInstructions = (await app
      .get(DataSource)
      .query(`SELECT instructions FROM watchlist WHERE name = $1`, [listName])) as {
      instructions: string | null;
    }[];
    expect(listInstructions[0]!.instructions).toBe(LIST_INSTRUCTIONS[language]);

    await page.getByTestId('enrol-person').click();
    await page.getByTestId('enrol-name').fill(personName);
    await page.getByTestId('enrol-case').fill(who.case);
    await page.getByTestId('enrol-instructions').fill(INSTRUCTIONS[language][0]);
    // a blurred photo (of anyone) is refused by the check
    const blurred = await sharp(personPhoto('leonard', 2)).blur(3).png().toBuffer();
    await page.getByTestId('photo-input').setInputFiles([
      { name: 'portrait.png', mimeType: 'image/png', buffer: personPhoto(who.fixture, 1) },
      { name: 'blurred.png', mimeType: 'image/png', buffer: blurred },
      { name: 'bbt1.jpg', mimeType: 'image/jpeg', buffer: fixture('bbt1.jpg') },
    ]);
    const row = (name: string) => page.getByTestId(`photo-${name}`);
    await page
      .locator('[data-testid="photo-bbt1.jpg"][data-verdict="several_faces"]')
      .waitFor({ timeout: 60_000 });
    await expectText(row('portrait.png').getByTestId('verdict'), words.usable);
    await expectText(row('blurred.png').getByTestId('verdict'), words.blurred);
    await expectText(row('bbt1.jpg').getByTestId('verdict'), words.several);
    // the crop it would enrol is shown for the usable photo
    expect(await row('portrait.png').locator('img').count()).toBe(1);

    // pick the face around the person among the four
    const faces = row('bbt1.jpg').locator('button[data-box]');
    expect(await faces.count()).toBe(4);
    const boxes = await faces.evaluateAll((buttons) =>
      buttons.map((b) => (b.getAttribute('data-box') ?? '').split(',').map(Number)),
    );
    const [cx, cy] = who.inGroup;
    const pick = boxes.findIndex(
      ([x, y, w, h]) => x! <= cx && cx <= x! + w! && y! <= cy && cy <= y! + h!,
    );
    expect(pick).toBeGreaterThanOrEqual(0);
    await faces.nth(pick).click();
    await expectText(row('bbt1.jpg').getByTestId('verdict'), words.usable);

    expect(await seriousAxeViolations(page)).toEqual([]);
    if (language === 'ru') await page.screenshot({ path: SCREENSHOT, fullPage: true });

    await page.getByTestId('enrol-submit').click();
    const card = page.getByTestId('person-card');
    await card.waitFor();
    await waitFor(
      'two photos on the person card',
      async () => (await card.locator('[data-testid="person-photos"] li').count()) === 2,
    );
    // the face taken from the group photo is the one picked (its source name)
    await expectText(card, 'bbt1.jpg');
    expect(await seriousAxeViolations(page)).toEqual([]);
  });

  it('keeps the person’s instructions for officers, changed and cleared on the card', async () => {
    const card = page.getByTestId('person-card');
    const field = card.getByTestId('person-instructions');
    const [first, second] = INSTRUCTIONS[language];
    expect(await field.inputValue()).toBe(first);
    const stored = async (): Promise<string | null> =>
      (
        (await app
          .get(DataSource)
          .query(`SELECT instructions FROM watchlist_person WHERE full_name = $1`, [
            personName,
          ])) as { instructions: string | null }[]
      )[0]!.instructions;
    expect(await stored()).toBe(first);

    await field.fill(`  ${second}  `);
    await card.getByTestId('save-person').click();
    await waitFor('the new instructions stored', async () => (await stored()) === second);
    expect(await field.inputValue()).toBe(second);
    // emptied: the list's instructions apply again
    await field.fill(' ');
    await card.getByTestId('save-person').click();
    await waitFor('the instructions cleared', async () => (await stored()) === null);
    expect(await seriousAxeViolations(page)).toEqual([]);
  });

  it('warns of a likely duplicate and enrols only when the admin says it is someone else', async () => {
    await page.getByTestId('enrol-person').click();
    await page.getByTestId('enrol-name').fill(language === 'ru' ? 'Неизвестный' : 'Unknown man');
    await page
      .getByTestId('photo-input')
      .setInputFiles([
        { name: 'again.png', mimeType: 'image/png', buffer: personPhoto(who.fixture, 1) },
      ]);
    const warning = page.getByTestId('duplicate-warning');
    await warning.waitFor({ timeout: 60_000 });
    await expectText(warning, personName);
    expect(await page.getByTestId('enrol-submit').isDisabled()).toBe(true);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.getByTestId('not-duplicate').check();
    expect(await page.getByTestId('enrol-submit').isDisabled()).toBe(false);
  });

  it('changes the threshold on the screen and the matcher applies it: a probe between 0.6 and 0.5 hits only after', async () => {
    const dataSource = app.get(DataSource);
    const index = app.get(WatchlistIndex);
    const [person] = await dataSource.query<{ id: string }[]>(
      `SELECT id FROM watchlist_person WHERE case_reference = $1`,
      [who.case],
    );
    const personId = person!.id;
    await waitUntil('the person in the matcher', () => index.versionOf(personId) > 0);
    const [face] = await dataSource
      .getRepository(EnrolledFaceEntity)
      .find({ where: { personId }, order: { createdAt: 'ASC' } });
    const probe = between(face!.embedding, 0.55);
    const bus = app.get<MessageBus>(MESSAGE_BUS);
    const cameraPrefix = uniqueName('screen-cam');
    const send = async (cameraId: string, embedding: Float32Array): Promise<string> => {
      await registerCameras(dataSource, [cameraId]);
      const eventId = randomUUID();
      const event = create(CameraEventSchema, {
        eventId,
        cameraId,
        capturedAt: timestampFromDate(new Date()),
        payload: {
          case: 'faceObservation',
          value: {
            embedding: Array.from(embedding),
            modelId: FEATURE_MODEL,
            quality: 0.9,
            box: { x: 10, y: 10, width: 112, height: 140 },
          },
        },
      });
      await bus.publish(TOPICS.cameraEvents, [{ key: cameraId, value: encodeCameraEvent(event) }]);
      return eventId;
    };
    const logged = (eventId: string) =>
      dataSource.getRepository(MatchLogEntity).findBy({ eventId });

    const early = await send(`${cameraPrefix}-1`, probe);
    const sentinel = await send(`${cameraPrefix}-1`, face!.embedding);
    await waitFor('the sentinel matched', async () => (await logged(sentinel)).length > 0);
    expect(await logged(early)).toEqual([]);

    const version = index.versionOf(personId);
    await page.getByTestId(`watchlist-${listName}`).click();
    await page.getByTestId('edit-list').click();
    expect(await page.getByTestId('list-instructions').inputValue()).toBe(
      LIST_INSTRUCTIONS[language],
    );
    await page.getByTestId('list-threshold').fill('0.5');
    await page.getByTestId('save-list').click();
    await expectText(page.getByTestId(`watchlist-${listName}`), words.threshold);
    await waitUntil('the new threshold in the matcher', () => index.versionOf(personId) > version);

    const late = await send(`${cameraPrefix}-2`, probe);
    const rows = await waitFor('the probe matched', async () => {
      const found = await logged(late);
      return found.length > 0 && found;
    });
    expect(rows[0]).toMatchObject({ personId, threshold: 0.5 });
  });

  it('imports a folder of people with progress; a person without a usable photo is kept pending', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'kuzet-bulk-'));
    try {
      const people: Person[] = language === 'ru' ? ['penny', 'raj'] : ['amy', 'bernadette'];
      for (const person of people) {
        mkdirSync(join(folder, person));
        writeFileSync(join(folder, person, `${person}1.png`), personPhoto(person, 1));
      }
      mkdirSync(join(folder, 'nobody'));
      writeFileSync(
        join(folder, 'nobody', 'card.jpg'),
        await sharp({ create: { width: 200, height: 200, channels: 3, background: '#888' } })
          .jpeg()
          .toBuffer(),
      );
      await page.getByTestId(`watchlist-${listName}`).click();
      await page.getByTestId('bulk-open').click();
      await page.getByTestId('bulk-folder').setInputFiles(folder);
      await page.getByTestId('bulk-start').click();
      await waitFor(
        'every row done',
        async () =>
          (await page
            .locator(
              '[data-testid="bulk-rows"] li[data-state="waiting"], [data-testid="bulk-rows"] li[data-state="enrolling"]',
            )
            .count()) === 0,
        { timeoutMs: 60_000 },
      );
      const states = await page
        .locator('[data-testid="bulk-rows"] li')
        .evaluateAll((items) =>
          items.map((li) => [li.getAttribute('data-testid'), li.getAttribute('data-state')]),
        );
      expect(states).toEqual(
        [['bulk-nobody', 'pending'], ...people.map((p) => [`bulk-${p}`, 'active'])].sort((a, b) =>
          a[0]!.localeCompare(b[0]!),
        ),
      );
      await expectText(page.getByTestId('bulk-progress'), '3');
      expect(await seriousAxeViolations(page)).toEqual([]);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('keeps vehicle lists on the same screen: a list and a plate on it', async () => {
    await page.getByTestId('tab-vehicles').click();
    await page.getByTestId('vehicle-list-name').fill(language === 'ru' ? 'Угон' : 'Stolen');
    await page.getByTestId('create-vehicle-list').click();
    await page.getByTestId('entry-plate').fill('777 BOS 12');
    await page.getByTestId('add-entry').click();
    await page.getByTestId('entry-777BOS12').waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
  });
});

async function signIn(browser: Browser, base: string, language: ConsoleLanguage): Promise<Page> {
  const page = await signInToConsole(browser, base, 'lists.admin', PASSWORD, language);
  await page.getByTestId('watchlist-admin').waitFor({ timeout: 30_000 });
  return page;
}

async function expectText(locator: ReturnType<Page['locator']>, text: string): Promise<void> {
  await waitFor(`"${text}" shown`, async () =>
    ((await locator.textContent()) ?? '').includes(text),
  );
}

/** A unit vector at exactly `similarity` (cosine) from `face`. */
function between(face: Float32Array, similarity: number): Float32Array {
  const norm = Math.hypot(...face);
  const unit = face.map((v) => v / norm);
  const other = unit.map((_, i) => (i % 2 === 0 ? 1 : -1));
  const dot = other.reduce((sum, v, i) => sum + v * unit[i]!, 0);
  const orthogonal = other.map((v, i) => v - dot * unit[i]!);
  const on = Math.hypot(...orthogonal);
  const sine = Math.sqrt(1 - similarity * similarity);
  return unit.map((v, i) => similarity * v + (sine * orthogonal[i]!) / on);
}

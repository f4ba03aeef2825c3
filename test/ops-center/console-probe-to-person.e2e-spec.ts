import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { Browser, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { StaffUserService } from '@kuzet/auth';
import {
  create,
  encodeWatchlistHit,
  timestampFromDate,
  WatchlistHitSchema,
} from '@kuzet/contracts';
import { EVIDENCE_STORE, EvidenceStore } from '@kuzet/evidence';
import { FaceEngine } from '@kuzet/face';
import { MESSAGE_BUS, MessageBus, TOPICS } from '@kuzet/messaging';
import { AuditLogEntryEntity, EnrolledFaceEntity } from '@kuzet/persistence';
import { WatchlistIndex } from '@kuzet/watchlist';
import { MatcherModule } from '../../apps/matcher/src/matcher.module';
import { OpsCenterModule } from '../../apps/ops-center/src/ops-center.module';
import { launchBrowser } from '../support/browser';
import { createTestDatabase, TestDatabase } from '../support/database';
import { asJpeg, Person, personPhoto } from '../support/faces';
import { startTestApp } from '../support/kuzet-app';
import { freePort } from '../support/process';
import { SignedInStaff, signInAs } from '../support/staff';
import { waitFor, waitUntil } from '../support/wait';
import { ConsoleLanguage, seriousAxeViolations, signInToConsole } from './console-page';

const REGION = resolve(__dirname, '../../deploy/config/region.yaml');
const PASSWORD = 'correct horse battery staple';
const FEATURE_MODEL = 'faceplugin-face-recognition-js/fr_feature';
const CAMERA = 'aktau-cam-0001';

interface EnrolmentJson {
  person: { id: string; status: string; version: number; faces: { id: string }[] };
  photos: { photo: string; status: string; verdict: string; face_id: string | null }[];
}
interface HitPageJson {
  items: { alert_id: string; has_crop: boolean; added_face_id: string | null }[];
  next_cursor: string | null;
}
interface ErrorsJson {
  errors: { field: string; rule: string }[];
}

/** "Add this probe to the person" (issue 18 item 1): the face crop of a hit an operator
 * confirmed becomes a photo of the enrolled person after the face engine's check, audited,
 * and every matcher reloads the person; the API's refusals, then the button on the watchlist
 * administrator's person card in a real browser, in Russian and in English. */
let database: TestDatabase;
let app: NestFastifyApplication;
let browser: Browser;
let base: string;
let admin: SignedInStaff;
let operator: SignedInStaff;
let listId: string;

const call = (
  who: SignedInStaff,
  method: 'GET' | 'POST',
  url: string,
  payload?: Record<string, unknown>,
) => app.inject({ method, url, headers: who.headers, ...(payload ? { payload } : {}) });

beforeAll(async () => {
  database = await createTestDatabase();
  ({ app } = await startTestApp([MatcherModule, OpsCenterModule], {
    DATABASE_URL: database.url,
    KUZET_REGION_FILE: REGION,
    OPS_FEED_POLL_MS: 100,
  }));
  const port = await freePort();
  await app.listen(port, '127.0.0.1');
  base = `http://127.0.0.1:${port}`;
  admin = await signInAs(app, ['watchlist-admin']);
  operator = await signInAs(app, ['operator'], ['aktau']);
  await app
    .get(StaffUserService)
    .create(
      { username: 'probe.admin', password: PASSWORD, roles: ['watchlist-admin'], centreIds: [] },
      'test',
    );
  const list = await call(admin, 'POST', '/v1/watchlists', {
    name: 'Wanted (probes)',
    category: 'wanted',
    similarity_threshold: 0.6,
    priority: 40,
  });
  expect(list.statusCode).toBe(201);
  listId = list.json<{ id: string }>().id;
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await database?.drop();
});

async function enrol(fixture: Person, name: string): Promise<EnrolmentJson> {
  const response = await call(admin, 'POST', `/v1/watchlists/${listId}/persons`, {
    full_name: name,
    photos: [{ name: `${fixture}1.png`, data: personPhoto(fixture, 1).toString('base64') }],
  });
  expect(response.statusCode).toBe(201);
  return response.json<EnrolmentJson>();
}

/** A hit of the person as the matcher records it: the aligned crop the face engine makes of
 * another photo of them, in the evidence store, and the hit on the hits topic. */
async function hitOf(personId: string, fixture: Person, shot: number): Promise<string> {
  const analysis = await app
    .get(FaceEngine)
    .analyze(await asJpeg(personPhoto(fixture, shot)), { crop: 'jpeg' });
  const crop = analysis.faces[0]!.alignedCropJpeg;
  const ref = await app
    .get<EvidenceStore>(EVIDENCE_STORE)
    .put(randomUUID(), crop, new Date(Date.now() + 86_400_000));
  const hitId = randomUUID();
  const now = timestampFromDate(new Date());
  await app.get<MessageBus>(MESSAGE_BUS).publish(TOPICS.watchlistHits, [
    {
      key: CAMERA,
      value: encodeWatchlistHit(
        create(WatchlistHitSchema, {
          hitId,
          eventId: randomUUID(),
          cameraId: CAMERA,
          personId,
          watchlistId: listId,
          similarity: 0.71,
          threshold: 0.6,
          modelId: FEATURE_MODEL,
          capturedAt: now,
          matchedAt: now,
          lastSeenAt: now,
          sightingCount: 1,
          faceCropRef: ref,
        }),
      ),
    },
  ]);
  await waitFor(
    'the alert',
    async () => (await call(operator, 'GET', `/v1/alerts/${hitId}`)).statusCode === 200,
  );
  return hitId;
}

async function confirm(alertId: string): Promise<void> {
  const decided = await call(operator, 'POST', `/v1/alerts/${alertId}/decisions`, {
    action: 'confirm',
  });
  expect(decided.statusCode).toBe(201);
}

describe('adding a confirmed hit’s probe to the person (API)', () => {
  it('adds the probe as a photo after the face check, audits it, reloads the matchers, and refuses a second add', async () => {
    const leonard = await enrol('leonard', 'Leonard Probe');
    const personId = leonard.person.id;
    const index = app.get(WatchlistIndex);
    await waitUntil('the person in the matcher', () => index.versionOf(personId) > 0);
    const alertId = await hitOf(personId, 'leonard', 2);

    // not confirmed yet: neither listed nor addable
    expect(
      (await call(admin, 'GET', `/v1/persons/${personId}/confirmed-hits`)).json<HitPageJson>()
        .items,
    ).toEqual([]);
    const early = await call(admin, 'POST', `/v1/persons/${personId}/photos/from-hit`, {
      alert_id: alertId,
    });
    expect(early.statusCode).toBe(404);
    expect(early.json<ErrorsJson>().errors[0]).toMatchObject({ rule: 'not_found' });

    await confirm(alertId);
    const listed = await call(admin, 'GET', `/v1/persons/${personId}/confirmed-hits`);
    expect(listed.statusCode).toBe(200);
    expect(listed.json<HitPageJson>()).toEqual({
      items: [expect.objectContaining({ alert_id: alertId, has_crop: true, added_face_id: null })],
      next_cursor: null,
    });
    const crop = await call(admin, 'GET', `/v1/persons/${personId}/confirmed-hits/${alertId}/crop`);
    expect(crop.statusCode).toBe(200);
    expect(crop.headers['content-type']).toBe('image/jpeg');

    const version = index.versionOf(personId);
    const added = await call(admin, 'POST', `/v1/persons/${personId}/photos/from-hit`, {
      alert_id: alertId,
    });
    expect(added.statusCode).toBe(201);
    const enrolment = added.json<EnrolmentJson>();
    expect(enrolment.photos).toEqual([
      { photo: `hit:${alertId}`, status: 'enrolled', verdict: 'ok', face_id: expect.any(String) },
    ]);
    expect(enrolment.person.faces).toHaveLength(2);
    expect(enrolment.person.version).toBe(leonard.person.version + 1);
    const dataSource = app.get(DataSource);
    const face = await dataSource
      .getRepository(EnrolledFaceEntity)
      .findOneByOrFail({ id: enrolment.photos[0]!.face_id! });
    expect(face).toMatchObject({ personId, sourceName: `hit:${alertId}` });
    await waitUntil('the matcher reloads the person', () => index.versionOf(personId) > version);

    const audit = await dataSource.getRepository(AuditLogEntryEntity).findBy({
      action: 'watchlist.probe-added',
      subjectId: personId,
    });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actor: admin.username,
      details: expect.objectContaining({ alertId, faceIds: [face.id], rejected: 0 }),
    });
    const viewed = await dataSource.getRepository(AuditLogEntryEntity).findBy({
      action: 'watchlist.hit-crop-viewed',
      subjectId: alertId,
    });
    expect(viewed).toHaveLength(1);

    const again = await call(admin, 'POST', `/v1/persons/${personId}/photos/from-hit`, {
      alert_id: alertId,
    });
    expect(again.statusCode).toBe(409);
    expect(again.json<ErrorsJson>().errors[0]).toMatchObject({
      field: 'alert_id',
      rule: 'conflict',
    });
    expect(await dataSource.getRepository(EnrolledFaceEntity).countBy({ personId })).toBe(2);
    expect(
      (await call(admin, 'GET', `/v1/persons/${personId}/confirmed-hits`)).json<HitPageJson>()
        .items[0],
    ).toMatchObject({ alert_id: alertId, added_face_id: face.id });
  });

  it('refuses another person’s confirmed hit and a rejected one; changes nothing', async () => {
    const penny = await enrol('penny', 'Penny Probe');
    const raj = await enrol('raj', 'Raj Probe');
    const pennysHit = await hitOf(penny.person.id, 'penny', 2);
    await confirm(pennysHit);
    const rejected = await hitOf(raj.person.id, 'raj', 2);
    const refused = await call(operator, 'POST', `/v1/alerts/${rejected}/decisions`, {
      action: 'reject',
      reason: 'someone else',
    });
    expect(refused.statusCode).toBe(201);
    for (const alertId of [pennysHit, rejected]) {
      const response = await call(admin, 'POST', `/v1/persons/${raj.person.id}/photos/from-hit`, {
        alert_id: alertId,
      });
      expect(response.statusCode).toBe(404);
    }
    const notUuid = await call(admin, 'POST', `/v1/persons/${raj.person.id}/photos/from-hit`, {
      alert_id: 'nope',
    });
    expect(notUuid.statusCode).toBe(400);
    expect(notUuid.json<ErrorsJson>().errors[0]).toMatchObject({ field: 'alert_id' });
    expect(
      await app.get(DataSource).getRepository(EnrolledFaceEntity).countBy({
        personId: raj.person.id,
      }),
    ).toBe(1);
    // an operator cannot add a probe to a person
    const byOperator = await call(
      operator,
      'POST',
      `/v1/persons/${penny.person.id}/photos/from-hit`,
      {
        alert_id: pennysHit,
      },
    );
    expect(byOperator.statusCode).toBe(403);
  });
});

const IN = {
  ru: {
    fixture: 'amy',
    name: 'Эми Фара Фаулер',
    added: 'Добавлен как фото',
    button: 'Добавить этот снимок к лицу',
  },
  en: {
    fixture: 'howard',
    name: 'Howard Probe',
    added: 'Added as a photo',
    button: 'Add this probe to the person',
  },
} as const;

describe.each(['ru', 'en'] as const)('the button on the person card (%s)', (language) => {
  it('adds a confirmed hit’s probe from the person card; axe finds nothing serious', async () => {
    const words = IN[language];
    const enrolled = await enrol(words.fixture, words.name);
    const alertId = await hitOf(enrolled.person.id, words.fixture, 2);
    await confirm(alertId);

    const page = await signIn(language);
    try {
      await page.getByTestId('watchlist-Wanted (probes)').click();
      await page.getByTestId(`person-${words.name}`).click();
      const card = page.getByTestId('person-card');
      const hit = card.getByTestId(`confirmed-hit-${alertId}`);
      await hit.locator('img').waitFor({ timeout: 30_000 });
      expect(await seriousAxeViolations(page)).toEqual([]);
      const button = hit.getByTestId('add-probe');
      expect(await button.textContent()).toContain(words.button);
      await button.click();
      await hit.getByTestId('probe-added').waitFor({ timeout: 60_000 });
      expect(await hit.getByTestId('probe-added').textContent()).toContain(words.added);
      await waitFor(
        'two photos on the person card',
        async () => (await card.locator('[data-testid="person-photos"] li').count()) === 2,
      );
      expect(await hit.getByTestId('add-probe').count()).toBe(0);
      expect(await seriousAxeViolations(page)).toEqual([]);
    } finally {
      await page.context().close();
    }
  });
});

async function signIn(language: ConsoleLanguage): Promise<Page> {
  const page = await signInToConsole(browser, base, 'probe.admin', PASSWORD, language);
  await page.getByTestId('watchlist-admin').waitFor({ timeout: 30_000 });
  return page;
}

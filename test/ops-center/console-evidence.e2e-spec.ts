import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Browser } from 'playwright-core';
import {
  create,
  encodeWatchlistHit,
  timestampFromDate,
  WatchlistHitSchema,
} from '@kuzet/contracts';
import { StaffUserService } from '@kuzet/auth';
import { EVIDENCE_STORE, EvidenceStore } from '@kuzet/evidence';
import { MESSAGE_BUS, MessageBus, TOPICS } from '@kuzet/messaging';
import { OpsCenterModule } from '../../apps/ops-center/src/ops-center.module';
import { launchBrowser } from '../support/browser';
import { createTestDatabase, TestDatabase } from '../support/database';
import { startTestApp } from '../support/kuzet-app';
import { freePort } from '../support/process';
import { openConsole } from './console-page';

const REGION = resolve(__dirname, '../../deploy/config/region.yaml');
const PROBE = readFileSync(resolve(__dirname, '../fixtures/faces/amy/amy1.png'));
const PASSWORD = 'correct horse battery staple';

/** The probe crop an operator compares with the enrolled photo, in a real browser, whichever
 * store the matcher wrote it to (the console once read only PostgreSQL's). */
describe.each(['disk', 'postgres'] as const)('console evidence with EVIDENCE_STORE=%s', (store) => {
  let database: TestDatabase;
  let app: NestFastifyApplication;
  let browser: Browser;
  let base: string;
  let dataDir: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'kuzet-evidence-'));
    ({ app } = await startTestApp([OpsCenterModule], {
      DATABASE_URL: database.url,
      KUZET_REGION_FILE: REGION,
      KUZET_DATA_DIR: dataDir,
      EVIDENCE_STORE: store,
      OPS_FEED_POLL_MS: 100,
    }));
    const port = await freePort();
    await app.listen(port, '127.0.0.1');
    base = `http://127.0.0.1:${port}`;
    await app
      .get(StaffUserService)
      .create(
        { username: 'aktau.one', password: PASSWORD, roles: ['operator'], centreIds: ['aktau'] },
        'test',
      );
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('shows the probe face crop beside the alert', async () => {
    // the matcher's own writer for this configuration
    const ref = await app
      .get<EvidenceStore>(EVIDENCE_STORE)
      .put(randomUUID(), PROBE, new Date(Date.now() + 86_400_000));
    expect(ref.startsWith(store === 'disk' ? 'disk:' : 'pg:')).toBe(true);
    const hitId = randomUUID();
    const now = timestampFromDate(new Date());
    await app.get<MessageBus>(MESSAGE_BUS).publish(TOPICS.watchlistHits, [
      {
        key: 'aktau-cam-0001',
        value: encodeWatchlistHit(
          create(WatchlistHitSchema, {
            hitId,
            eventId: randomUUID(),
            cameraId: 'aktau-cam-0001',
            personId: randomUUID(),
            watchlistId: randomUUID(),
            similarity: 0.7,
            threshold: 0.4,
            modelId: 'faceplugin-face-recognition-js/fr_feature',
            capturedAt: now,
            matchedAt: now,
            lastSeenAt: now,
            sightingCount: 1,
            faceCropRef: ref,
          }),
        ),
      },
    ]);
    const page = await openConsole(browser, base, 'aktau.one', PASSWORD);
    const row = page.locator(`[data-alert-id="${hitId}"]`);
    await row.waitFor({ timeout: 30_000 });
    await row.click();
    const probe = page.getByTestId('probe-face');
    await probe.waitFor({ timeout: 15_000 });
    // the image element's decoded width, read in the page
    const width = await probe.evaluate(async (element) => {
      const img = element as unknown as { decode(): Promise<void>; naturalWidth: number };
      await img.decode();
      return img.naturalWidth;
    });
    expect(width).toBeGreaterThan(0);
  });
});

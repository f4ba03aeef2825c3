import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { Browser, Page } from 'playwright-core';
import { DataSource, In } from 'typeorm';
import {
  type AnalyticsDetection,
  AnalyticsDetectionSchema,
  analyticsAlertId,
  CameraEventSchema,
  create,
  encodeCameraEvent,
  encodeWatchlistHit,
  timestampFromDate,
  WatchlistHitSchema,
} from '@kuzet/contracts';
import { StaffRole, StaffUserService } from '@kuzet/auth';
import { MESSAGE_BUS, MessageBus, TOPICS } from '@kuzet/messaging';
import { AlertEntity } from '@kuzet/persistence';
import { OpsCenterModule } from '../../apps/ops-center/src/ops-center.module';
import { sampleEvent } from '../ingest/sample-events';
import { launchBrowser } from '../support/browser';
import { createTestDatabase, TestDatabase } from '../support/database';
import { startTestApp } from '../support/kuzet-app';
import { freePort } from '../support/process';
import { waitUntil } from '../support/wait';
import { ConsoleLanguage, openConsole } from './console-page';

/** The region the console tests run in (centres aktau and zhanaozen). */
export const REGION = resolve(__dirname, '../../deploy/config/region.yaml');
/** Every console test user's password. */
export const CONSOLE_PASSWORD = 'correct horse battery staple';

/** A member of staff a console test signs in as. */
export interface ConsoleUser {
  readonly username: string;
  readonly roles: readonly StaffRole[];
  readonly centreIds: readonly string[];
}

/** A face hit as the matcher publishes it; unset fields get a fresh person and list, now. */
export interface TestHit {
  readonly cameraId: string;
  readonly personId?: string;
  readonly watchlistId?: string;
  readonly similarity?: number;
  readonly capturedAt?: Date;
}

/** The hits-topic message of a face hit `hitId`, as the matcher publishes it. */
export function watchlistHitMessage(
  hitId: string,
  hit: TestHit,
): { key: string; value: Uint8Array } {
  const at = timestampFromDate(hit.capturedAt ?? new Date());
  return {
    key: hit.cameraId,
    value: encodeWatchlistHit(
      create(WatchlistHitSchema, {
        hitId,
        eventId: randomUUID(),
        cameraId: hit.cameraId,
        personId: hit.personId ?? randomUUID(),
        watchlistId: hit.watchlistId ?? randomUUID(),
        similarity: hit.similarity ?? 0.71,
        threshold: 0.4,
        modelId: 'faceplugin-face-recognition-js/fr_feature',
        capturedAt: at,
        matchedAt: at,
        lastSeenAt: at,
        sightingCount: 1,
      }),
    ),
  };
}

/**
 * What every console browser test stands on: ops-center (the console served under /console)
 * on the test broker and a fresh PostgreSQL database, Debian's Chromium, and the staff the test
 * signs in as. `consoleTestbed` starts it before the describe's tests and stops it after them.
 */
export class ConsoleTestbed {
  private started?: {
    database: TestDatabase;
    app: NestFastifyApplication;
    browser: Browser;
    base: string;
  };

  private get world(): NonNullable<ConsoleTestbed['started']> {
    if (!this.started) throw new Error('the console testbed is used before its beforeAll');
    return this.started;
  }

  get app(): NestFastifyApplication {
    return this.world.app;
  }
  get browser(): Browser {
    return this.world.browser;
  }
  /** The app's address, http://127.0.0.1:<port>. */
  get base(): string {
    return this.world.base;
  }
  get bus(): MessageBus {
    return this.app.get<MessageBus>(MESSAGE_BUS);
  }
  get sql(): DataSource {
    return this.app.get(DataSource);
  }

  async start(users: readonly ConsoleUser[]): Promise<void> {
    const database = await createTestDatabase();
    this.started = { database, ...(await this.serve(database)) };
    for (const user of users) await this.addUser(user);
  }

  private async serve(
    database: TestDatabase,
  ): Promise<{ app: NestFastifyApplication; browser: Browser; base: string }> {
    const { app } = await startTestApp([OpsCenterModule], {
      DATABASE_URL: database.url,
      KUZET_REGION_FILE: REGION,
      OPS_FEED_POLL_MS: 100,
    });
    const port = await freePort();
    await app.listen(port, '127.0.0.1');
    return { app, browser: await launchBrowser(), base: `http://127.0.0.1:${port}` };
  }

  async stop(): Promise<void> {
    await this.started?.browser.close();
    await this.started?.app.close();
    await this.started?.database.drop();
  }

  addUser(user: ConsoleUser): ReturnType<StaffUserService['create']> {
    return this.app.get(StaffUserService).create(
      {
        username: user.username,
        password: CONSOLE_PASSWORD,
        roles: [...user.roles],
        centreIds: [...user.centreIds],
      },
      'test',
    );
  }

  /** A fresh browser context signed in as `username` once its feed is live (English unless
   * told). */
  signIn(username: string, language: ConsoleLanguage = 'en'): Promise<Page> {
    return openConsole(this.browser, this.base, username, CONSOLE_PASSWORD, language);
  }

  /** Publishes an SOS alarm of `cameraId` as a camera sends it; its event id. */
  async publishAlarm(cameraId: string): Promise<string> {
    const event = sampleEvent('alarm', (e) => {
      e.cameraId = cameraId;
      e.capturedAt = timestampFromDate(new Date());
    });
    await this.bus.publish(TOPICS.cameraEvents, [
      { key: event.cameraId, value: encodeCameraEvent(event) },
    ]);
    return event.eventId;
  }

  /** Publishes a scene-analytics detection as a device's adapter does; the id of the alert it
   * is folded into. */
  async publishDetection(
    cameraId: string,
    detection: Partial<Pick<AnalyticsDetection, 'type' | 'objectCount' | 'zone'>>,
    capturedAt = new Date(),
  ): Promise<string> {
    const value = create(AnalyticsDetectionSchema, { confidence: 1, ...detection });
    const event = create(CameraEventSchema, {
      eventId: randomUUID(),
      cameraId,
      capturedAt: timestampFromDate(capturedAt),
      payload: { case: 'analyticsDetection', value },
    });
    await this.bus.publish(TOPICS.cameraEvents, [
      { key: cameraId, value: encodeCameraEvent(event) },
    ]);
    return analyticsAlertId(cameraId, value, capturedAt);
  }

  /** Publishes a face hit as the matcher does; its hit id (the alert's id). */
  async publishHit(hit: TestHit): Promise<string> {
    const hitId = randomUUID();
    await this.bus.publish(TOPICS.watchlistHits, [watchlistHitMessage(hitId, hit)]);
    return hitId;
  }

  /** Waits until ops-center has stored the alerts `ids`. */
  alertsStored(ids: readonly string[], timeoutMs = 60_000): Promise<void> {
    return waitUntil(
      `alerts ${ids.join(', ')} stored`,
      async () =>
        (await this.sql.getRepository(AlertEntity).countBy({ id: In([...ids]) })) === ids.length,
      { timeoutMs },
    );
  }
}

/** A testbed started before the enclosing describe's tests (with `users`) and stopped after
 * them. */
export function consoleTestbed(users: readonly ConsoleUser[] = []): ConsoleTestbed {
  const testbed = new ConsoleTestbed();
  beforeAll(() => testbed.start(users));
  afterAll(() => testbed.stop());
  return testbed;
}

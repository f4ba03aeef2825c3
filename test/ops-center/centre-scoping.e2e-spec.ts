import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { DataSource, In } from 'typeorm';
import {
  create,
  encodeWatchlistHit,
  timestampFromDate,
  WatchlistHitSchema,
} from '@kuzet/contracts';
import { MESSAGE_BUS, MessageBus, TOPICS } from '@kuzet/messaging';
import { AlertEntity } from '@kuzet/persistence';
import { OpsCenterModule } from '../../apps/ops-center/src/ops-center.module';
import { createTestDatabase, TestDatabase } from '../support/database';
import { startTestApp } from '../support/kuzet-app';
import { SignedInStaff, signInAs } from '../support/staff';
import { waitFor } from '../support/wait';

const REGION = resolve(__dirname, '../../deploy/config/region.yaml');

/** docs/access-and-audit.md, roles: an operator sees and decides the alerts of their centres,
 * a main centre also its district centres'; a supervisor also alerts of cameras no centre
 * owns. Every other alert answers 404, as if it did not exist. Checked on both reads (the
 * list, filtered in SQL, and one alert, filtered in code) against alerts that are known to
 * have arrived. */
describe('alerts are scoped to centres', () => {
  let database: TestDatabase;
  let app: NestFastifyApplication;
  const alertOf: Record<'aktau' | 'munaily' | 'zhanaozen' | 'unrouted', string> = {
    aktau: randomUUID(),
    munaily: randomUUID(),
    zhanaozen: randomUUID(),
    unrouted: randomUUID(),
  };
  let staff: Record<
    'aktauOperator' | 'munailyOperator' | 'zhanaozenOperator' | 'zhanaozenSupervisor',
    SignedInStaff
  >;

  beforeAll(async () => {
    database = await createTestDatabase();
    ({ app } = await startTestApp([OpsCenterModule], {
      DATABASE_URL: database.url,
      KUZET_REGION_FILE: REGION,
    }));
    const now = timestampFromDate(new Date());
    const cameras = {
      aktau: 'aktau-cam-0001',
      munaily: 'munaily-cam-0001', // Munaily is a district centre of Aktau
      zhanaozen: 'zhanaozen-cam-0042',
      unrouted: `unregistered-cam-${randomUUID().slice(0, 8)}`,
    } as const;
    await app.get<MessageBus>(MESSAGE_BUS).publish(
      TOPICS.watchlistHits,
      (Object.keys(cameras) as Array<keyof typeof cameras>).map((where) => ({
        key: cameras[where],
        value: encodeWatchlistHit(
          create(WatchlistHitSchema, {
            hitId: alertOf[where],
            eventId: randomUUID(),
            cameraId: cameras[where],
            personId: randomUUID(),
            watchlistId: randomUUID(),
            similarity: 0.7,
            threshold: 0.4,
            modelId: 'faceplugin-face-recognition-js/fr_feature',
            capturedAt: now,
            matchedAt: now,
            lastSeenAt: now,
            sightingCount: 1,
          }),
        ),
      })),
    );
    const ids = Object.values(alertOf);
    await waitFor(`the alerts of ${ids.length} hits stored`, async () => {
      const stored = await app
        .get(DataSource)
        .getRepository(AlertEntity)
        .countBy({ id: In(ids) });
      return stored === ids.length;
    });
    staff = {
      aktauOperator: await signInAs(app, ['operator'], ['aktau']),
      munailyOperator: await signInAs(app, ['operator'], ['munaily']),
      zhanaozenOperator: await signInAs(app, ['operator'], ['zhanaozen']),
      zhanaozenSupervisor: await signInAs(app, ['supervisor'], ['zhanaozen']),
    };
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  /** Which of this test's alerts the user sees, by the list and one by one (200 or 404). */
  async function visibleTo(who: SignedInStaff) {
    const list = await app.inject({
      method: 'GET',
      url: '/v1/alerts?limit=500',
      headers: who.headers,
    });
    expect(list.statusCode).toBe(200);
    const listed = new Set(
      list.json<{ items: Array<{ id: string }> }>().items.map((alert) => alert.id),
    );
    const result: Record<string, { listed: boolean; detail: number }> = {};
    for (const [where, id] of Object.entries(alertOf)) {
      const detail = await app.inject({
        method: 'GET',
        url: `/v1/alerts/${id}`,
        headers: who.headers,
      });
      result[where] = { listed: listed.has(id), detail: detail.statusCode };
    }
    return result;
  }

  const seen = { listed: true, detail: 200 };
  const hidden = { listed: false, detail: 404 };

  it("shows a main centre's operator its own and its district centres' alerts, nothing else", async () => {
    expect(await visibleTo(staff.aktauOperator)).toEqual({
      aktau: seen,
      munaily: seen,
      zhanaozen: hidden,
      unrouted: hidden,
    });
  });

  it("shows a district centre's operator its own alerts, not its main centre's", async () => {
    expect(await visibleTo(staff.munailyOperator)).toEqual({
      aktau: hidden,
      munaily: seen,
      zhanaozen: hidden,
      unrouted: hidden,
    });
  });

  it('shows a supervisor their centre and the alerts of cameras no centre owns', async () => {
    expect(await visibleTo(staff.zhanaozenSupervisor)).toEqual({
      aktau: hidden,
      munaily: hidden,
      zhanaozen: seen,
      unrouted: seen,
    });
    expect(await visibleTo(staff.zhanaozenOperator)).toEqual({
      aktau: hidden,
      munaily: hidden,
      zhanaozen: seen,
      unrouted: hidden,
    });
  });

  it("lets a main centre decide a district centre's alert, and answers 404 to another centre's decision", async () => {
    const decide = (who: SignedInStaff) =>
      app.inject({
        method: 'POST',
        url: `/v1/alerts/${alertOf.munaily}/decisions`,
        headers: who.headers,
        payload: { action: 'acknowledge' },
      });
    expect((await decide(staff.zhanaozenOperator)).statusCode).toBe(404);
    expect((await decide(staff.aktauOperator)).statusCode).toBe(201);
  });
});

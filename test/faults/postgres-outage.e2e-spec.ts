import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { encodeCameraEvent } from '@kuzet/contracts';
import { sampleViolationEvent } from '@kuzet/contracts/testing';
import { MESSAGE_BUS, MessageBus, TOPICS } from '@kuzet/messaging';
import { resolve } from 'node:path';
import { ViolationsModule } from '../../apps/violations/src/violations.module';
import { createTestDatabase, TestDatabase } from '../support/database';
import { FaultProxy } from '../support/fault-proxy';
import { startTestApp } from '../support/kuzet-app';
import { sleep, waitFor } from '../support/wait';

const REGION_FILE = resolve(__dirname, '../../deploy/config/region.yaml');
const BEFORE = 50;
const DURING = 150;
/** How long PostgreSQL stays unreachable while the backlog builds (a short outage). */
const OUTAGE_MS = 5_000;

/** PostgreSQL unreachable under a backlog (issue 22): the violation log's database is reached
 * through a FaultProxy, which is cut (the shared PostgreSQL itself is never touched) while
 * violations keep arriving on Kafka; the consumer retries without committing, and once the
 * link is back it drains: every published violation stored exactly once. */
describe('PostgreSQL unreachable under a backlog', () => {
  let database: TestDatabase;
  let proxy: FaultProxy;
  let app: NestFastifyApplication;
  let direct: Client;

  beforeAll(async () => {
    database = await createTestDatabase();
    const url = new URL(database.url);
    proxy = new FaultProxy({ host: url.hostname, port: Number(url.port || 5432) });
    url.hostname = '127.0.0.1';
    url.port = String(await proxy.listen());
    ({ app } = await startTestApp([ViolationsModule], {
      DATABASE_URL: url.toString(),
      KUZET_REGION_FILE: REGION_FILE,
    }));
    direct = new Client({ connectionString: database.url });
    await direct.connect();
  });

  afterAll(async () => {
    proxy?.restore();
    await app?.close();
    await direct?.end();
    await proxy?.close();
    await database?.drop();
  });

  const stored = async (ids: readonly string[]) =>
    Number(
      (
        await direct.query<{ n: string }>(
          'SELECT count(*) AS n FROM violation_record WHERE event_id = ANY($1::uuid[])',
          [ids],
        )
      ).rows[0]!.n,
    );

  it('stores every violation once after the outage: published = stored', async () => {
    const bus = app.get<MessageBus>(MESSAGE_BUS);
    const events = Array.from({ length: BEFORE + DURING }, () => {
      const event = sampleViolationEvent();
      event.eventId = randomUUID();
      event.cameraId = 'aktau-cam-0001';
      return event;
    });
    const ids = events.map((e) => e.eventId);
    const publish = (slice: typeof events) =>
      bus.publish(
        TOPICS.cameraEvents,
        slice.map((e) => ({ key: e.cameraId, value: encodeCameraEvent(e) })),
      );

    await publish(events.slice(0, BEFORE));
    await waitFor('the first violations stored', async () => (await stored(ids)) === BEFORE, {
      timeoutMs: 60_000,
    });

    proxy.cut();
    await publish(events.slice(BEFORE));
    // and a redelivery of some already stored, as after a consumer's restart
    await publish(events.slice(0, 10));
    await sleep(OUTAGE_MS);
    const duringOutage = await stored(ids);
    expect(duringOutage).toBeLessThan(BEFORE + DURING);
    expect(proxy.stats.refused).toBeGreaterThan(0); // the app kept trying

    proxy.restore();
    await waitFor('the backlog drained', async () => (await stored(ids)) === BEFORE + DURING, {
      timeoutMs: 120_000,
      intervalMs: 250,
    });
    const [{ records, distinct }] = (
      await direct.query<{ records: number; distinct: number }>(
        `SELECT count(*)::int AS records, count(DISTINCT event_id)::int AS distinct
           FROM violation_record WHERE event_id = ANY($1::uuid[])`,
        [ids],
      )
    ).rows as [{ records: number; distinct: number }];
    expect({ published: ids.length, records, distinct }).toEqual({
      published: BEFORE + DURING,
      records: BEFORE + DURING,
      distinct: BEFORE + DURING,
    });
  });
});

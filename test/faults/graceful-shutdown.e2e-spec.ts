import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { Client } from 'pg';
import { register } from 'prom-client';
import { DataSource } from 'typeorm';
import { encodeCameraEvent } from '@kuzet/contracts';
import { sampleViolationEvent } from '@kuzet/contracts/testing';
import { MESSAGE_BUS, MessageBus, TOPICS } from '@kuzet/messaging';
import { ViolationsModule } from '../../apps/violations/src/violations.module';
import { VIOLATIONS_GROUP } from '../../apps/violations/src/violation-log/violation.consumer';
import { createTestDatabase, TestDatabase } from '../support/database';
import { FaultProxy } from '../support/fault-proxy';
import { startTestApp } from '../support/kuzet-app';
import { suiteGroup } from '../support/transports';
import { waitFor, within } from '../support/wait';

jest.setTimeout(180_000);

const REGION_FILE = resolve(__dirname, '../../deploy/config/region.yaml');
const BACKLOG = 300;
/** Added to every chunk between the app and PostgreSQL, each way: a violation takes a few
 * round trips, so a handler is in flight most of the time and the backlog lasts. */
const DATABASE_DELAY_MS = 40;
const SHUTDOWN_TIMEOUT_MS = 15_000;

async function retriesOf(group: string): Promise<number> {
  const metric = await register.getSingleMetric('kuzet_message_retries_total')?.get();
  return (metric?.values ?? [])
    .filter((v) => v.labels.group === group)
    .reduce((sum, v) => sum + v.value, 0);
}

/**
 * Graceful shutdown with a backlog and a handler in flight (issue 22): the violations app
 * reaches PostgreSQL through a FaultProxy that slows every round trip, a backlog of
 * violations waits on Kafka, and app.close() runs while a handler is writing. The consumers
 * must stop and their handlers finish before TypeORM's DataSource closes: no statement is
 * started on a closed pool, nothing is retried, close() returns within SHUTDOWN_TIMEOUT_MS.
 * A second instance of the app then drains the rest: every violation stored exactly once, the
 * one in flight either committed by the first or redelivered to the second.
 */
describe('graceful shutdown with a backlog and a handler in flight', () => {
  let database: TestDatabase;
  let proxy: FaultProxy;
  let proxiedUrl: string;
  let direct: Client;
  let first: NestFastifyApplication | undefined;
  let second: NestFastifyApplication | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
    const url = new URL(database.url);
    proxy = new FaultProxy({ host: url.hostname, port: Number(url.port || 5432) });
    url.hostname = '127.0.0.1';
    url.port = String(await proxy.listen());
    proxiedUrl = url.toString();
    direct = new Client({ connectionString: database.url });
    await direct.connect();
  });

  afterAll(async () => {
    await first?.close().catch(() => undefined);
    await second?.close();
    await direct?.end();
    await proxy?.close();
    await database?.drop();
  });

  const stored = async (ids: readonly string[]) =>
    (
      await direct.query<{ records: number; distinct: number }>(
        `SELECT count(*)::int AS records, count(DISTINCT event_id)::int AS distinct
           FROM violation_record WHERE event_id = ANY($1::uuid[])`,
        [ids],
      )
    ).rows[0]!;

  it('stops consuming before the database closes, and the next instance drains the rest', async () => {
    ({ app: first } = await startTestApp([ViolationsModule], {
      DATABASE_URL: proxiedUrl,
      KUZET_REGION_FILE: REGION_FILE,
      SHUTDOWN_TIMEOUT_MS,
    }));
    const group = suiteGroup(VIOLATIONS_GROUP);
    const events = Array.from({ length: BACKLOG }, () => {
      const event = sampleViolationEvent();
      event.eventId = randomUUID();
      event.cameraId = 'aktau-cam-0001';
      return event;
    });
    const ids = events.map((e) => e.eventId);
    await first.get<MessageBus>(MESSAGE_BUS).publish(
      TOPICS.cameraEvents,
      events.map((e) => ({ key: e.cameraId, value: encodeCameraEvent(e) })),
    );
    proxy.set({ delayMs: DATABASE_DELAY_MS });
    await waitFor('the first violations stored', async () => (await stored(ids)).records >= 10, {
      timeoutMs: 60_000,
      intervalMs: 50,
    });

    // every statement TypeORM starts takes a connection from the driver: count those asked
    // for once the DataSource has begun to close
    const dataSource = first.get(DataSource);
    const driver = dataSource.driver as unknown as {
      obtainMasterConnection(...args: unknown[]): Promise<unknown>;
    };
    const obtain = driver.obtainMasterConnection.bind(driver);
    let closing = false;
    let afterClose = 0;
    driver.obtainMasterConnection = (...args: unknown[]) => {
      if (closing) afterClose += 1;
      return obtain(...args);
    };
    const destroy = dataSource.destroy.bind(dataSource);
    dataSource.destroy = () => {
      closing = true;
      return destroy();
    };
    const retriesBefore = await retriesOf(group);
    const atClose = await stored(ids);
    const started = Date.now();
    await within('app.close()', first.close(), SHUTDOWN_TIMEOUT_MS);
    const closeMs = Date.now() - started;
    first = undefined;
    const afterFirst = await stored(ids);
    const retriesDuringClose = (await retriesOf(group)) - retriesBefore;
    expect(closing).toBe(true);
    expect(afterFirst.records).toBeLessThan(BACKLOG); // a backlog was left
    expect({ afterClose, retriesDuringClose }).toEqual({ afterClose: 0, retriesDuringClose: 0 });

    proxy.restore();
    ({ app: second } = await startTestApp([ViolationsModule], {
      DATABASE_URL: database.url,
      KUZET_REGION_FILE: REGION_FILE,
    }));
    await waitFor('the rest drained', async () => (await stored(ids)).records === BACKLOG, {
      timeoutMs: 90_000,
      intervalMs: 250,
    });
    const final = await stored(ids);
    process.stderr.write(
      `${JSON.stringify({
        scenario: 'graceful shutdown',
        backlog: BACKLOG,
        storedWhenCloseBegan: atClose.records,
        storedByTheFirst: afterFirst.records,
        closeMs,
        ...final,
      })}\n`,
    );
    expect({ published: ids.length, ...final }).toEqual({
      published: BACKLOG,
      records: BACKLOG,
      distinct: BACKLOG,
    });
  });
});

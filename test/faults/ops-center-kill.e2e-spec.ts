import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Client } from 'pg';
import NodeWebSocket from 'ws';
import { encodeCameraEvent } from '@kuzet/contracts';
import { KafkaMessageBus, TOPICS } from '@kuzet/messaging';
import type { Alert } from '../../apps/ops-center/web/src/lib/api';
import { launchStack, LaunchedProcess, LaunchOptions, runCli, Stack } from '../../deploy/launcher';
import { sampleEvent } from '../ingest/sample-events';
import { createTestDatabase, TestDatabase } from '../support/database';
import { FaultProxy } from '../support/fault-proxy';
import { TEST_AUDIT_CHAIN_KEYS, TEST_JWT_SECRET } from '../support/staff';
import { kafkaBrokers, SUITE_GROUPS } from '../support/transports';
import { sleep, waitFor } from '../support/wait';

jest.setTimeout(240_000);

const REGION = resolve(__dirname, '../../deploy/config/region.yaml');
const BUILT = resolve(__dirname, '../../dist/apps/cli/src/main.js');
/** The seed region's SOS post: its alarms are alerts of the Beineu centre. */
const SOS_CAMERA = 'beineu-sos-0003';
const CENTRE = 'beineu';
const BEFORE_KILL = 20;
const AFTER_KILL = 30;
const ALARMS_PER_SECOND = 5;
const PASSWORD = 'ops-center kill test password';

type FeedStatus = 'connecting' | 'live' | 'offline';

/** The console's LiveFeed (apps/ops-center/web/src/lib/live-feed.ts) as this test uses it: its
 * source is typed against the browser's DOM, which the server's tsconfig does not load. */
interface LiveFeedLike {
  start(fromSeq: number): void;
  stop(): void;
}
type LiveFeedClass = new (
  token: () => string,
  onAlerts: (alerts: readonly Alert[]) => void,
  onStatus: (status: FeedStatus) => void,
) => LiveFeedLike;
const LIVE_FEED_MODULE = '../../apps/ops-center/web/src/lib/live-feed';

/** A console as the browser runs it: the console's own LiveFeed (apps/ops-center/web), with
 * Node's `ws` for the browser's WebSocket and the balancer's address for `location`. */
class Console {
  /** Every alert received, by alert id, with the seqs it came with. */
  readonly received = new Map<string, { eventId: string; seqs: number[] }>();
  readonly statuses: FeedStatus[] = [];
  private readonly feed: LiveFeedLike;

  constructor(LiveFeed: LiveFeedClass, token: string) {
    this.feed = new LiveFeed(
      () => token,
      (alerts: readonly Alert[]) => {
        for (const alert of alerts) {
          const seen = this.received.get(alert.id) ?? { eventId: alert.event_id, seqs: [] };
          seen.seqs.push(alert.seq);
          this.received.set(alert.id, seen);
        }
      },
      (status) => this.statuses.push(status),
    );
    this.feed.start(0);
  }

  get status(): FeedStatus | undefined {
    return this.statuses[this.statuses.length - 1];
  }

  eventIds(): string[] {
    return [...this.received.values()].map((r) => r.eventId);
  }

  stop(): void {
    this.feed.stop();
  }
}

/**
 * An ops-center instance killed with operators connected (issue 22): two ops-center
 * processes (and ingest, which loads the region) launched from the deployment description,
 * consoles connected through a balancer (a FaultProxy in front of the first instance). SOS
 * alarms arrive throughout; the first instance is SIGKILLed, the balancer sends new
 * connections to the second, and each console reconnects and resumes from the last seq it
 * saw. Counts: alarms published = alerts stored = alerts each console got, each alert once.
 */
describe('an ops-center instance killed with operators connected', () => {
  let database: TestDatabase;
  let stack: Stack | undefined;
  let options: LaunchOptions;
  let bus: KafkaMessageBus;
  let balancer: FaultProxy;
  let direct: Client;
  const consoles: Console[] = [];
  const globals = globalThis as unknown as Record<string, unknown>;

  beforeAll(async () => {
    if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: run npm run build first`);
    database = await createTestDatabase();
    options = {
      settings: {
        DATABASE_URL: database.url,
        KAFKA_BROKERS: kafkaBrokers().join(','),
        JWT_SECRET: TEST_JWT_SECRET,
        AUDIT_CHAIN_KEYS: TEST_AUDIT_CHAIN_KEYS,
        KUZET_REGION_FILE: REGION,
      },
      env: {
        ...SUITE_GROUPS,
        KAFKA_TOPIC_PARTITIONS: '3',
        LOG_LEVEL: 'warn',
        // the broker's smallest: the survivor takes the dead instance's partitions sooner
        KAFKA_SESSION_TIMEOUT_MS: '6000',
      },
      replicas: { ingest: 1, matcher: 0, 'ops-center': 2, violations: 0, audit: 0 },
    };
    stack = await launchStack(options);
    bus = new KafkaMessageBus({
      brokers: kafkaBrokers(),
      clientId: 'ops-kill-test',
      defaultPartitions: 3,
      replicationFactor: 1,
    });
    direct = new Client({ connectionString: database.url });
    await direct.connect();
  });

  afterAll(async () => {
    for (const c of consoles) c.stop();
    await balancer?.close();
    await bus?.close();
    await stack?.stop();
    await direct?.end();
    await database?.drop();
    delete globals.location;
    delete globals.WebSocket;
  });

  const instances = (): LaunchedProcess[] => stack!.processes.filter((p) => p.app === 'ops-center');

  async function json(url: string, body: unknown, headers: Record<string, string> = {}) {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async function signIn(base: string, username: string): Promise<string> {
    const login = await json(`${base}/v1/auth/login`, { username, password: PASSWORD });
    expect(login.status).toBe(200);
    return login.body.access_token as string;
  }

  async function publishAlarms(count: number, ids: string[]): Promise<void> {
    for (let i = 0; i < count; i++) {
      const event = sampleEvent('alarm', (e) => (e.cameraId = SOS_CAMERA));
      await bus.publish(TOPICS.cameraEvents, [
        { key: event.cameraId, value: encodeCameraEvent(event) },
      ]);
      ids.push(event.eventId);
      await sleep(1_000 / ALARMS_PER_SECOND);
    }
  }

  const storedAlerts = async (ids: readonly string[]) =>
    (
      await direct.query<{ alerts: number; events: number }>(
        `SELECT count(*)::int AS alerts, count(DISTINCT event_id)::int AS events
           FROM alert WHERE event_id = ANY($1::uuid[])`,
        [ids],
      )
    ).rows[0]!;

  it('the consoles reconnect to the other instance and get what they missed, once', async () => {
    const [first, second] = instances() as [LaunchedProcess, LaunchedProcess];
    const created = await runCli(['users', 'create-admin', '--username', 'kill.admin'], options, {
      KUZET_ADMIN_PASSWORD: PASSWORD,
    });
    expect(created).toMatchObject({ code: 0 });
    const admin = await signIn(first.url, 'kill.admin');
    const tokens: string[] = [];
    for (const username of ['kill.operator.1', 'kill.operator.2']) {
      const user = await json(
        `${first.url}/v1/users`,
        { username, password: PASSWORD, roles: ['operator'], centre_ids: [CENTRE] },
        { authorization: `Bearer ${admin}` },
      );
      expect(user.status).toBe(201);
      tokens.push(await signIn(first.url, username));
    }

    // the groups of this file start at the topics' ends: alarms until one is an alert, so
    // that the alarm consumers hold their partitions before the counted ones
    const warmup: string[] = [];
    await waitFor(
      'the alarm consumers to take alarms',
      async () => {
        await publishAlarms(1, warmup);
        return (await storedAlerts(warmup)).alerts > 0;
      },
      { timeoutMs: 90_000, intervalMs: 1_000 },
    );

    const port = (p: LaunchedProcess) => Number(new URL(p.url).port);
    balancer = new FaultProxy({ host: '127.0.0.1', port: port(first) });
    const balancerPort = await balancer.listen();
    globals.WebSocket = NodeWebSocket;
    globals.location = { protocol: 'http:', host: `127.0.0.1:${balancerPort}` };
    const { LiveFeed } = (await import(LIVE_FEED_MODULE)) as { LiveFeed: LiveFeedClass };
    consoles.push(...tokens.map((token) => new Console(LiveFeed, token)));
    await waitFor('both consoles live', () => consoles.every((c) => c.status === 'live'));

    const published: string[] = [];
    const started = Date.now();
    await publishAlarms(BEFORE_KILL, published);
    await waitFor(
      'the first alarms on both consoles',
      () => consoles.every((c) => published.every((id) => c.eventIds().includes(id))) || undefined,
      { timeoutMs: 60_000 },
    );
    const offlineBefore = consoles.map((c) => c.statuses.filter((s) => s === 'offline').length);

    // SIGKILL: no goodbye on the sockets, no group leave, no commit; the balancer's health
    // check takes the dead instance out
    first.child.kill('SIGKILL');
    balancer.retarget({ host: '127.0.0.1', port: port(second) });
    const killedAt = Date.now();
    await publishAlarms(AFTER_KILL, published);
    await waitFor(
      'every alarm on both consoles',
      () => consoles.every((c) => published.every((id) => c.eventIds().includes(id))) || undefined,
      { timeoutMs: 120_000, intervalMs: 250 },
    );
    const caughtUpMs = Date.now() - killedAt;
    const stored = await storedAlerts(published);
    const perConsole = consoles.map((c, i) => {
      const ours = [...c.received.values()].filter((r) => published.includes(r.eventId));
      return {
        alerts: ours.length,
        events: new Set(ours.map((r) => r.eventId)).size,
        // the same version (id and seq) again: the survivor's poll looks back LOOKBACK_SEQS
        // and has sent nothing on this new socket, so it repeats what the console had
        resent: ours.filter((r) => r.seqs.length > 1).length,
        versions: Math.max(...ours.map((r) => new Set(r.seqs).size)),
        reconnects: c.statuses.filter((s) => s === 'offline').length - offlineBefore[i]!,
      };
    });
    process.stderr.write(
      `${JSON.stringify({
        scenario: 'ops-center instance killed',
        published: published.length,
        ...stored,
        consoles: perConsole,
        secondsTotal: (Date.now() - started) / 1000,
        killToCaughtUpMs: caughtUpMs,
        killed: { signal: first.child.signalCode },
      })}\n`,
    );
    expect(first.child.signalCode).toBe('SIGKILL');
    expect(stored).toEqual({ alerts: published.length, events: published.length });
    for (const counts of perConsole) {
      expect(counts).toEqual({
        alerts: published.length,
        events: published.length,
        resent: counts.resent,
        versions: 1,
        reconnects: counts.reconnects,
      });
      expect(counts.reconnects).toBeGreaterThanOrEqual(1);
    }
    // the survivor served them: its consoles are live on it
    expect(consoles.every((c) => c.status === 'live')).toBe(true);
  });
});

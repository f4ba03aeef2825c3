import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { CAMERA_EVENT_GROUPS } from '@kuzet/messaging';
import { APPS } from '../../deploy/apps';
import { launchStack, LaunchOptions, runCli, Stack } from '../../deploy/launcher';
import { sampleJson } from '../ingest/sample-events';
import { createTestDatabase, TestDatabase } from '../support/database';
import { TEST_AUDIT_CHAIN_KEYS, TEST_JWT_SECRET } from '../support/staff';
import { kafkaBrokers, SUITE_GROUPS, suiteGroup } from '../support/transports';
import { waitFor, waitUntil } from '../support/wait';

const REGION = resolve(__dirname, '../../deploy/config/region.yaml');
const BUILT = resolve(__dirname, '../../dist/apps/cli/src/main.js');
const ADMIN_PASSWORD = 'distributed stack admin password';
const SUPERVISOR_PASSWORD = 'distributed stack supervisor password';

/** The distributed stack exactly as deploy/apps.ts describes it (the same entry point,
 * arguments and settings as the image, the manifests and the compose file), every app its own
 * process on loopback against the test broker and a fresh database: the migrations job first,
 * then ingest, two matchers, ops-center, violations and audit. A camera's violation pushed
 * through ingest's HTTP API is logged by the violations app and shown by ops-center's API. */
describe('distributed stack launched from the deployment description', () => {
  let database: TestDatabase;
  let stack: Stack | undefined;
  let options: LaunchOptions;

  const json = async (
    url: string,
    method: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: unknown }> => {
    const response = await fetch(url, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };

  const signIn = async (base: string, username: string, password: string) => {
    const login = await json(`${base}/v1/auth/login`, 'POST', { username, password });
    expect(login.status).toBe(200);
    return { authorization: `Bearer ${(login.body as { access_token: string }).access_token}` };
  };

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
      env: { ...SUITE_GROUPS, KAFKA_TOPIC_PARTITIONS: '3', LOG_LEVEL: 'warn' },
      // one of each but the matchers: two, as in the compose file
      replicas: { ingest: 1, matcher: 2, 'ops-center': 1, violations: 1, audit: 1 },
    };
    stack = await launchStack(options);
  });

  afterAll(async () => {
    await stack?.stop();
    await database?.drop();
  });

  it('runs every app of the description as its own process, each ready', async () => {
    const apps = new Set(stack!.processes.map((p) => p.app));
    expect([...apps].sort()).toEqual(APPS.map((a) => a.name).sort());
    expect(stack!.processes.filter((p) => p.app === 'matcher')).toHaveLength(2);
    for (const running of stack!.processes) {
      const ready = await json(`${running.url}/health/ready`, 'GET');
      expect({ id: running.id, status: ready.status }).toEqual({ id: running.id, status: 200 });
    }
  });

  it('takes a violation through ingest to the violation log and ops-center API', async () => {
    const ingest = stack!.url('ingest');
    const ops = stack!.url('ops-center');
    const created = await runCli(['users', 'create-admin', '--username', 'stack.admin'], options, {
      KUZET_ADMIN_PASSWORD: ADMIN_PASSWORD,
    });
    expect(created).toMatchObject({ code: 0 });
    const admin = await signIn(ingest, 'stack.admin', ADMIN_PASSWORD);
    const key = await json(
      `${ingest}/v1/api-keys`,
      'POST',
      { integrator_id: 'stack-vendor', label: 'aktau', district_ids: ['aktau-city'] },
      admin,
    );
    expect(key.status).toBe(201);
    const supervisor = await json(
      `${ops}/v1/users`,
      'POST',
      {
        username: 'stack.supervisor',
        password: SUPERVISOR_PASSWORD,
        roles: ['supervisor'],
        centre_ids: ['aktau'],
      },
      admin,
    );
    expect(supervisor.status).toBe(201);

    // this file's groups start at the topics' ends: wait until the violation log's group
    // holds its partitions before the camera sends (the REST page is read from that log)
    const kafka = new Kafka({ brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
    const brokerAdmin = kafka.admin();
    await brokerAdmin.connect();
    try {
      const groups = [suiteGroup(CAMERA_EVENT_GROUPS.violations)];
      await waitUntil(
        'the violation log to hold its partitions',
        async () => {
          const described = await brokerAdmin.describeGroups(groups);
          return described.groups.every((g) => g.state === 'Stable' && g.members.length > 0);
        },
        { timeoutMs: 90_000, intervalMs: 500 },
      );
    } finally {
      await brokerAdmin.disconnect();
    }

    const event = sampleJson('violation', (e) => (e.cameraId = 'aktau-cam-0001'));
    const pushed = await json(
      `${ingest}/v1/events`,
      'POST',
      { events: [event] },
      { 'x-api-key': (key.body as { key: string }).key },
    );
    expect(pushed.status).toBe(202);

    const headers = await signIn(ops, 'stack.supervisor', SUPERVISOR_PASSWORD);
    const shown = await waitFor(
      `violation ${event.eventId} in ops-center's violation feed`,
      async () => {
        const page = await json(`${ops}/v1/ops/violations`, 'GET', undefined, headers);
        const violations = (page.body as { items?: { event_id: string }[] }).items ?? [];
        return violations.find((v) => v.event_id === event.eventId);
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(shown).toMatchObject({ event_id: event.eventId, centre_id: 'aktau' });
  });

  it('stops every process gracefully (exit code 0 on SIGTERM)', async () => {
    const codes = await Promise.all(
      stack!.processes.map(async (p) => ({ id: p.id, code: await p.stop() })),
    );
    expect(codes).toEqual(stack!.processes.map((p) => ({ id: p.id, code: 0 })));
  });
});

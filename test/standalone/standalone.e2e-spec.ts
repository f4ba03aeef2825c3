import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { HOSTILE_DOORS, probeHealthDuring, sendNestedBodies } from '../support/hostile-bodies';
import { freePort, RunningProcess, startNode, waitForHttp } from '../support/process';
import { waitFor } from '../support/wait';

const MAIN = resolve(__dirname, '../../dist/apps/standalone/src/main.js');

/** What a newcomer's `npm start` does: the built standalone process on embedded defaults. */
describe('standalone process (npm start)', () => {
  let dataDir: string;
  let running: RunningProcess;
  let base: string;

  beforeAll(async () => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build (npm test does)`);
    dataDir = mkdtempSync(join(tmpdir(), 'kuzet-standalone-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    running = startNode(MAIN, {
      HTTP_PORT: String(port),
      KUZET_DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      STANDALONE_DATABASE: 'embedded',
    });
    // PGlite compiles its WebAssembly and the demo enrols eight faces: slow on a loaded machine
    await waitForHttp(`${base}/health/live`, (s) => s === 200, 110_000, running);
  });

  afterAll(async () => {
    await running?.stop('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers ready with the embedded database and the in-process transport up', async () => {
    const response = await waitForHttp(`${base}/health/ready`, (s) => s === 200, 30_000, running);
    const body = (await response.json()) as {
      status: string;
      details: Record<string, { status: string; transport?: string }>;
    };
    expect(body.status).toBe('ok');
    expect(body.details.database?.status).toBe('up');
    expect(body.details.messaging).toEqual({ status: 'up', transport: 'in-process' });
  });

  it('serves Prometheus text at /metrics', async () => {
    const response = await fetch(`${base}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toMatch(/^# TYPE kuzet_process_cpu_seconds_total counter$/m);
    expect(text).toMatch(/^# HELP kuzet_messages_consumed_total /m);
  });

  it('writes structured JSON logs and keeps its data under the data directory', () => {
    const lines = running
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'));
    expect(lines.length).toBeGreaterThan(0);
    const started = lines.map((l) => JSON.parse(l) as { msg?: string; service?: string });
    expect(
      started.some((l) => l.service === 'standalone' && /successfully started/.test(l.msg ?? '')),
    ).toBe(true);
    expect(existsSync(join(dataDir, 'pglite'))).toBe(true);
    // the audit chain's key, generated when none is configured (never inside the database)
    expect(existsSync(join(dataDir, 'audit-chain-keys'))).toBe(true);
    // the embedded database's socket directory: only its owner may connect
    expect(statSync(join(dataDir, 'pg')).mode & 0o077).toBe(0);
    expect(existsSync(join(dataDir, 'topics', 'kuzet.camera-events.v1'))).toBe(true);
  });

  it('has no demo accounts unless the demo is asked for, and logs no password', async () => {
    const login = await fetch(`${base}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'operator', password: 'kuzet-demo-operator' }),
    });
    expect(login.status).toBe(401);
    expect(running.output()).not.toMatch(/kuzet-demo-/);
  });

  // how quickly health answers under this attack is measured by npm run bench:hardening; here:
  // the server keeps answering and does not read what it refuses
  it('keeps answering health and stays small while unauthenticated callers send 8 MB of nested arrays', async () => {
    const peakRssKb = (): number =>
      Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${running.child.pid}/status`, 'utf8'))![1]);
    const peakBefore = peakRssKb();
    const { result: answers, healthMs } = await probeHealthDuring(base, () =>
      sendNestedBodies(base, 4),
    );
    for (const [i, answer] of answers.entries()) {
      expect(HOSTILE_DOORS[i % HOSTILE_DOORS.length]!.answers).toContain(answer);
    }
    expect(healthMs.length).toBeGreaterThan(0);
    // every probe answered 200 within the probe's 5 s timeout (null: refused or given up)
    expect(healthMs.filter((ms) => ms === null)).toEqual([]);
    // every body was refused from its headers, before it was read
    expect(peakRssKb() - peakBefore).toBeLessThan(100 * 1024);
  });

  it('shuts down gracefully on SIGTERM with exit code 0', async () => {
    const code = await running.stop('SIGTERM');
    expect(code).toBe(0);
    expect(running.output()).toMatch(/in-process transport closed/);
  });
});

describe('standalone process asked for the demo on an external database', () => {
  it('refuses to start unless a second flag says the database is a throw-away one', async () => {
    const refused = startNode(
      MAIN,
      {
        STANDALONE_DATABASE: 'external',
        KUZET_DATA_DIR: mkdtempSync(join(tmpdir(), 'kuzet-demo-')),
      },
      ['--demo'],
    );
    const exited = new Promise<number | null>((resolve) =>
      refused.child.exitCode !== null
        ? resolve(refused.child.exitCode)
        : refused.child.once('exit', (code) => resolve(code)),
    );
    const gaveUp = new Promise<'still running'>((resolve) =>
      setTimeout(() => resolve('still running'), 60_000).unref(),
    );
    const code = await Promise.race([exited, gaveUp]);
    await refused.stop('SIGKILL');
    expect(code).toBe(1);
    expect(refused.output()).toMatch(/refusing to run the demo on an external database/);
    expect(refused.output()).toMatch(/KUZET_DEMO_EXTERNAL_DATABASE=true/);
  });
});

/** `npm start`'s demo also replays plate reads: the demo's stolen car crosses three Mangystau
 * cameras among cars on no list, and its hit reaches the centre that owns the camera. */
describe('standalone demo (npm start): a stolen car', () => {
  let dataDir: string;
  let running: RunningProcess;
  let base: string;

  beforeAll(async () => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build (npm test does)`);
    dataDir = mkdtempSync(join(tmpdir(), 'kuzet-standalone-demo-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    running = startNode(
      MAIN,
      {
        HTTP_PORT: String(port),
        KUZET_DATA_DIR: dataDir,
        LOG_LEVEL: 'info',
        STANDALONE_DATABASE: 'embedded',
        KUZET_DEMO_INTERVAL_MS: '200',
      },
      ['--demo'],
    );
    // PGlite, eight faces enrolled and the demo lists made before ready: slow on a loaded machine
    await waitForHttp(`${base}/health/ready`, (s) => s === 200, 230_000, running);
  }, 240_000);

  afterAll(async () => {
    await running?.stop('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('shows a vehicle hit at the camera owner centre, with the list entry and the car route', async () => {
    const login = await fetch(`${base}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'operator', password: 'kuzet-demo-operator' }),
    });
    expect(login.status).toBe(200);
    const { access_token: accessToken } = (await login.json()) as { access_token: string };
    const headers = { authorization: `Bearer ${accessToken}` };
    type Alert = { id: string; kind: string; centre_id: string | null; camera_id: string };
    let hits: Alert[] = [];
    await waitFor(
      'a vehicle hit alert from the demo at Aktau',
      async () => {
        const alerts = (
          (await (await fetch(`${base}/v1/alerts?limit=100`, { headers })).json()) as {
            items: Alert[];
          }
        ).items;
        hits = alerts.filter((a) => a.kind === 'vehicle_hit');
        return hits.some((h) => h.camera_id === 'aktau-cam-0001');
      },
      { timeoutMs: 120_000 },
    );
    // the demo operator works for Aktau and Zhanaozen: it sees the hits of Aktau's camera, each
    // at the centre that owns its camera, and none of the other centres'
    const owner: Record<string, string> = {
      'aktau-cam-0001': 'aktau',
      'tupkaragan-cam-0001': 'tupkaragan',
      'mangystau-cam-0001': 'mangystau',
    };
    for (const hit of hits) expect(hit.centre_id).toBe(owner[hit.camera_id]);
    const aktau = hits.find((h) => h.camera_id === 'aktau-cam-0001')!;
    expect(aktau.centre_id).toBe('aktau');
    const detail = (await (await fetch(`${base}/v1/alerts/${aktau.id}`, { headers })).json()) as {
      vehicle: { plate_listed: string; entry: { list_name: string; case_reference: string } };
    };
    expect(detail.vehicle).toMatchObject({
      plate_listed: '512KZD12',
      entry: { list_name: 'Demo: stolen vehicles', case_reference: 'DEMO-KUI-0001' },
    });
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const route = await fetch(`${base}/v1/vehicles/route?plate=512KZD12&from=${from}&to=${to}`, {
      headers,
    });
    expect(route.status).toBe(200);
    const sightings = ((await route.json()) as { sightings: { camera_id: string }[] }).sightings;
    expect(sightings.map((s) => s.camera_id)).toContain('aktau-cam-0001');
  }, 180_000);

  it('shows the scene analytics a camera reports: a crowd in Aktau and dumping in Zhanaozen', async () => {
    const login = await fetch(`${base}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'operator', password: 'kuzet-demo-operator' }),
    });
    const { access_token: accessToken } = (await login.json()) as { access_token: string };
    const headers = { authorization: `Bearer ${accessToken}` };
    type Alert = { kind: string; centre_id: string | null; camera_id: string };
    let detections: Alert[] = [];
    await waitFor(
      'a crowd and a dumping alert from the demo',
      async () => {
        detections = (
          (await (
            await fetch(`${base}/v1/alerts?kind=analytics&limit=100`, { headers })
          ).json()) as {
            items: Alert[];
          }
        ).items;
        const cameras = new Set(detections.map((d) => d.camera_id));
        return cameras.has('aktau-cam-0002') && cameras.has('zhanaozen-cam-0042');
      },
      { timeoutMs: 120_000 },
    );
    for (const d of detections) {
      expect(d.kind).toBe('analytics');
      expect(d.centre_id).toBe(d.camera_id.startsWith('aktau') ? 'aktau' : 'zhanaozen');
    }
  }, 180_000);
});

import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, RunningProcess, startNode, waitForHttp } from '../support/process';

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
    // the embedded database's socket directory: only its owner may connect
    expect(statSync(join(dataDir, 'pg')).mode & 0o077).toBe(0);
    expect(existsSync(join(dataDir, 'topics', 'kuzet.camera-events.v1'))).toBe(true);
  });

  it('shuts down gracefully on SIGTERM with exit code 0', async () => {
    const code = await running.stop('SIGTERM');
    expect(code).toBe(0);
    expect(running.output()).toMatch(/in-process transport closed/);
  });
});

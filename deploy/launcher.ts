import { ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { freePort } from '../test/support/process';
import { waitFor } from '../test/support/wait';
import {
  APPS,
  AppName,
  AppSpec,
  environmentOf,
  IMAGE,
  JobSpec,
  MIGRATIONS,
  PROBES,
  ProcessSpec,
} from './apps';

/** The project's root: `node deploy/start.js` runs from here, as in the image (IMAGE.workdir). */
const ROOT = resolve(__dirname, '..');
const START = resolve(ROOT, IMAGE.entrypoint[1]!);

/** What a deployment supplies: the cluster's Secret and site settings, here on loopback. */
export interface StackSettings {
  readonly DATABASE_URL: string;
  readonly KAFKA_BROKERS: string;
  readonly JWT_SECRET: string;
  readonly AUDIT_CHAIN_KEYS: string;
  /** The region file ingest loads (the cluster mounts it from a ConfigMap). */
  readonly KUZET_REGION_FILE: string;
}

export interface LaunchOptions {
  readonly settings: StackSettings;
  /** Settings on top of every process's (e.g. KAFKA_GROUP_PREFIX, LOG_LEVEL). */
  readonly env?: Readonly<Record<string, string>>;
  /** How many processes of each app (default: the description's replicas, one for audit). */
  readonly replicas?: Partial<Record<AppName, number>>;
  /** How long each process may take to answer ready (the matcher rebuilds its index first). */
  readonly readyTimeoutMs?: number;
}

export interface LaunchedProcess {
  /** `matcher-2`, `ingest-1`... */
  readonly id: string;
  readonly app: AppName;
  readonly child: ChildProcess;
  /** http://127.0.0.1:<its port> */
  readonly url: string;
  output(): string;
  /** SIGTERM, then SIGKILL after the timeout; resolves with the exit code (null: a signal). */
  stop(timeoutMs?: number): Promise<number | null>;
}

export interface Stack {
  readonly processes: readonly LaunchedProcess[];
  /** The first process of the app. */
  url(app: AppName): string;
  stop(): Promise<void>;
}

/** The environment a process of the description starts with on this host: its own settings,
 * the deployment's, and loopback in place of the container's 0.0.0.0. */
function environment(
  spec: ProcessSpec,
  options: LaunchOptions,
  extra: Record<string, string>,
): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ...environmentOf(spec),
    ...options.settings,
    HTTP_HOST: '127.0.0.1',
    KAFKA_REPLICATION_FACTOR: '1',
    ...options.env,
    ...extra,
  };
}

function spawnProcess(spec: ProcessSpec, env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [START, ...spec.args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function collect(child: ChildProcess): () => string {
  let output = '';
  const append = (chunk: Buffer) => {
    output += chunk.toString();
    // the last 256 KB is plenty to say why a process failed
    if (output.length > 512 * 1024) output = output.slice(-256 * 1024);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  return () => output;
}

const exitOf = (child: ChildProcess): Promise<number | null> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((done) => child.once('exit', (code) => done(code)));

/** Runs a job of the description (the migrations) to its end, as the cluster's Job does. */
export async function runJob(
  job: JobSpec,
  options: LaunchOptions,
): Promise<{ code: number | null; output: string }> {
  const child = spawnProcess(job, environment(job, options, {}));
  const output = collect(child);
  const code = await exitOf(child);
  return { code, output: output() };
}

/** `kuzet <args>` from the image's entry point (`node deploy/start.js cli ...`), with the
 * deployment's settings and `env` added. */
export function runCli(
  args: readonly string[],
  options: LaunchOptions,
  env: Readonly<Record<string, string>> = {},
): Promise<{ code: number | null; output: string }> {
  return runJob(
    { ...MIGRATIONS, args: ['cli', ...args] },
    { ...options, env: { ...options.env, ...env } },
  );
}

function launch(app: AppSpec, index: number, port: number, options: LaunchOptions) {
  const id = `${app.name}-${index}`;
  const child = spawnProcess(
    app,
    environment(app, options, {
      HTTP_PORT: String(port),
      // each live instance needs its own (the matcher's index group is named after it)
      KUZET_INSTANCE_ID: `${options.env?.KAFKA_GROUP_PREFIX ?? ''}${id}`,
      KAFKA_CLIENT_ID: `kuzet-${id}`,
    }),
  );
  const output = collect(child);
  const exited = exitOf(child);
  const launched: LaunchedProcess = {
    id,
    app: app.name,
    child,
    url: `http://127.0.0.1:${port}`,
    output,
    async stop(timeoutMs = 30_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
  return launched;
}

async function ready(running: LaunchedProcess, timeoutMs: number): Promise<void> {
  const outcome = await waitFor(
    `${running.id} to answer ${PROBES.ready}`,
    async () => {
      if (running.child.exitCode !== null) return { exited: running.child.exitCode };
      const response = await fetch(`${running.url}${PROBES.ready}`);
      if (response.status !== 200) throw new Error(`status ${response.status}`);
      return { ready: true };
    },
    { timeoutMs, intervalMs: 250 },
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}\n--- ${running.id} output ---\n${running.output()}`);
  });
  if ('exited' in outcome) {
    throw new Error(`${running.id} exited with ${outcome.exited}:\n${running.output()}`);
  }
}

/** The distributed stack as deploy/apps.ts describes it, every process on loopback: the
 * migrations job to its end, then every app (as many of each as asked), each on a free port,
 * until every one answers ready. */
export async function launchStack(options: LaunchOptions): Promise<Stack> {
  const migrated = await runJob(MIGRATIONS, options);
  if (migrated.code !== 0) {
    throw new Error(`migrations exited with ${migrated.code}:\n${migrated.output}`);
  }
  const processes: LaunchedProcess[] = [];
  const stop = async () => {
    await Promise.all(processes.map((p) => p.stop()));
  };
  try {
    for (const app of APPS) {
      const count = options.replicas?.[app.name] ?? app.replicas;
      for (let i = 1; i <= count; i++) {
        processes.push(launch(app, i, await freePort(), options));
      }
    }
    await Promise.all(processes.map((p) => ready(p, options.readyTimeoutMs ?? 180_000)));
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    processes,
    url(app) {
      const first = processes.find((p) => p.app === app);
      if (!first) throw new Error(`no ${app} in this stack`);
      return first.url;
    },
    stop,
  };
}

/**
 * Node-side handle on deploy/kafka/kafka.sh: start, stop and run tools of the project's own
 * single-node Kafka broker (Apache Kafka's Maven Central jars, KRaft, 127.0.0.1 only).
 * Used by the jest global set-up and by bench/transport.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const KAFKA_SCRIPT = path.join(REPO_ROOT, 'deploy', 'kafka', 'kafka.sh');
export const KAFKA_CACHE_DIR = path.join(REPO_ROOT, 'deploy', 'kafka', '.cache');

export interface ScriptResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Copy the script's stderr (its progress lines) to this process's stderr. */
  echoStderr?: boolean;
  /** Kill the script after this long (a bounded wait); default 10 minutes. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** Runs `bash deploy/kafka/kafka.sh ARGS...`, collecting stdout (and stderr). */
export function runKafkaScript(
  args: readonly string[],
  options: RunOptions = {},
): Promise<ScriptResult> {
  const timeoutMs = options.timeoutMs ?? 10 * 60_000;
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [KAFKA_SCRIPT, ...args], {
      cwd: REPO_ROOT,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      if (options.echoStderr) process.stderr.write(chunk);
    });
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(
        new Error(`kafka.sh ${args.join(' ')} did not finish within ${timeoutMs} ms\n${stderr}`),
      );
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

export interface StartOptions {
  port: number;
  /** Data folder; kafka.sh's default (deploy/kafka/.cache/data-<port>) if unset. */
  dataDir?: string;
  /** Wipe the data folder first (fresh topics and groups). */
  fresh?: boolean;
  /** Copy kafka.sh's progress lines (fetch, format, start) to stderr. */
  echo?: boolean;
  /** Seconds kafka.sh waits for the broker to become ready. */
  startTimeoutSeconds?: number;
  /** Broker properties (key=value) after kafka.sh's own, which they override. */
  properties?: readonly string[];
}

export interface LocalBroker {
  port: number;
  /** Bootstrap address for kafkajs, e.g. '127.0.0.1:39092'. */
  brokers: string;
}

/** Starts (or finds running) the local broker on `port`; resolves once it can create topics. */
export async function startLocalBroker(options: StartOptions): Promise<LocalBroker> {
  const args = ['start', '--port', String(options.port)];
  if (options.dataDir) args.push('--data-dir', options.dataDir);
  if (options.fresh) args.push('--fresh');
  if (options.startTimeoutSeconds) args.push('--timeout', String(options.startTimeoutSeconds));
  for (const property of options.properties ?? []) args.push('--set', property);
  const result = await runKafkaScript(args, { echoStderr: options.echo ?? true });
  if (result.code !== 0) {
    const detail = options.echo === false ? `\n${result.stderr}` : '';
    throw new Error(
      `could not start the local Kafka broker on 127.0.0.1:${options.port} (kafka.sh exited ${result.code})${detail}`,
    );
  }
  return { port: options.port, brokers: `127.0.0.1:${options.port}` };
}

/** Stops the broker kafka.sh started on `port` (graceful, then killed after a timeout). */
export async function stopLocalBroker(port: number, echo = true): Promise<void> {
  const result = await runKafkaScript(['stop', '--port', String(port)], {
    echoStderr: echo,
    timeoutMs: 90_000,
  });
  if (result.code !== 0) {
    throw new Error(`could not stop the local Kafka broker on port ${port}:\n${result.stderr}`);
  }
}

/** Whether kafka.sh has a broker running on `port`. */
export async function localBrokerRunning(port: number): Promise<boolean> {
  const result = await runKafkaScript(['status', '--port', String(port)], { timeoutMs: 30_000 });
  return result.code === 0;
}

/** Parses a TCP port from an environment variable, with a default. */
export function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port <= 0 || port >= 65536) {
    throw new Error(`${name}=${raw} is not a TCP port`);
  }
  return port;
}

/** kafka.sh's state folder for the broker on `port` (its pid file, config and logs). */
function stateDir(port: number): string {
  return path.join(KAFKA_CACHE_DIR, `broker-${port}`);
}

/** The pid of the broker JVM kafka.sh started on `port`, from its pid file; null if none. */
export function localBrokerPid(port: number): number | null {
  try {
    const pid = Number(fs.readFileSync(path.join(stateDir(port), 'kafka.pid'), 'utf8'));
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/*
 * Ownership of a test/bench broker port. A run that starts a fresh broker would otherwise
 * stop the broker of another run still using the same port (two developers' `npm test`, or
 * a test run and a benchmark). The owner file holds the pid of the node process using it.
 */
function ownerFile(port: number): string {
  return path.join(stateDir(port), 'owner.pid');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid of another live process that owns the broker on `port`, if any. */
export function liveOwner(port: number): number | undefined {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(ownerFile(port), 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  return alive(pid) ? pid : undefined;
}

/** Whether another live run's broker uses `port` or `port + 1`: each broker listens on its
 * port and its controller on the next, so runs on adjacent ports collide too. */
export function portsTaken(port: number): boolean {
  return [port - 1, port, port + 1].some((owned) => liveOwner(owned) !== undefined);
}

/** First port from `base` (stepping by 10) whose broker and controller ports no live run uses. */
export function unownedPort(base: number, tries = 10): number {
  for (let i = 0, port = base; i < tries; i++, port += 10) {
    if (!portsTaken(port)) return port;
  }
  throw new Error(`ports ${base}..${base + 10 * (tries - 1)} are all used by other live test runs`);
}

export function recordOwner(port: number): void {
  fs.mkdirSync(path.dirname(ownerFile(port)), { recursive: true });
  fs.writeFileSync(ownerFile(port), `${process.pid}\n`);
}

export function releaseOwner(port: number): void {
  try {
    if (Number(fs.readFileSync(ownerFile(port), 'utf8').trim()) === process.pid)
      fs.rmSync(ownerFile(port));
  } catch {
    // nothing recorded
  }
}

import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { waitFor } from './wait';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

export interface RunningProcess {
  readonly child: ChildProcess;
  output(): string;
  /** Sends the signal and resolves with the exit code (null when killed by a signal). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
}

export function startNode(
  script: string,
  env: Record<string, string>,
  args: readonly string[] = [],
): RunningProcess {
  const child = spawn(process.execPath, [script, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return {
    child,
    output: () => output,
    async stop(signal = 'SIGTERM', timeoutMs = 20_000) {
      if (child.exitCode !== null) return child.exitCode;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Polls the URL (with the one waiting helper, ./wait.ts) until its status is accepted; fails
 * at once, with the process's output, if the process exits first. */
export async function waitForHttp(
  url: string,
  accept: (status: number) => boolean,
  timeoutMs: number,
  running?: RunningProcess,
): Promise<Response> {
  const outcome = await waitFor(
    `${url} to answer`,
    async () => {
      if (running && running.child.exitCode !== null) return { exited: running.child.exitCode };
      const response = await fetch(url);
      if (!accept(response.status)) throw new Error(`status ${response.status}`);
      return { response };
    },
    { timeoutMs, intervalMs: 250 },
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}\n${running?.output() ?? ''}`);
  });
  if ('exited' in outcome) {
    throw new Error(`process exited with ${outcome.exited}:\n${running!.output()}`);
  }
  return outcome.response;
}

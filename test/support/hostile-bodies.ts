import { spawn } from 'node:child_process';

/** Polls a URL every 20 ms until its stdin closes, then prints each probe as JSON: the answer's
 * time in ms, or null when the answer was not 200 or did not come within the probe's timeout
 * (5 s, an orchestrator's liveness probe would have given up). */
const HEALTH_PROBE = `
const url = process.argv[1];
const times = [];
let open = true;
process.stdin.on('end', () => (open = false));
process.stdin.resume();
(async () => {
  await fetch(url); // warms the fetch machinery up: not a measurement
  while (open) {
    const started = performance.now();
    const ok = await fetch(url, { signal: AbortSignal.timeout(5000) }).then((r) => r.status === 200, () => false);
    times.push(ok ? performance.now() - started : null);
    await new Promise((r) => setTimeout(r, 20));
  }
  process.stdout.write(JSON.stringify(times));
})();
`;

/** Probes `${base}/health/live` from a process of its own (the caller's event loop, busy with
 * uploads, must not be what it measures) while `during` runs; the probe times in ms, null for
 * a probe that failed. */
export async function probeHealthDuring<T>(
  base: string,
  during: () => Promise<T>,
): Promise<{ result: T; healthMs: Array<number | null> }> {
  const probe = spawn(process.execPath, ['-e', HEALTH_PROBE, `${base}/health/live`], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let output = '';
  probe.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => probe.once('exit', () => resolve()));
  await new Promise((resolve) => setTimeout(resolve, 500));
  const result = await during();
  probe.stdin.end();
  await exited;
  return { result, healthMs: JSON.parse(output) as Array<number | null> };
}

/** What an unauthenticated attacker can send: 8 MB of nested JSON arrays, encoded once so the
 * attacking client does not stall re-encoding it. */
const NESTED = Buffer.from('['.repeat(4_000_000) + ']'.repeat(4_000_000));

/** The four doors tried, each with the answers kuzet may give: refused from its headers (413 or
 * 401) or the connection closed under the upload. */
export const HOSTILE_DOORS = [
  { path: '/v1/auth/login', headers: {}, answers: [413, 'closed'] },
  {
    path: '/v1/alerts/00000000-0000-4000-8000-000000000000/decisions',
    headers: {},
    answers: [413, 'closed'],
  },
  { path: '/v1/events', headers: {}, answers: [401, 'closed'] },
  { path: '/v1/events', headers: { 'x-api-key': 'kzt_not_a_real_key' }, answers: [401, 'closed'] },
] as const;

/** `rounds` × the four doors at once; each answer's status, or 'closed'. */
export function sendNestedBodies(base: string, rounds: number): Promise<Array<number | 'closed'>> {
  return Promise.all(
    Array.from({ length: rounds }).flatMap(() =>
      HOSTILE_DOORS.map((door) =>
        fetch(`${base}${door.path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...door.headers },
          body: NESTED,
        }).then(
          (response) => response.status,
          () => 'closed' as const,
        ),
      ),
    ),
  );
}

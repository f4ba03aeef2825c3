import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';

export interface SignInAnswer {
  readonly status: number;
  readonly retryAfter: string | undefined;
  readonly ms: number;
}

/** Posts a sign-in over real HTTP from a chosen loopback address (127.0.0.0/8 is all local),
 * so that one test can be several clients. */
export function postLogin(
  base: string,
  body: unknown,
  fromAddress = '127.0.0.1',
  path = '/v1/auth/login',
): Promise<SignInAnswer> {
  const started = performance.now();
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}${path}`,
      {
        method: 'POST',
        agent: new Agent({ localAddress: fromAddress }),
        headers: { 'content-type': 'application/json', 'content-length': payload.length },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: res.headers['retry-after'] as string | undefined,
            ms: performance.now() - started,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Runs `during` while 40 connections from `fromAddress` post sign-ins with random usernames,
 * each again as soon as it is answered (the flood starts 1.5 s before `during`). */
export async function floodSignIn<T>(
  base: string,
  fromAddress: string,
  during: () => Promise<T>,
): Promise<{ result: T; flood: SignInAnswer[] }> {
  const state = { stop: false, answers: [] as SignInAnswer[] };
  const connections = Array.from({ length: 40 }, async () => {
    while (!state.stop) {
      state.answers.push(
        await postLogin(
          base,
          { username: `u${randomUUID().slice(0, 12)}`, password: 'x'.repeat(16) },
          fromAddress,
        ),
      );
    }
  });
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  try {
    return { result: await during(), flood: state.answers };
  } finally {
    state.stop = true;
    await Promise.all(connections);
  }
}

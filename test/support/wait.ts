/** The one way tests wait: poll a probe until it yields a value, or fail well before jest's
 * own timeout with a message naming what was awaited and what was last seen. */

export interface WaitOptions {
  /** Give up after this long (default 30 s, a quarter of jest's 120 s timeout). */
  readonly timeoutMs?: number;
  /** Pause between probes (default 100 ms). */
  readonly intervalMs?: number;
}

export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';
}

/**
 * Polls `probe` until it returns something other than `undefined`, `null` or `false`, and
 * returns that. A probe that throws counts as "not yet" (its error is reported on timeout).
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  { timeoutMs = 30_000, intervalMs = 100 }: WaitOptions = {},
): Promise<T> {
  const started = Date.now();
  let last = 'nothing yet';
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value;
      last = `the probe returned ${String(value)}`;
    } catch (error) {
      last = `the probe threw ${error instanceof Error ? error.message : String(error)}`;
    }
    if (Date.now() - started >= timeoutMs) {
      throw new WaitTimeoutError(`timed out after ${timeoutMs} ms waiting for ${what} (${last})`);
    }
    await sleep(intervalMs);
  }
}

/** Polls until the condition holds. */
export async function waitUntil(
  what: string,
  condition: () => boolean | Promise<boolean>,
  options?: WaitOptions,
): Promise<void> {
  await waitFor(what, async () => (await condition()) || undefined, options);
}

/**
 * Resolves with the promise's value, or fails naming what was awaited once the deadline
 * passes: for one-shot events (a socket's close, a child's exit), never a substitute for a
 * condition that can be polled.
 */
export async function within<T>(what: string, promise: Promise<T>, timeoutMs = 30_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new WaitTimeoutError(`timed out after ${timeoutMs} ms waiting for ${what}`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

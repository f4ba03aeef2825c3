import { HttpException, HttpStatus } from '@nestjs/common';

interface Failures {
  count: number;
  windowEndsAt: number;
}

/** Failed sign-ins counted per username and client address in a fixed window: past the
 * limit that pair is refused until the window ends. Per address, so someone guessing from
 * elsewhere cannot lock an operator out of the console; per instance, in memory. */
export class LoginThrottle {
  private readonly failures = new Map<string, Failures>();

  constructor(
    private readonly maxFailures: number,
    private readonly windowMs: number,
  ) {}

  assertMayTry(username: string, clientIp: string, now = Date.now()): void {
    const entry = this.failures.get(keyOf(username, clientIp));
    if (!entry || entry.windowEndsAt <= now || entry.count < this.maxFailures) return;
    const retryAfterSeconds = Math.ceil((entry.windowEndsAt - now) / 1000);
    throw new HttpException(
      {
        statusCode: 429,
        error: 'Too Many Requests',
        message: `too many failed sign-ins for ${username}: try again in ${retryAfterSeconds} s`,
      },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }

  /** Counts a failure; true when it reached the limit just now. */
  failed(username: string, clientIp: string, now = Date.now()): boolean {
    const key = keyOf(username, clientIp);
    const entry = this.failures.get(key);
    if (!entry || entry.windowEndsAt <= now) {
      this.failures.set(key, { count: 1, windowEndsAt: now + this.windowMs });
      this.forgetExpired(now);
      return this.maxFailures === 1;
    }
    entry.count += 1;
    return entry.count === this.maxFailures;
  }

  succeeded(username: string, clientIp: string): void {
    this.failures.delete(keyOf(username, clientIp));
  }

  private forgetExpired(now: number): void {
    if (this.failures.size < 10_000) return;
    for (const [key, entry] of this.failures)
      if (entry.windowEndsAt <= now) this.failures.delete(key);
  }
}

function keyOf(username: string, clientIp: string): string {
  return `${username}\u0000${clientIp}`;
}

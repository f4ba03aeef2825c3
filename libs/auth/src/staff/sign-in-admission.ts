import { TooManyRequestsException } from '@kuzet/http';

export interface SignInAdmissionLimits {
  /** Sign-in attempts one address may start in a minute. */
  readonly perAddressPerMinute: number;
  /** Sign-ins of one address being checked at once. */
  readonly inFlightPerAddress: number;
  /** Password checks at once in this instance. */
  readonly concurrentChecks: number;
  /** Sign-ins that may wait for a password check; more are refused. */
  readonly queuedChecks: number;
}

interface AddressState {
  started: number;
  windowEndsAt: number;
  inFlight: number;
}

const MINUTE_MS = 60_000;
/** Addresses remembered before expired ones are forgotten. */
const SWEEP_AT = 10_000;

/** What one instance lets into the ~0.6 s password check. A password hash is the costliest
 * thing an unauthenticated caller can make kuzet do, so: a rate and a number in flight per
 * client address (one flooding address cannot crowd out the others), and a bounded number of
 * checks at once with a bounded queue (many addresses together cannot pile up unbounded work).
 * Every refusal is a 429 with Retry-After. */
export class SignInAdmission {
  private readonly addresses = new Map<string, AddressState>();
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limits: SignInAdmissionLimits) {}

  /** Admits one sign-in from `clientIp` (or throws 429); call the returned function when it
   * is over, whatever the outcome. */
  enter(clientIp: string, now = Date.now()): () => void {
    let state = this.addresses.get(clientIp);
    if (!state || (state.windowEndsAt <= now && state.inFlight === 0)) {
      if (this.addresses.size >= SWEEP_AT) this.forgetIdle(now);
      state = { started: 0, windowEndsAt: now + MINUTE_MS, inFlight: 0 };
      this.addresses.set(clientIp, state);
    } else if (state.windowEndsAt <= now) {
      state.started = 0;
      state.windowEndsAt = now + MINUTE_MS;
    }
    if (state.started >= this.limits.perAddressPerMinute) {
      throw new TooManyRequestsException(
        (state.windowEndsAt - now) / 1000,
        `too many sign-in attempts from this address: at most ${this.limits.perAddressPerMinute} a minute`,
      );
    }
    if (state.inFlight >= this.limits.inFlightPerAddress) {
      throw new TooManyRequestsException(
        1,
        `sign-ins from this address are already being checked: at most ${this.limits.inFlightPerAddress} at once`,
      );
    }
    state.started += 1;
    state.inFlight += 1;
    const entered = state;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      entered.inFlight -= 1;
    };
  }

  /** Runs a password check when a slot is free; 429 when too many already wait. */
  async check<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.limits.concurrentChecks) {
      if (this.waiting.length >= this.limits.queuedChecks) {
        throw new TooManyRequestsException(1, 'too many sign-ins at once: try again shortly');
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running += 1;
    }
    try {
      return await work();
    } finally {
      // hand the slot straight to the next waiter, so `running` never dips below the demand
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }

  private forgetIdle(now: number): void {
    for (const [address, state] of this.addresses)
      if (state.windowEndsAt <= now && state.inFlight === 0) this.addresses.delete(address);
  }
}

import { TooManyRequestsException } from '@kuzet/http';
import { SignInAdmission } from './sign-in-admission';

const limits = {
  perAddressPerMinute: 3,
  inFlightPerAddress: 2,
  concurrentChecks: 1,
  queuedChecks: 1,
};

describe('SignInAdmission', () => {
  it('admits a few sign-ins a minute per address, each address on its own', () => {
    const admission = new SignInAdmission(limits);
    const t0 = 1_000_000;
    for (let i = 0; i < 3; i++) admission.enter('10.0.0.1', t0)();
    expect(() => admission.enter('10.0.0.1', t0 + 1)).toThrow(TooManyRequestsException);
    admission.enter('10.0.0.2', t0 + 1)();
    admission.enter('10.0.0.1', t0 + 60_000)();
  });

  it('refuses a third sign-in of one address while two are being checked', () => {
    const admission = new SignInAdmission({ ...limits, perAddressPerMinute: 100 });
    const first = admission.enter('a');
    admission.enter('a');
    let refused: unknown;
    try {
      admission.enter('a');
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(TooManyRequestsException);
    expect((refused as TooManyRequestsException).retryAfterSeconds).toBeGreaterThan(0);
    first();
    first(); // leaving twice frees one place only
    admission.enter('a');
    expect(() => admission.enter('a')).toThrow(TooManyRequestsException);
  });

  it('runs one check at a time here, queues one, and refuses the rest', async () => {
    const admission = new SignInAdmission(limits);
    const order: string[] = [];
    let release!: () => void;
    const first = admission.check(
      () => new Promise<void>((resolve) => (release = () => (order.push('first'), resolve()))),
    );
    const second = admission.check(async () => void order.push('second'));
    await expect(admission.check(async () => undefined)).rejects.toBeInstanceOf(
      TooManyRequestsException,
    );
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(['first', 'second']);
    await admission.check(async () => undefined);
  });
});

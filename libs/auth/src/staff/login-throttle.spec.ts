import { HttpException } from '@nestjs/common';
import { LoginThrottle } from './login-throttle';

describe('LoginThrottle', () => {
  it('refuses a username and address after the limit until the window ends', () => {
    const throttle = new LoginThrottle(3, 60_000);
    const t0 = 1_000_000;
    expect(throttle.failed('dana', '10.0.0.1', t0)).toBe(false);
    expect(throttle.failed('dana', '10.0.0.1', t0 + 1)).toBe(false);
    throttle.assertMayTry('dana', '10.0.0.1', t0 + 2);
    expect(throttle.failed('dana', '10.0.0.1', t0 + 2)).toBe(true);
    expect(() => throttle.assertMayTry('dana', '10.0.0.1', t0 + 3)).toThrow(HttpException);
    throttle.assertMayTry('dana', '10.0.0.2', t0 + 3);
    throttle.assertMayTry('aida', '10.0.0.1', t0 + 3);
    throttle.assertMayTry('dana', '10.0.0.1', t0 + 60_000);
  });

  it('forgets the failures of a pair that then signs in', () => {
    const throttle = new LoginThrottle(2, 60_000);
    throttle.failed('dana', 'ip', 0);
    throttle.succeeded('dana', 'ip');
    expect(throttle.failed('dana', 'ip', 1)).toBe(false);
  });
});

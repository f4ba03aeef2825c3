import fc from 'fast-check';
import { mayScrape } from './scrape-access';

const TOKEN = 'a-metrics-token-of-at-least-32-characters';

describe('who may scrape /metrics', () => {
  it('without a token: loopback callers only, never a forwarded or remote address', () => {
    expect(mayScrape(undefined, undefined, '127.0.0.1')).toBe(true);
    expect(mayScrape(undefined, undefined, '::1')).toBe(true);
    expect(mayScrape(undefined, undefined, '::ffff:127.0.0.1')).toBe(true);
    expect(mayScrape(undefined, undefined, '10.0.0.7')).toBe(false);
    expect(mayScrape(undefined, undefined, '::ffff:10.0.0.7')).toBe(false);
    expect(mayScrape(undefined, `Bearer ${TOKEN}`, '10.0.0.7')).toBe(false);
    expect(mayScrape(undefined, undefined, undefined)).toBe(false);
  });

  it('with a token: exactly that bearer token, from anywhere, loopback included', () => {
    expect(mayScrape(TOKEN, `Bearer ${TOKEN}`, '10.0.0.7')).toBe(true);
    expect(mayScrape(TOKEN, undefined, '127.0.0.1')).toBe(false);
    expect(mayScrape(TOKEN, TOKEN, '10.0.0.7')).toBe(false);
    fc.assert(
      fc.property(fc.string(), (other) => {
        fc.pre(other !== TOKEN);
        return !mayScrape(TOKEN, `Bearer ${other}`, '127.0.0.1');
      }),
    );
  });
});

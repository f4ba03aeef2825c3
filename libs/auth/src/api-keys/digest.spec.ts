import fc from 'fast-check';
import {
  checkDigestNonce,
  digestChallenges,
  digestHa1,
  digestNonceIssuedAt,
  digestResponseMatches,
  issueDigestNonce,
  parseDigestAuthorization,
} from './digest';
import { createApiKeySchema } from './api-key.schemas';

/** RFC 7616 section 3.9.1: Mufasa, "Circle of Life", GET /dir/index.html. */
const RFC = {
  username: 'Mufasa',
  password: 'Circle of Life',
  realm: 'http-auth@example.org',
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
  cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  uri: '/dir/index.html',
};

function header(algorithm: 'MD5' | 'SHA-256', response: string): string {
  return `Digest username="${RFC.username}", realm="${RFC.realm}", uri="${RFC.uri}", algorithm=${algorithm}, nonce="${RFC.nonce}", nc=00000001, cnonce="${RFC.cnonce}", qop=auth, response="${response}", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`;
}

describe('HTTP Digest (RFC 7616)', () => {
  it.each([
    ['MD5', '8ca523f5e9506fed4657c9700eebdbec'],
    ['SHA-256', '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1'],
  ] as const)("checks the RFC's %s example", (algorithm, response) => {
    const credentials = parseDigestAuthorization(header(algorithm, response));
    expect(credentials).toMatchObject({ username: 'Mufasa', algorithm, nc: '00000001' });
    const ha1 = digestHa1(algorithm, RFC.username, RFC.password, RFC.realm);
    expect(digestResponseMatches(credentials!, ha1, 'GET')).toBe(true);
    expect(digestResponseMatches(credentials!, ha1, 'POST')).toBe(false);
    const wrong = digestHa1(algorithm, RFC.username, 'Circle of life', RFC.realm);
    expect(digestResponseMatches(credentials!, wrong, 'GET')).toBe(false);
  });

  it('refuses what is not Digest with qop=auth and a known algorithm', () => {
    expect(parseDigestAuthorization('Basic YTpi')).toBeNull();
    expect(
      parseDigestAuthorization(header('MD5', 'x').replace('qop=auth', 'qop=auth-int')),
    ).toBeNull();
    expect(parseDigestAuthorization(header('MD5', 'x').replace('MD5', 'SHA-512-256'))).toBeNull();
    expect(parseDigestAuthorization(header('MD5', 'x').replace(/cnonce="[^"]*", /, ''))).toBeNull();
    expect(parseDigestAuthorization(undefined)).toBeNull();
  });

  it('issues nonces that expire and cannot be forged', () => {
    const now = 1_800_000_000_000;
    const nonce = issueDigestNonce('s'.repeat(32), now);
    expect(checkDigestNonce('s'.repeat(32), nonce, now + 1000)).toBe('valid');
    expect(checkDigestNonce('s'.repeat(32), nonce, now + 60_000)).toBe('valid');
    // a minute, no longer: what is seen on the wire is worth little for long
    expect(checkDigestNonce('s'.repeat(32), nonce, now + 60_001)).toBe('stale');
    expect(digestNonceIssuedAt(nonce)).toBe(now);

    expect(checkDigestNonce('t'.repeat(32), nonce, now + 1000)).toBe('invalid');
    const [issued, mac] = nonce.split('.');
    expect(checkDigestNonce('s'.repeat(32), `${Number(issued) + 60_000}.${mac}`, now)).toBe(
      'invalid',
    );
    // SHA-256 only, so a man in the middle has no MD5 challenge to leave in place of it
    expect(digestChallenges('s'.repeat(32), true, now)).toEqual([
      `Digest realm="kuzet", qop="auth", algorithm=SHA-256, nonce="${nonce}", stale=true`,
    ]);
    // MD5 too while some key was issued for old firmware
    expect(digestChallenges('s'.repeat(32), false, now, true)).toEqual([
      `Digest realm="kuzet", qop="auth", algorithm=SHA-256, nonce="${nonce}"`,
      `Digest realm="kuzet", qop="auth", algorithm=MD5, nonce="${nonce}"`,
    ]);
  });

  it('issues keys without Digest unless asked, and MD5 only with Digest', () => {
    const key = { integrator_id: 'x', label: 'y', district_ids: ['aktau-city'] };
    expect(createApiKeySchema.parse(key)).toMatchObject({ digest: false, digest_md5: false });
    expect(createApiKeySchema.parse({ ...key, digest: true, digest_md5: true })).toMatchObject({
      digest: true,
      digest_md5: true,
    });
    const md5Alone = createApiKeySchema.safeParse({ ...key, digest_md5: true });
    expect(md5Alone.error?.issues).toEqual([
      expect.objectContaining({ path: ['digest_md5'], params: { rule: 'needs_digest' } }),
    ]);
  });

  it('never throws on arbitrary headers and nonces', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        parseDigestAuthorization(s);
        parseDigestAuthorization(`Digest ${s}`);
        expect(['valid', 'stale', 'invalid']).toContain(checkDigestNonce('k'.repeat(32), s));
      }),
      { numRuns: 500 },
    );
  });
});

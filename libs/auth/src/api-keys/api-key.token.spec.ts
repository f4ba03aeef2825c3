import {
  generateApiKeyToken,
  hashApiKeySecret,
  parseApiKeyToken,
  secretMatches,
} from './api-key.token';

describe('API key tokens', () => {
  it('round-trips a generated key through parsing, and only its own secret matches its hash', () => {
    const first = generateApiKeyToken();
    const second = generateApiKeyToken();
    expect(first.token).toMatch(/^kzt_[a-z0-9]{16}_[A-Za-z0-9_-]{43}$/);
    expect(first.id).not.toBe(second.id);
    expect(parseApiKeyToken(first.token)).toEqual({ id: first.id, secret: first.secret });
    const stored = hashApiKeySecret(first.secret);
    expect(secretMatches(first.secret, stored)).toBe(true);
    expect(secretMatches(second.secret, stored)).toBe(false);
  });

  it('rejects anything that is not a kuzet key', () => {
    for (const token of [
      '',
      'kzt_',
      'Bearer x',
      `kzt_${'a'.repeat(16)}_short`,
      `kzt_ABC_${'a'.repeat(43)}`,
    ]) {
      expect(parseApiKeyToken(token)).toBeNull();
    }
  });
});

import { loadConfig } from '@kuzet/config';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditRecord, chainHash } from './audit-chain';
import {
  AUDIT_CHAIN_KEYS_FILE,
  AuditKeyringError,
  keyringFrom,
  parseKeyring,
  resolveAuditKeyring,
} from './audit-keyring';

const SECRET_A = 'a'.repeat(32);
const SECRET_B = 'b:c'.repeat(11);

describe('audit chain keyring', () => {
  it('reads id:secret pairs, a secret keeping any colons after the first', () => {
    const keys = parseKeyring(`2026-01:${SECRET_A}, 2026-07:${SECRET_B}`);
    expect([...keys.keys()]).toEqual(['2026-01', '2026-07']);
    expect(keys.get('2026-07')!.toString()).toBe(SECRET_B);
  });

  it.each([
    ['a short secret', `k1:${'x'.repeat(31)}`, /at least 32 characters/],
    ['no id', `:${SECRET_A}`, /the id must be/],
    ['no colon', SECRET_A, /the id must be/],
    ['a bad id', `k 1:${SECRET_A}`, /the id must be/],
    ['a repeated id', `k1:${SECRET_A},k1:${SECRET_B}`, /k1 appears twice/],
  ])('refuses %s', (_, text, message) => {
    expect(() => parseKeyring(text)).toThrow(message);
  });

  it('signs with the named key, and needs a name when it holds several', () => {
    const text = `old:${SECRET_A},new:${SECRET_B}`;
    expect(keyringFrom(text, 'new').sign(Buffer.alloc(32)).keyId).toBe('new');
    expect(keyringFrom(`only:${SECRET_A}`).currentKeyId).toBe('only');
    expect(() => keyringFrom(text)).toThrow(/AUDIT_CHAIN_KEY_ID is not set/);
    expect(() => keyringFrom(text, 'other')).toThrow(/other is not in the keyring/);
  });

  it('verifies a MAC with any key of the ring, and names an unknown key', () => {
    const hash = Buffer.alloc(32, 7);
    const { keyId, mac } = keyringFrom(`old:${SECRET_A}`).sign(hash);
    const rotated = keyringFrom(`old:${SECRET_A},new:${SECRET_B}`, 'new');
    expect(rotated.check(keyId, hash, mac)).toBe('ok');
    expect(keyringFrom(`new:${SECRET_B}`).check(keyId, hash, mac)).toBe('unknown-key');
    // the same id with another secret: a forger who guessed the id
    expect(keyringFrom(`old:${SECRET_B}`).check(keyId, hash, mac)).toBe('mismatch');
  });

  it('refuses to run in distributed mode without a key', () => {
    expect(() => resolveAuditKeyring(loadConfig({}), { create: true })).toThrow(
      /AUDIT_CHAIN_KEYS is not set/,
    );
    expect(() =>
      resolveAuditKeyring(loadConfig({ AUDIT_CHAIN_KEYS: `k1:${SECRET_A}` }), { create: true }),
    ).not.toThrow();
    expect(() => loadConfig({ AUDIT_CHAIN_KEYS: 'k1:short' })).toThrow(/AUDIT_CHAIN_KEYS/);
  });

  it('keeps a generated key under KUZET_DATA_DIR in standalone mode, and the CLI never makes one', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kuzet-keyring-'));
    try {
      const config = loadConfig({ KUZET_MODE: 'standalone', KUZET_DATA_DIR: dataDir });
      expect(() => resolveAuditKeyring(config, { create: false })).toThrow(AuditKeyringError);
      const first = resolveAuditKeyring(config, { create: true });
      const file = join(dataDir, AUDIT_CHAIN_KEYS_FILE);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readFileSync(file, 'utf8')).toMatch(/^local-\d{8}:\S{64}\n$/);
      const again = resolveAuditKeyring(config, { create: false });
      const hash = Buffer.alloc(32, 1);
      const signed = first.sign(hash);
      expect(again.check(signed.keyId, hash, signed.mac)).toBe('ok');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('signed audit rows', () => {
  // k2 has k1's secret: a row relabelled k2 must fail on the key id alone
  const keyring = keyringFrom(`k1:${SECRET_A},k2:${SECRET_A}`, 'k1');

  const record = fc.record({
    seq: fc.integer({ min: 1, max: 2 ** 40 }),
    occurredAt: fc.date({
      min: new Date('2000-01-01T00:00:00Z'),
      max: new Date('2100-01-01T00:00:00Z'),
      noInvalidDate: true,
    }),
    actor: fc.string({ minLength: 1 }),
    action: fc.string({ minLength: 1 }),
    subjectType: fc.string({ minLength: 1 }),
    subjectId: fc.string({ minLength: 1 }),
    details: fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.boolean())),
  });

  interface Row {
    readonly prevHash: Buffer;
    readonly record: AuditRecord;
    readonly keyId: string;
    readonly mac: Buffer;
  }

  const verifies = (row: Row): boolean =>
    keyring.check(row.keyId, chainHash(row.prevHash, row.record), row.mac) === 'ok';

  const flipByte = (bytes: Buffer, index: number, xor: number): Buffer => {
    const copy = Buffer.from(bytes);
    copy[index % copy.length]! ^= xor;
    return copy;
  };
  /** One byte of the field's UTF-8 text changed, kept valid text. */
  const changeText = (text: string, index: number): string => {
    const at = index % text.length;
    const code = text.charCodeAt(at);
    return (
      text.slice(0, at) + String.fromCharCode(code === 0x41 ? 0x42 : 0x41) + text.slice(at + 1)
    );
  };

  it('fails verification after any single change of any field, the key id or the MAC', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        record,
        fc.constantFrom(
          'prevHash',
          'seq',
          'occurredAt',
          'actor',
          'action',
          'subjectType',
          'subjectId',
          'details',
          'keyId',
          'mac',
        ),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (prev, rec, field, index, xor) => {
          const prevHash = Buffer.from(prev);
          const signed = keyring.sign(chainHash(prevHash, rec));
          const row: Row = { prevHash, record: rec, ...signed };
          expect(verifies(row)).toBe(true);
          const r = row.record;
          const changed: Row = (() => {
            switch (field) {
              case 'prevHash':
                return { ...row, prevHash: flipByte(prevHash, index, xor) };
              case 'mac':
                return { ...row, mac: flipByte(row.mac, index, xor) };
              case 'keyId':
                return { ...row, keyId: 'k2' };
              case 'seq':
                return { ...row, record: { ...r, seq: r.seq ^ xor } };
              case 'occurredAt':
                return {
                  ...row,
                  record: { ...r, occurredAt: new Date(r.occurredAt.getTime() ^ xor) },
                };
              case 'details':
                return { ...row, record: { ...r, details: { ...r.details, [`x${index}`]: xor } } };
              default:
                return { ...row, record: { ...r, [field]: changeText(r[field], index) } };
            }
          })();
          expect(verifies(changed)).toBe(false);
        },
      ),
    );
  });
});

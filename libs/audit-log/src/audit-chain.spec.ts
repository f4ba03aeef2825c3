import { canonicalEncoding, canonicalJson, chainHash, GENESIS_HASH, jsonSafe } from './audit-chain';
import { keyringFrom, rowMac } from './audit-keyring';

const record = {
  seq: 1,
  occurredAt: new Date('2026-03-01T08:00:00.123Z'),
  actor: 'auditor-aida',
  action: 'audit.query',
  subjectType: 'hits',
  subjectId: '*',
  details: { b: [2, { z: 1, a: null }], a: 'x', skipped: undefined, at: new Date(0) },
};

describe('audit chain encoding', () => {
  it('sorts keys at every depth, drops undefined and writes dates as ISO text', () => {
    expect(canonicalJson(jsonSafe(record.details))).toBe(
      '{"a":"x","at":"1970-01-01T00:00:00.000Z","b":[2,{"a":null,"z":1}]}',
    );
  });

  it('hashes a row the same however its details were ordered or read back', () => {
    const reordered = {
      ...record,
      details: { at: '1970-01-01T00:00:00.000Z', a: 'x', b: [2, { a: null, z: 1 }] },
    };
    expect(canonicalEncoding(reordered)).toBe(canonicalEncoding(record));
    expect(chainHash(GENESIS_HASH, reordered)).toEqual(chainHash(GENESIS_HASH, record));
  });

  it('changes the hash when any field or the previous hash changes', () => {
    const base = chainHash(GENESIS_HASH, record);
    expect(chainHash(GENESIS_HASH, { ...record, actor: 'mallory' })).not.toEqual(base);
    expect(chainHash(GENESIS_HASH, { ...record, seq: 2 })).not.toEqual(base);
    expect(
      chainHash(GENESIS_HASH, { ...record, details: { ...record.details, a: 'y' } }),
    ).not.toEqual(base);
    expect(chainHash(Buffer.alloc(32, 1), record)).not.toEqual(base);
  });
});

/** Every chain already written depends on these bytes: a change to the encoding, the hash or
 * the MAC must fail here, not pass silently while every existing chain stops verifying. The
 * expected values were computed independently (Python hashlib and hmac) from the definition in
 * docs/access-and-audit.md. */
describe('audit chain pinned values', () => {
  const pinned = {
    seq: 1,
    occurredAt: new Date('2026-03-01T08:00:00.123Z'),
    actor: 'operator-dana',
    action: 'alert.confirm',
    subjectType: 'alert',
    subjectId: '7d0c6f2e-1a5b-4c1e-9f0a-3b2d1c0e9f8a',
    details: {
      state: 'confirmed',
      reason: 'same person, café «Бриз»',
      score: 0.71,
      nested: { b: [1, null, true], a: 'x' },
    },
  };
  const HASH_1 = '9d19ad1a9a4c301e725c291f8b1832fb57f38bd685ec5a5ce658ea7924928697';

  it('encodes a row as the documented canonical JSON', () => {
    expect(canonicalEncoding(pinned)).toBe(
      '{"action":"alert.confirm","actor":"operator-dana","details":{"nested":{"a":"x","b":[1,null,true]},' +
        '"reason":"same person, café «Бриз»","score":0.71,"state":"confirmed"},' +
        '"occurredAt":"2026-03-01T08:00:00.123Z","seq":1,' +
        '"subjectId":"7d0c6f2e-1a5b-4c1e-9f0a-3b2d1c0e9f8a","subjectType":"alert"}',
    );
  });

  it('hashes row 1 from 32 zero bytes and row 2 from row 1 to known SHA-256 values', () => {
    expect(GENESIS_HASH).toEqual(Buffer.alloc(32));
    const first = chainHash(GENESIS_HASH, pinned);
    expect(first.toString('hex')).toBe(HASH_1);
    expect(
      chainHash(first, { ...pinned, seq: 2, action: 'alert.view', details: {} }).toString('hex'),
    ).toBe('f4f05912acd112554fed801ce21d1f6aac33a099590b246d32331c5ed33cf232');
  });

  it('signs a known hash to a known HMAC-SHA256 under the key id', () => {
    const key = Buffer.from('pinned-test-key-0123456789abcdef0123', 'utf8');
    expect(rowMac(key, 'k1', Buffer.from(HASH_1, 'hex')).toString('hex')).toBe(
      '3b61aa02c55ce395baea804c4b5500b71974443fed6340220cbeecf2b779bbb4',
    );
    const ring = keyringFrom('k1:pinned-test-key-0123456789abcdef0123');
    expect(ring.sign(Buffer.from(HASH_1, 'hex')).mac.toString('hex')).toBe(
      '3b61aa02c55ce395baea804c4b5500b71974443fed6340220cbeecf2b779bbb4',
    );
  });
});

import { canonicalEncoding, canonicalJson, chainHash, GENESIS_HASH, jsonSafe } from './audit-chain';

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

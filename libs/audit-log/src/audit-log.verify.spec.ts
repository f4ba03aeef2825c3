import { KuzetConfig } from '@kuzet/config';
import { AuditLogEntryEntity } from '@kuzet/persistence';
import { EntityManager } from 'typeorm';
import { chainHash } from './audit-chain';
import { AuditCheckpoint } from './audit-checkpoint';
import { keyringFrom } from './audit-keyring';
import { AuditLogRepository, ChainHead } from './audit-log.repository';
import { AuditLogService, ChainVerification } from './audit-log.service';

const KEYS = 'k1:audit-chain-unit-test-key-0123456789abcdef';

/** The table as rows in memory, in the repository's shape: the service's own append writes
 * them, and the tests then tamper with them as someone with database access would. */
class RowsInMemory {
  rows: AuditLogEntryEntity[] = [];
  private readonly manager = {
    queryRunner: { isTransactionActive: true },
  } as unknown as EntityManager;

  readonly repository = {
    transaction: <T>(work: (manager: EntityManager) => Promise<T>): Promise<T> =>
      work(this.manager),
    lockChainHead: async (): Promise<ChainHead | null> => {
      const last = this.sorted().at(-1);
      return last ? { seq: last.seq, hash: last.hash, keyId: last.keyId } : null;
    },
    insert: async (entry: AuditLogEntryEntity): Promise<void> => {
      this.rows.push(entry);
    },
    lastRow: async (): Promise<AuditLogEntryEntity | null> => this.sorted().at(-1) ?? null,
    pageAfter: async (afterSeq: number, limit: number): Promise<AuditLogEntryEntity[]> =>
      this.sorted()
        .filter((row) => row.seq > afterSeq)
        .slice(0, limit),
  } as unknown as AuditLogRepository;

  sorted(): AuditLogEntryEntity[] {
    return [...this.rows].sort((a, b) => a.seq - b.seq);
  }

  row(seq: number): AuditLogEntryEntity {
    const found = this.rows.find((row) => row.seq === seq);
    if (!found) throw new Error(`no row ${seq}`);
    return found;
  }
}

function serviceOver(memory: RowsInMemory, legacyRows = 0, keys = KEYS): AuditLogService {
  return new AuditLogService(memory.repository, keyringFrom(keys), {
    AUDIT_CHAIN_LEGACY_ROWS: legacyRows,
  } as KuzetConfig);
}

async function chainOf(length: number): Promise<{ memory: RowsInMemory; audit: AuditLogService }> {
  const memory = new RowsInMemory();
  const audit = serviceOver(memory);
  for (let i = 1; i <= length; i++) {
    await audit.append({
      actor: 'operator-dana',
      action: 'alert.confirm',
      subjectType: 'alert',
      subjectId: `alert-${i}`,
      details: { i },
    });
  }
  return { memory, audit };
}

/** A row as a holder of the key writes it: hashed after `prevHash` and signed. */
function forged(seq: number, prevHash: Buffer, subjectId: string): AuditLogEntryEntity {
  const record = {
    seq,
    occurredAt: new Date('2026-03-01T08:00:00.000Z'),
    actor: 'mallory',
    action: 'alert.confirm',
    subjectType: 'alert',
    subjectId,
    details: {},
  };
  const hash = chainHash(prevHash, record);
  return Object.assign(new AuditLogEntryEntity(), {
    ...record,
    prevHash,
    hash,
    ...keyringFrom(KEYS).sign(hash),
  });
}

const broken = (result: ChainVerification) => ({ ok: result.ok, firstBroken: result.firstBroken });

describe('audit chain verification: links between rows', () => {
  it('passes an intact chain and reports its head as the last row', async () => {
    const { memory, audit } = await chainOf(5);
    const result = await audit.verifyChain();
    expect(result).toMatchObject({ ok: true, rowsChecked: 5, unsignedRows: 0 });
    expect(result.firstBroken).toBeUndefined();
    expect(result.head).toMatchObject({
      seq: 5,
      hash: memory.row(5).hash.toString('hex'),
      mac: memory.row(5).mac!.toString('hex'),
      keyId: 'k1',
    });
    expect(memory.sorted().map((row) => row.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(memory.row(2).prevHash).toEqual(memory.row(1).hash);
  });

  it('names a row removed from the middle by its missing seq', async () => {
    const { memory, audit } = await chainOf(5);
    memory.rows = memory.rows.filter((row) => row.seq !== 3);
    expect(broken(await audit.verifyChain())).toEqual({
      ok: false,
      firstBroken: { seq: 4, reason: 'row 3 is missing: the next row is 4' },
    });
  });

  it('names the first row removed when the chain starts late', async () => {
    const { memory, audit } = await chainOf(3);
    memory.rows = memory.rows.filter((row) => row.seq !== 1);
    expect(broken(await audit.verifyChain())).toEqual({
      ok: false,
      firstBroken: { seq: 2, reason: 'row 1 is missing: the next row is 2' },
    });
  });

  it('names the row after a signed row inserted in the middle: its prev_hash no longer links', async () => {
    const { memory, audit } = await chainOf(5);
    // a key holder slips a row in after row 2 and shifts the later rows up by one
    for (const row of memory.rows) if (row.seq >= 3) row.seq += 1;
    memory.rows.push(forged(3, memory.row(2).hash, 'inserted'));
    expect(broken(await audit.verifyChain())).toEqual({
      ok: false,
      firstBroken: { seq: 4, reason: 'prev_hash does not match the hash of row 3' },
    });
  });

  it('names two rows swapped in order by the prev_hash of the first', async () => {
    const { memory, audit } = await chainOf(5);
    const [third, fourth] = [memory.row(3), memory.row(4)];
    [third.seq, fourth.seq] = [4, 3];
    expect(broken(await audit.verifyChain())).toEqual({
      ok: false,
      firstBroken: { seq: 3, reason: 'prev_hash does not match the hash of row 2' },
    });
  });

  it('names a row changed in place by its hash', async () => {
    const { memory, audit } = await chainOf(5);
    memory.row(2).actor = 'mallory';
    expect(broken(await audit.verifyChain())).toEqual({
      ok: false,
      firstBroken: {
        seq: 2,
        reason: 'hash does not match the row: the row was changed after it was written',
      },
    });
  });

  it('names a row re-hashed without the key by its MAC', async () => {
    const { memory, audit } = await chainOf(3);
    const last = memory.row(3);
    last.actor = 'mallory';
    last.hash = chainHash(last.prevHash, last);
    expect(broken(await audit.verifyChain())).toEqual({
      ok: false,
      firstBroken: {
        seq: 3,
        reason:
          'the MAC does not match: the row was not written by a holder of key "k1", or was changed since',
      },
    });
  });

  it('names a row signed under a key id not in the keyring', async () => {
    const { memory, audit } = await chainOf(2);
    memory.row(2).keyId = 'k9';
    expect(broken(await audit.verifyChain())).toEqual({
      ok: false,
      firstBroken: {
        seq: 2,
        reason: 'the row is signed with key id "k9", which is not in AUDIT_CHAIN_KEYS (k1)',
      },
    });
  });

  it('accepts unsigned rows only up to AUDIT_CHAIN_LEGACY_ROWS', async () => {
    const { memory } = await chainOf(3);
    for (const row of memory.rows.filter((r) => r.seq <= 2)) {
      row.keyId = null;
      row.mac = null;
    }
    expect(await serviceOver(memory, 2).verifyChain()).toMatchObject({
      ok: true,
      rowsChecked: 3,
      unsignedRows: 2,
    });
    expect(broken(await serviceOver(memory, 1).verifyChain())).toEqual({
      ok: false,
      firstBroken: {
        seq: 2,
        reason:
          'the row is not signed: it was not written by kuzet (only rows up to AUDIT_CHAIN_LEGACY_ROWS=1, written before the chain was signed, may be unsigned)',
      },
    });
  });

  it('walks a chain longer than one page of 1,000 rows', async () => {
    const { memory, audit } = await chainOf(2_003);
    expect(await audit.verifyChain()).toMatchObject({ ok: true, rowsChecked: 2_003 });
    memory.rows = memory.rows.filter((row) => row.seq !== 1_500);
    expect(broken(await audit.verifyChain())).toEqual({
      ok: false,
      firstBroken: { seq: 1_501, reason: 'row 1500 is missing: the next row is 1501' },
    });
  });
});

describe('audit chain verification: checkpoints', () => {
  const at = '2026-03-01T09:00:00.000Z';
  const checkpointOf = (row: AuditLogEntryEntity): AuditCheckpoint => ({
    seq: row.seq,
    hash: row.hash.toString('hex'),
    mac: row.mac!.toString('hex'),
    keyId: row.keyId,
    at,
  });

  it('counts the checkpoints the chain still holds', async () => {
    const { memory, audit } = await chainOf(4);
    const checkpoints = [checkpointOf(memory.row(2)), checkpointOf(memory.row(4))];
    expect(await audit.verifyChain({ checkpoints })).toMatchObject({
      ok: true,
      checkpointsChecked: 2,
    });
  });

  it('names a chain re-linked and re-signed by a key holder after a removal, at the checkpoint', async () => {
    const { memory, audit } = await chainOf(5);
    const checkpoints = [checkpointOf(memory.row(4))];
    // remove row 3, then renumber, re-hash and re-sign rows 4 and 5 as a key holder can
    const [fourth, fifth] = [memory.row(4), memory.row(5)];
    const relinked4 = forged(3, memory.row(2).hash, fourth.subjectId);
    const relinked5 = forged(4, relinked4.hash, fifth.subjectId);
    memory.rows = [memory.row(1), memory.row(2), relinked4, relinked5];
    expect((await audit.verifyChain()).ok).toBe(true);
    expect(broken(await audit.verifyChain({ checkpoints }))).toEqual({
      ok: false,
      firstBroken: {
        seq: 4,
        reason: `the row differs from the checkpoint taken at ${at}: the chain up to row 4 was rewritten since`,
      },
    });
  });

  it('names rows removed from the end by the checkpoint beyond the last row', async () => {
    const { memory, audit } = await chainOf(5);
    const checkpoints = [checkpointOf(memory.row(5))];
    memory.rows = memory.rows.filter((row) => row.seq <= 3);
    expect(broken(await audit.verifyChain({ checkpoints }))).toEqual({
      ok: false,
      firstBroken: {
        seq: 5,
        reason: `the checkpoint taken at ${at} recorded row 5, but the chain ends at row 3: rows were removed from the end`,
      },
    });
  });

  it('refuses to take a checkpoint of a head that does not verify', async () => {
    const { memory, audit } = await chainOf(2);
    await expect(audit.checkpoint()).resolves.toMatchObject({ seq: 2, keyId: 'k1' });
    memory.row(2).actor = 'mallory';
    await expect(audit.checkpoint()).rejects.toThrow(
      'audit log head (row 2) fails: hash does not match the row',
    );
    await expect(serviceOver(new RowsInMemory()).checkpoint()).resolves.toBeNull();
  });
});

import {
  appendFileSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PartitionLog, StoredRecord } from './partition-log';

const DAY_MS = 86_400_000;

function record(n: number, timestamp: number, bytes = 1_000): StoredRecord {
  return {
    key: `cam-${n}`,
    value: Buffer.alloc(bytes, n % 256),
    headers: { n: String(n) },
    timestamp,
  };
}

describe('PartitionLog', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kuzet-partition-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps absolute offsets and only about the byte budget when records exceed it', () => {
    const now = Date.now();
    const log = new PartitionLog(join(dir, '0.log'), { maxBytes: 50_000, maxAgeMs: DAY_MS });
    for (let n = 0; n < 200; n++) log.append([record(n, now)], now);
    expect(log.endOffset).toBe(200);
    expect(log.startOffset).toBeGreaterThan(100);
    expect(log.at(log.startOffset - 1)).toBeUndefined();
    expect(log.at(150)?.headers.n).toBe('150');
    expect(log.at(199)?.key).toBe('cam-199');
    // the file holds what memory holds, never much more than the budget plus the slack
    expect(statSync(join(dir, '0.log')).size).toBeLessThan(50_000 * 1.5 + 2_000);
  });

  it('drops records older than the retention time on the next append', () => {
    const now = Date.now();
    const log = new PartitionLog(undefined, { maxBytes: 1e9, maxAgeMs: DAY_MS });
    log.append([record(0, now - 2 * DAY_MS), record(1, now - 2 * DAY_MS)], now - 2 * DAY_MS);
    log.append([record(2, now)], now);
    expect(log.startOffset).toBe(2);
    expect(log.at(2)?.key).toBe('cam-2');
  });

  it('reloads the same offsets and records after a restart', () => {
    const now = Date.now();
    const file = join(dir, '0.log');
    const first = new PartitionLog(file, { maxBytes: 20_000, maxAgeMs: DAY_MS });
    for (let n = 0; n < 100; n++) first.append([record(n, now)], now);
    const reopened = new PartitionLog(file, { maxBytes: 20_000, maxAgeMs: DAY_MS });
    expect(reopened.startOffset).toBe(first.startOffset);
    expect(reopened.endOffset).toBe(100);
    for (let offset = reopened.startOffset; offset < 100; offset++) {
      expect(reopened.at(offset)).toEqual(first.at(offset));
    }
  });

  it('reads a file written before retention existed as starting at offset 0', () => {
    const file = join(dir, '0.log');
    const legacy = new PartitionLog(file);
    legacy.append([record(0, 1), record(1, 2)]);
    const reopened = new PartitionLog(file, { maxBytes: 1e9, maxAgeMs: 1e15 });
    expect([reopened.startOffset, reopened.endOffset]).toEqual([0, 2]);
    expect(reopened.at(1)?.key).toBe('cam-1');
  });

  it('cuts a record a crash left half-written, keeping the ones before it', () => {
    const file = join(dir, '0.log');
    new PartitionLog(file).append([record(0, 1)]);
    appendFileSync(file, readFileSync(file).subarray(0, 20));
    const reopened = new PartitionLog(file);
    expect(reopened.endOffset).toBe(1);
    writeFileSync(file, Buffer.alloc(0));
    expect(new PartitionLog(file).endOffset).toBe(0);
  });
});

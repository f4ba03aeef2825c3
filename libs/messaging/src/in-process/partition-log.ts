import { appendFileSync, existsSync, mkdirSync, readFileSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { MessageHeaders } from '../message-bus';

export interface StoredRecord {
  readonly key: string;
  readonly value: Buffer;
  readonly headers: MessageHeaders;
  readonly timestamp: number;
}

/** One partition of an in-process topic: an append-only list, optionally mirrored to a file
 * so that what was accepted survives a restart of the standalone process. */
export class PartitionLog {
  private readonly records: StoredRecord[] = [];
  private readonly waiters = new Set<() => void>();

  constructor(private readonly file?: string) {
    if (file && existsSync(file)) {
      const bytes = readFileSync(file);
      const { records, validBytes } = readRecords(bytes);
      // a record cut short by a crash mid-append was never acknowledged to its producer
      if (validBytes < bytes.length) truncateSync(file, validBytes);
      this.records.push(...records);
    }
  }

  get length(): number {
    return this.records.length;
  }

  at(offset: number): StoredRecord | undefined {
    return this.records[offset];
  }

  append(records: readonly StoredRecord[]): void {
    if (this.file) appendFileSync(this.file, Buffer.concat(records.map(encodeRecord)));
    this.records.push(...records);
    for (const wake of [...this.waiters]) wake();
  }

  /** Resolves when a record at `offset` exists or the signal fires. */
  waitFor(offset: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (offset < this.records.length || signal.aborted) return resolve();
      const wake = (): void => {
        if (offset >= this.records.length && !signal.aborted) return;
        this.waiters.delete(wake);
        signal.removeEventListener('abort', wake);
        resolve();
      };
      this.waiters.add(wake);
      signal.addEventListener('abort', wake, { once: true });
    });
  }
}

export function partitionFile(dataDir: string, topic: string, partition: number): string {
  const dir = join(dataDir, topic);
  mkdirSync(dir, { recursive: true });
  return join(dir, `${partition}.log`);
}

function encodeRecord(record: StoredRecord): Buffer {
  const meta = Buffer.from(
    JSON.stringify({ key: record.key, headers: record.headers, timestamp: record.timestamp }),
  );
  const header = Buffer.alloc(8);
  header.writeUInt32BE(meta.length, 0);
  header.writeUInt32BE(record.value.length, 4);
  return Buffer.concat([header, meta, record.value]);
}

function readRecords(bytes: Buffer): { records: StoredRecord[]; validBytes: number } {
  const records: StoredRecord[] = [];
  let at = 0;
  while (at + 8 <= bytes.length) {
    const metaLength = bytes.readUInt32BE(at);
    const valueLength = bytes.readUInt32BE(at + 4);
    const end = at + 8 + metaLength + valueLength;
    if (end > bytes.length) break;
    const meta = JSON.parse(bytes.subarray(at + 8, at + 8 + metaLength).toString('utf8')) as Omit<
      StoredRecord,
      'value'
    >;
    records.push({ ...meta, value: Buffer.from(bytes.subarray(at + 8 + metaLength, end)) });
    at = end;
  }
  return { records, validBytes: at };
}

import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { MessageHeaders } from '../message-bus';

export interface StoredRecord {
  readonly key: string;
  readonly value: Buffer;
  readonly headers: MessageHeaders;
  readonly timestamp: number;
}

/** How much of a partition is kept, as Kafka's delete policy does: the oldest records go
 * once the partition holds more than `maxBytes` or they are older than `maxAgeMs`. */
export interface RetentionPolicy {
  readonly maxBytes: number;
  readonly maxAgeMs: number;
}

/** A file starts with this and its first offset, so offsets survive the oldest records'
 * removal. Files written before retention existed have no header and start at offset 0. */
const MAGIC = Buffer.from('KZLOG1\0\0', 'latin1');
const HEADER_BYTES = MAGIC.length + 8;
/** Trimming rewrites the file, so it waits for this much slack above the budget. */
const TRIM_SLACK = 1.5;

/** One partition of an in-process topic: an append-only list of records with absolute
 * offsets, optionally mirrored to a file so that what was accepted survives a restart of the
 * standalone process. */
export class PartitionLog {
  private records: StoredRecord[] = [];
  private recordBytes: number[] = [];
  private start = 0;
  private bytes = 0;
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly file?: string,
    private readonly retention?: RetentionPolicy,
  ) {
    if (file && existsSync(file)) this.load(file);
  }

  /** The offset of the oldest record kept. */
  get startOffset(): number {
    return this.start;
  }

  /** The offset the next record will get. */
  get endOffset(): number {
    return this.start + this.records.length;
  }

  at(offset: number): StoredRecord | undefined {
    return offset < this.start ? undefined : this.records[offset - this.start];
  }

  append(records: readonly StoredRecord[], now = Date.now()): void {
    const encoded = records.map(encodeRecord);
    if (this.file) appendFileSync(this.file, Buffer.concat(encoded));
    this.records.push(...records);
    for (const bytes of encoded) {
      this.recordBytes.push(bytes.length);
      this.bytes += bytes.length;
    }
    this.applyRetention(now);
    for (const wake of [...this.waiters]) wake();
  }

  /** Resolves when a record at `offset` exists or the signal fires. */
  waitFor(offset: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (offset < this.endOffset || signal.aborted) return resolve();
      const wake = (): void => {
        if (offset >= this.endOffset && !signal.aborted) return;
        this.waiters.delete(wake);
        signal.removeEventListener('abort', wake);
        resolve();
      };
      this.waiters.add(wake);
      signal.addEventListener('abort', wake, { once: true });
    });
  }

  private applyRetention(now: number): void {
    if (!this.retention) return;
    const { maxBytes, maxAgeMs } = this.retention;
    const tooOld = (this.records[0]?.timestamp ?? now) < now - maxAgeMs;
    if (!tooOld && this.bytes <= maxBytes * TRIM_SLACK) return;
    let drop = 0;
    let bytes = this.bytes;
    while (
      drop < this.records.length &&
      (bytes > maxBytes || this.records[drop]!.timestamp < now - maxAgeMs)
    ) {
      bytes -= this.recordBytes[drop]!;
      drop += 1;
    }
    if (drop === 0) return;
    this.records = this.records.slice(drop);
    this.recordBytes = this.recordBytes.slice(drop);
    this.start += drop;
    this.bytes = bytes;
    if (this.file) this.rewrite(this.file);
  }

  /** Atomic: a crash leaves the old file or the new one, never half of each. */
  private rewrite(file: string): void {
    const temporary = `${file}.tmp`;
    writeFileSync(
      temporary,
      Buffer.concat([header(this.start), ...this.records.map(encodeRecord)]),
    );
    renameSync(temporary, file);
  }

  private load(file: string): void {
    const bytes = readFileSync(file);
    const headed = bytes.length >= HEADER_BYTES && bytes.subarray(0, MAGIC.length).equals(MAGIC);
    const bodyStart = headed ? HEADER_BYTES : 0;
    const { records, sizes, validBytes } = readRecords(bytes, bodyStart);
    // a record cut short by a crash mid-append was never acknowledged to its producer
    if (validBytes < bytes.length) truncateSync(file, validBytes);
    this.start = headed ? Number(bytes.readBigUInt64BE(MAGIC.length)) : 0;
    this.records = records;
    this.recordBytes = sizes;
    this.bytes = sizes.reduce((sum, size) => sum + size, 0);
  }
}

export function partitionFile(dataDir: string, topic: string, partition: number): string {
  const dir = join(dataDir, topic);
  mkdirSync(dir, { recursive: true });
  return join(dir, `${partition}.log`);
}

function header(startOffset: number): Buffer {
  const offset = Buffer.alloc(8);
  offset.writeBigUInt64BE(BigInt(startOffset));
  return Buffer.concat([MAGIC, offset]);
}

function encodeRecord(record: StoredRecord): Buffer {
  const meta = Buffer.from(
    JSON.stringify({ key: record.key, headers: record.headers, timestamp: record.timestamp }),
  );
  const head = Buffer.alloc(8);
  head.writeUInt32BE(meta.length, 0);
  head.writeUInt32BE(record.value.length, 4);
  return Buffer.concat([head, meta, record.value]);
}

function readRecords(
  bytes: Buffer,
  from: number,
): { records: StoredRecord[]; sizes: number[]; validBytes: number } {
  const records: StoredRecord[] = [];
  const sizes: number[] = [];
  let at = from;
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
    sizes.push(end - at);
    at = end;
  }
  return { records, sizes, validBytes: at };
}

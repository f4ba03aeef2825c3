import { MessageBus, OutboundMessage } from '@kuzet/messaging';

interface Waiting {
  readonly records: readonly OutboundMessage[];
  readonly bytes: number;
  resolve(): void;
  reject(error: unknown): void;
}

/** Lets concurrent requests share Kafka round trips: while one send is in flight, the records
 * of the requests that arrive are queued and go out together in the next send. The bus's
 * idempotent producer keeps one request in flight per broker, so without this each request
 * would wait for every earlier one's acknowledgement in turn. A failed send fails every request
 * whose records were in it. */
export class CoalescingPublisher {
  private readonly queue: Waiting[] = [];
  private sending = false;

  constructor(
    private readonly bus: MessageBus,
    private readonly topic: string,
    private readonly maxBytesPerSend: number,
  ) {}

  publish(records: readonly OutboundMessage[]): Promise<void> {
    return new Promise((resolve, reject) => {
      const bytes = records.reduce((sum, r) => sum + r.value.byteLength + r.key.length, 0);
      this.queue.push({ records, bytes, resolve, reject });
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.takeBatch();
        try {
          await this.bus.publish(
            this.topic,
            batch.flatMap((w) => w.records),
          );
          for (const waiting of batch) waiting.resolve();
        } catch (error) {
          for (const waiting of batch) waiting.reject(error);
        }
      }
    } finally {
      this.sending = false;
    }
  }

  private takeBatch(): Waiting[] {
    let bytes = 0;
    let count = 0;
    while (count < this.queue.length) {
      const next = this.queue[count]!;
      if (count > 0 && bytes + next.bytes > this.maxBytesPerSend) break;
      bytes += next.bytes;
      count += 1;
    }
    return this.queue.splice(0, count);
  }
}

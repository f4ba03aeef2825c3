import { Logger } from '@nestjs/common';
import { counter } from '@kuzet/observability';
import { DeadLetterReason, REPLAY_GROUPS_HEADER, toDeadLetter } from './dead-letter';
import { RejectedMessageError } from './errors';
import { InboundMessage, OutboundMessage, SubscriptionOptions } from './message-bus';
import { TOPICS } from './topics';

const consumed = counter({
  name: 'kuzet_messages_consumed_total',
  help: 'Messages whose handling finished, by topic, group and outcome',
  labelNames: ['topic', 'group', 'outcome'] as const,
});
const retries = counter({
  name: 'kuzet_message_retries_total',
  help: 'Failed handler attempts that will be retried',
  labelNames: ['topic', 'group'] as const,
});

/** A record replayed from the dead-letter topic for other groups only: this group skips it. */
export function replayedForOthers(message: InboundMessage, groupId: string): boolean {
  const replayedFor = message.headers[REPLAY_GROUPS_HEADER];
  return replayedFor !== undefined && !replayedFor.split(',').includes(groupId);
}

export type ProcessOutcome = 'handled' | 'dead-lettered' | 'aborted';

export interface ProcessSignals {
  /** The consumer crashed: the handler is abandoned at once and nothing is committed. */
  readonly crash: AbortSignal;
  /** The consumer is closing: the attempt in flight may finish, but no retry starts, so a
   * shutdown during an outage ends promptly and leaves the message for the next owner. */
  readonly stop?: AbortSignal;
}

export interface RetryPolicy {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

const DEFAULT_RETRY: RetryPolicy = { initialDelayMs: 100, maxDelayMs: 5_000 };

/** The handler contract shared by every transport: run, retry transient failures with
 * back-off, dead-letter rejected messages; the transport commits only after this resolves
 * with something other than 'aborted'. */
export class MessageProcessor {
  private readonly logger: Logger;
  /** crash + stop, combined once per pair: AbortSignal.any per message costs ~10 µs, and on
   * Node 20 each combination stays reachable from its long-lived sources (2.5 KB apiece). */
  private readonly pauses = new WeakMap<AbortSignal, WeakMap<AbortSignal, AbortSignal>>();

  constructor(
    private readonly options: SubscriptionOptions,
    private readonly publish: (topic: string, messages: OutboundMessage[]) => Promise<void>,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
  ) {
    this.logger = new Logger(`Consumer:${options.groupId}`);
  }

  async process(message: InboundMessage, signals: ProcessSignals): Promise<ProcessOutcome> {
    const { topic, groupId, handler, maxAttempts = Number.POSITIVE_INFINITY } = this.options;
    const signal = signals.crash;
    const pause = signals.stop ? this.pauseSignal(signal, signals.stop) : signal;
    if (replayedForOthers(message, groupId)) {
      consumed.inc({ topic, group: groupId, outcome: 'replay-skipped' });
      return 'handled';
    }
    for (let attempt = 1; !signal.aborted; attempt++) {
      try {
        await untilAborted(handler(message), signal);
        if (signal.aborted) return 'aborted';
        consumed.inc({ topic, group: groupId, outcome: 'handled' });
        return 'handled';
      } catch (error) {
        if (signal.aborted) return 'aborted';
        if (error instanceof RejectedMessageError) {
          const { reason, details, refusedBy } = error;
          return this.deadLetter(message, { reason, details, refusedBy }, pause);
        }
        const reason = error instanceof Error ? error.message : String(error);
        if (attempt >= maxAttempts) {
          return this.deadLetter(message, { reason: `handler_failed: ${reason}` }, pause);
        }
        if (pause.aborted) return 'aborted';
        retries.inc({ topic, group: groupId });
        this.logger.warn(
          { topic, partition: message.partition, offset: message.offset, attempt, err: reason },
          'handler failed, retrying',
        );
        await sleep(this.backoff(attempt), pause);
        if (pause.aborted) return 'aborted';
      }
    }
    return 'aborted';
  }

  /** Counts what a batch handler took: `handled` handed to it, `skipped` replays for others. */
  countBatch(handled: number, skipped: number): void {
    const { topic, groupId: group } = this.options;
    if (handled > 0) consumed.inc({ topic, group, outcome: 'handled' }, handled);
    if (skipped > 0) consumed.inc({ topic, group, outcome: 'replay-skipped' }, skipped);
  }

  private async deadLetter(
    message: InboundMessage,
    why: DeadLetterReason,
    signal: AbortSignal,
  ): Promise<ProcessOutcome> {
    const { topic, groupId } = this.options;
    const letter = toDeadLetter(message, groupId, why);
    for (let attempt = 1; !signal.aborted; attempt++) {
      try {
        await this.publish(TOPICS.deadLetter, [letter]);
        consumed.inc({ topic, group: groupId, outcome: 'dead-lettered' });
        this.logger.warn(
          { topic, partition: message.partition, offset: message.offset, reason: why.reason },
          'message dead-lettered',
        );
        return 'dead-lettered';
      } catch (error) {
        this.logger.error({ err: String(error), attempt }, 'dead-letter publish failed, retrying');
        await sleep(this.backoff(attempt), signal);
      }
    }
    return 'aborted';
  }

  private pauseSignal(crash: AbortSignal, stop: AbortSignal): AbortSignal {
    let byStop = this.pauses.get(crash);
    if (!byStop) this.pauses.set(crash, (byStop = new WeakMap()));
    let pause = byStop.get(stop);
    if (!pause) byStop.set(stop, (pause = AbortSignal.any([crash, stop])));
    return pause;
  }

  private backoff(attempt: number): number {
    const base = Math.min(this.retry.maxDelayMs, this.retry.initialDelayMs * 2 ** (attempt - 1));
    return base / 2 + Math.random() * (base / 2);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** A crashed consumer does not wait for its handler: the work in flight is abandoned and,
 * being uncommitted, redelivered to whoever takes the partition over. */
function untilAborted(work: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = (): void => resolve();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

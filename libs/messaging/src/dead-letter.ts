import { InboundMessage, OutboundMessage } from './message-bus';

export const DEAD_LETTER_HEADERS = Object.freeze({
  reason: 'kuzet-dlq-reason',
  details: 'kuzet-dlq-details',
  sourceTopic: 'kuzet-dlq-source-topic',
  sourcePartition: 'kuzet-dlq-source-partition',
  sourceOffset: 'kuzet-dlq-source-offset',
  consumerGroup: 'kuzet-dlq-consumer-group',
  deadLetteredAt: 'kuzet-dlq-at',
});

export interface DeadLetterReason {
  readonly reason: string;
  readonly details?: readonly { field: string; rule: string; message: string }[];
}

/** The original bytes and key are kept untouched so a dead letter can be replayed
 * once whatever rejected it is fixed. */
export function toDeadLetter(
  message: InboundMessage,
  groupId: string,
  why: DeadLetterReason,
  now: Date = new Date(),
): OutboundMessage {
  return {
    key: message.key ?? '',
    value: message.value,
    headers: {
      ...message.headers,
      [DEAD_LETTER_HEADERS.reason]: why.reason,
      [DEAD_LETTER_HEADERS.details]: JSON.stringify(why.details ?? []),
      [DEAD_LETTER_HEADERS.sourceTopic]: message.topic,
      [DEAD_LETTER_HEADERS.sourcePartition]: String(message.partition),
      [DEAD_LETTER_HEADERS.sourceOffset]: message.offset,
      [DEAD_LETTER_HEADERS.consumerGroup]: groupId,
      [DEAD_LETTER_HEADERS.deadLetteredAt]: now.toISOString(),
    },
  };
}

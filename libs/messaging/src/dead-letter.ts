import { InboundMessage, OutboundMessage } from './message-bus';

export const DEAD_LETTER_HEADERS = Object.freeze({
  reason: 'kuzet-dlq-reason',
  details: 'kuzet-dlq-details',
  sourceTopic: 'kuzet-dlq-source-topic',
  sourcePartition: 'kuzet-dlq-source-partition',
  sourceOffset: 'kuzet-dlq-source-offset',
  consumerGroup: 'kuzet-dlq-consumer-group',
  /** Comma-separated: every group that refused the record, the ones a replay is for. */
  refusedBy: 'kuzet-dlq-groups',
  /** The original record's timestamp (ms), which a replay gives back to it. */
  sourceTimestamp: 'kuzet-dlq-source-timestamp',
  deadLetteredAt: 'kuzet-dlq-at',
});

/** On a replayed record: the only groups that handle it (comma-separated); the others, which
 * took it the first time, skip it. */
export const REPLAY_GROUPS_HEADER = 'kuzet-replay-groups';

export interface DeadLetterReason {
  readonly reason: string;
  readonly details?: readonly { field: string; rule: string; message: string }[];
  readonly refusedBy?: readonly string[];
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
      [DEAD_LETTER_HEADERS.refusedBy]: (why.refusedBy ?? [groupId]).join(','),
      [DEAD_LETTER_HEADERS.sourceTimestamp]: String(message.timestamp),
      [DEAD_LETTER_HEADERS.deadLetteredAt]: now.toISOString(),
    },
  };
}

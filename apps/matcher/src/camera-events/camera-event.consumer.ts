import { Injectable } from '@nestjs/common';
import { CAMERA_EVENT_GROUPS, ConsumeTopic, InboundMessage, TOPICS } from '@kuzet/messaging';
import { counter } from '@kuzet/observability';
import { CameraEventGate } from '@kuzet/registry';
import { MatchingService } from '../matching/matching.service';

const accepted = counter({
  name: 'kuzet_matcher_camera_events_total',
  help: 'Valid camera events taken by the matcher, by payload',
  labelNames: ['payload'] as const,
});

export const MATCHER_GROUP = CAMERA_EVENT_GROUPS.matcher;
/** Events per batch call: an edge embedding costs about 0.3 ms, a JPEG frame about 0.1 s on the
 * face engine, so a batch of frames still heartbeats every few seconds. */
export const MATCHER_BATCH_LIMIT = 64;

/** Entry of the matcher: every camera event is judged by the rules all consumers share before
 * anything else looks at it. The matcher's group sees every record, so it is the one that
 * dead-letters what those rules refuse (for every group); what only the matcher cannot use (an
 * undecodable image, another model's embedding) it dead-letters for itself. */
@Injectable()
export class CameraEventConsumer {
  constructor(
    private readonly matching: MatchingService,
    private readonly gate: CameraEventGate,
  ) {}

  @ConsumeTopic({
    topic: TOPICS.cameraEvents,
    groupId: MATCHER_GROUP,
    batchMethod: 'handleBatch',
    batchLimit: MATCHER_BATCH_LIMIT,
  })
  async handle(message: InboundMessage): Promise<void> {
    await this.handleBatch([message]);
  }

  /** Consecutive events of one partition at once: one pair of statements for the gate, one
   * pass over the index. The first refused or unusable event fails the batch, which the bus
   * then takes one message at a time, dead-lettering that one. */
  async handleBatch(messages: readonly InboundMessage[]): Promise<void> {
    const events = await this.gate.admitMany(messages, MATCHER_GROUP);
    const byPayload = new Map<string, number>();
    for (const event of events) {
      const payload = event.payload.case ?? 'none';
      byPayload.set(payload, (byPayload.get(payload) ?? 0) + 1);
    }
    for (const [payload, count] of byPayload) accepted.inc({ payload }, count);
    await this.matching.matchMany(events);
  }
}

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

  @ConsumeTopic({ topic: TOPICS.cameraEvents, groupId: MATCHER_GROUP })
  async handle(message: InboundMessage): Promise<void> {
    const event = await this.gate.admit(message, MATCHER_GROUP);
    if (event === null) return;
    accepted.inc({ payload: event.payload.case ?? 'none' });
    await this.matching.match(event);
  }
}

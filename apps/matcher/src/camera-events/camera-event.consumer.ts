import { Injectable } from '@nestjs/common';
import { decodeCameraEvent } from '@kuzet/contracts';
import { ConsumeTopic, InboundMessage, RejectedMessageError, TOPICS } from '@kuzet/messaging';
import { counter } from '@kuzet/observability';
import { MatchingService } from '../matching/matching.service';

const accepted = counter({
  name: 'kuzet_matcher_camera_events_total',
  help: 'Valid camera events taken by the matcher, by payload',
  labelNames: ['payload'] as const,
});

export const MATCHER_GROUP = 'kuzet-matcher';

/** Entry of the matcher: every camera event is decoded and validated before anything
 * else looks at it; what can never be valid goes to the dead-letter topic. */
@Injectable()
export class CameraEventConsumer {
  constructor(private readonly matching: MatchingService) {}

  @ConsumeTopic({ topic: TOPICS.cameraEvents, groupId: MATCHER_GROUP })
  async handle(message: InboundMessage): Promise<void> {
    const decoded = decodeCameraEvent(message.value);
    if (!decoded.ok) {
      const malformed = decoded.errors.some((e) => e.field === '$');
      throw new RejectedMessageError(
        malformed ? 'malformed_protobuf' : 'invalid_camera_event',
        decoded.errors,
      );
    }
    const event = decoded.value;
    if (message.key !== null && message.key !== event.cameraId) {
      throw new RejectedMessageError('key_mismatch', [
        {
          field: 'camera_id',
          rule: 'matches_key',
          message: 'the message key must be the camera id',
        },
      ]);
    }
    accepted.inc({ payload: event.payload.case ?? 'none' });
    await this.matching.match(event);
  }
}

import { Injectable } from '@nestjs/common';
import { fromBinary } from '@bufbuild/protobuf';
import { CameraEvent, CameraEventSchema, validateCameraEvent } from '@kuzet/contracts';
import { ConsumeTopic, InboundMessage, RejectedMessageError, TOPICS } from '@kuzet/messaging';
import { ViolationLogService } from './violation-log.service';

export const VIOLATIONS_GROUP = 'kuzet-violations';
const PAYLOAD_HEADER = 'kuzet-payload';

/** Takes the violations out of kuzet.camera-events.v1. Other payloads are not this consumer's
 * business; an invalid violation is dead-lettered with the fields it breaks. A record that is
 * not protobuf at all is dead-lettered only when its header says it is a violation (the
 * matcher's group dead-letters every malformed record already). */
@Injectable()
export class ViolationConsumer {
  constructor(private readonly violations: ViolationLogService) {}

  @ConsumeTopic({ topic: TOPICS.cameraEvents, groupId: VIOLATIONS_GROUP })
  async handle(message: InboundMessage): Promise<void> {
    let event: CameraEvent;
    try {
      event = fromBinary(CameraEventSchema, message.value);
    } catch (error) {
      if (message.headers[PAYLOAD_HEADER] !== 'violation') return;
      throw new RejectedMessageError('malformed_protobuf', [
        {
          field: '$',
          rule: 'protobuf',
          message: error instanceof Error ? error.message : String(error),
        },
      ]);
    }
    if (event.payload.case !== 'violation') return;
    const errors = validateCameraEvent(event, new Date(message.timestamp));
    if (errors.length > 0) throw new RejectedMessageError('invalid_violation', errors);
    if (message.key !== null && message.key !== event.cameraId) {
      throw new RejectedMessageError('key_mismatch', [
        {
          field: 'camera_id',
          rule: 'matches_key',
          message: 'the message key must be the camera id',
        },
      ]);
    }
    await this.violations.log(event, event.payload.value);
  }
}

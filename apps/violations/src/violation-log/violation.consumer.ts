import { Injectable } from '@nestjs/common';
import { peekCameraEventPayload } from '@kuzet/contracts';
import { CAMERA_EVENT_GROUPS, ConsumeTopic, InboundMessage, TOPICS } from '@kuzet/messaging';
import { CameraEventGate } from '@kuzet/registry';
import { ViolationLogService } from './violation-log.service';

export const VIOLATIONS_GROUP = CAMERA_EVENT_GROUPS.violations;

/** Takes the violations out of kuzet.camera-events.v1. Other payloads are not this consumer's
 * business. A violation is judged by the rules every consumer of the topic shares; one they
 * refuse is skipped here and dead-lettered once, by the matcher's group, for all of them. */
@Injectable()
export class ViolationConsumer {
  constructor(
    private readonly violations: ViolationLogService,
    private readonly gate: CameraEventGate,
  ) {}

  @ConsumeTopic({ topic: TOPICS.cameraEvents, groupId: VIOLATIONS_GROUP })
  async handle(message: InboundMessage): Promise<void> {
    if (peekCameraEventPayload(message.value) !== 'violation') return;
    const event = await this.gate.admit(message, VIOLATIONS_GROUP);
    if (event?.payload.case !== 'violation') return;
    await this.violations.log(event, event.payload.value);
  }
}

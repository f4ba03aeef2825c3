import { Injectable } from '@nestjs/common';
import { decodeWatchlistHit, peekCameraEventPayload } from '@kuzet/contracts';
import {
  CAMERA_EVENT_GROUPS,
  ConsumeTopic,
  InboundMessage,
  RejectedMessageError,
  TOPICS,
} from '@kuzet/messaging';
import { CameraEventGate } from '@kuzet/registry';
import { AlertsService } from '../alerts/alerts.service';

/** Hits from the matcher, and SOS alarms and analytics detections straight from the cameras become alerts; each is
 * idempotent by its id, so redelivery never shows an operator the same alert twice. */
@Injectable()
export class AlertIntakeConsumers {
  constructor(
    private readonly alerts: AlertsService,
    private readonly gate: CameraEventGate,
  ) {}

  @ConsumeTopic({ topic: TOPICS.watchlistHits, groupId: 'kuzet-ops-center-hits' })
  async onHit(message: InboundMessage): Promise<void> {
    const decoded = decodeWatchlistHit(message.value);
    if (!decoded.ok) throw new RejectedMessageError('invalid_watchlist_hit', decoded.errors);
    await this.alerts.recordHit(decoded.value);
  }

  @ConsumeTopic({ topic: TOPICS.cameraEvents, groupId: CAMERA_EVENT_GROUPS.alarms })
  async onCameraEvent(message: InboundMessage): Promise<void> {
    // almost every camera event is a face or a violation: told apart by their tags, they are
    // dropped undecoded (a JPEG frame is megabytes the alarm desk never needs parsed)
    const payload = peekCameraEventPayload(message.value);
    if (payload !== 'alarm' && payload !== 'analyticsDetection') return;
    // the rules every consumer shares: what they refuse (an unregistered camera, a reused
    // event_id) is no alert, and is dead-lettered once, by the matcher's group
    const event = await this.gate.admit(message, CAMERA_EVENT_GROUPS.alarms);
    if (event?.payload.case === 'alarm') await this.alerts.recordAlarm(event);
    else if (event?.payload.case === 'analyticsDetection') await this.alerts.recordDetection(event);
  }
}

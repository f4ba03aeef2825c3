import { Injectable } from '@nestjs/common';
import { decodeCameraEvent, decodeWatchlistHit, peekCameraEventPayload } from '@kuzet/contracts';
import { ConsumeTopic, InboundMessage, RejectedMessageError, TOPICS } from '@kuzet/messaging';
import { AlertsService } from '../alerts/alerts.service';

/** Hits from the matcher and SOS alarms straight from the cameras become alerts; each is
 * idempotent by its id, so redelivery never shows an operator the same alert twice. */
@Injectable()
export class AlertIntakeConsumers {
  constructor(private readonly alerts: AlertsService) {}

  @ConsumeTopic({ topic: TOPICS.watchlistHits, groupId: 'kuzet-ops-center-hits' })
  async onHit(message: InboundMessage): Promise<void> {
    const decoded = decodeWatchlistHit(message.value);
    if (!decoded.ok) throw new RejectedMessageError('invalid_watchlist_hit', decoded.errors);
    await this.alerts.recordHit(decoded.value);
  }

  @ConsumeTopic({ topic: TOPICS.cameraEvents, groupId: 'kuzet-ops-center-alarms' })
  async onCameraEvent(message: InboundMessage): Promise<void> {
    // almost every camera event is a face or a violation: told apart by their tags, they are
    // dropped undecoded (a JPEG frame is megabytes the alarm desk never needs parsed)
    if (peekCameraEventPayload(message.value) !== 'alarm') return;
    const decoded = decodeCameraEvent(message.value);
    // the matcher and the violation log dead-letter what is invalid; here only alarms matter
    if (!decoded.ok || decoded.value.payload.case !== 'alarm') return;
    await this.alerts.recordAlarm(decoded.value);
  }
}

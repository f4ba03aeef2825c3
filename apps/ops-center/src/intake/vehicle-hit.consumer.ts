import { Injectable } from '@nestjs/common';
import { decodeVehicleHit } from '@kuzet/contracts';
import { ConsumeTopic, InboundMessage, RejectedMessageError, TOPICS } from '@kuzet/messaging';
import { AlertsService } from '../alerts/alerts.service';

/** Vehicle hits become alerts for the centre that owns the camera, idempotent by hit id. */
@Injectable()
export class VehicleHitConsumer {
  constructor(private readonly alerts: AlertsService) {}

  @ConsumeTopic({ topic: TOPICS.vehicleHits, groupId: 'kuzet-ops-center-vehicle-hits' })
  async onHit(message: InboundMessage): Promise<void> {
    const decoded = decodeVehicleHit(message.value);
    if (!decoded.ok) throw new RejectedMessageError('invalid_vehicle_hit', decoded.errors);
    await this.alerts.recordVehicleHit(decoded.value);
  }
}

import { Module } from '@nestjs/common';
import { EvidenceModule } from '@kuzet/evidence';
import { RegistryModule } from '@kuzet/registry';
import { VehicleRouteModule } from '@kuzet/vehicles';
import { AlertRepository } from './alerts/alert.repository';
import { AlertsController } from './alerts/alerts.controller';
import { AlertsService } from './alerts/alerts.service';
import { ConsoleController } from './console/console.controller';
import { FaviconController } from './console/favicon.controller';
import { EscalationScheduler } from './escalation/escalation.scheduler';
import { CameraHealthController } from './health/camera-health.controller';
import { CameraHealthService } from './health/camera-health.service';
import { AlertIntakeConsumers } from './intake/alert-intake.consumers';
import { VehicleHitConsumer } from './intake/vehicle-hit.consumer';
import { AlertsGateway } from './live/alerts.gateway';
import { CentreScopes } from './scope/centre-scope';
import { ViolationFeedConsumer } from './violations/violation-feed.consumer';
import { ViolationFeedController } from './violations/violation-feed.controller';
import { ViolationFeedRepository } from './violations/violation-feed.repository';
import { ViolationFeedService } from './violations/violation-feed.service';

/** Hits and alarms -> routing to centres -> live console -> decisions; violations as a feed. */
@Module({
  imports: [RegistryModule, EvidenceModule, VehicleRouteModule],
  controllers: [
    AlertsController,
    ConsoleController,
    FaviconController,
    ViolationFeedController,
    CameraHealthController,
  ],
  providers: [
    CentreScopes,
    AlertRepository,
    AlertsService,
    AlertIntakeConsumers,
    VehicleHitConsumer,
    AlertsGateway,
    EscalationScheduler,
    ViolationFeedRepository,
    ViolationFeedService,
    ViolationFeedConsumer,
    CameraHealthService,
  ],
  exports: [AlertsService],
})
export class OpsCenterModule {}

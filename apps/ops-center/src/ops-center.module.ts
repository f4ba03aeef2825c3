import { Module } from '@nestjs/common';
import { EvidenceModule } from '@kuzet/evidence';
import { RegistryModule } from '@kuzet/registry';
import { VehicleRejectionsModule, VehicleRouteModule } from '@kuzet/vehicles';
import { WatchlistLearningModule } from '@kuzet/watchlist';
import { AlertRepository } from './alerts/alert.repository';
import { AlertsController } from './alerts/alerts.controller';
import { AlertsService } from './alerts/alerts.service';
import { CameraMapController } from './camera-map/camera-map.controller';
import { CameraMapService } from './camera-map/camera-map.service';
import { ConsoleController } from './console/console.controller';
import { FaviconController } from './console/favicon.controller';
import { EscalationScheduler } from './escalation/escalation.scheduler';
import { CameraHealthController } from './health/camera-health.controller';
import { CameraHealthService } from './health/camera-health.service';
import { AlertIntakeConsumers } from './intake/alert-intake.consumers';
import { VehicleHitConsumer } from './intake/vehicle-hit.consumer';
import { AlertsGateway } from './live/alerts.gateway';
import { OutcomeDueScheduler } from './outcomes/outcome-due.scheduler';
import { OutcomeRepository } from './outcomes/outcome.repository';
import { OutcomesController } from './outcomes/outcomes.controller';
import { OutcomesService } from './outcomes/outcomes.service';
import { ReportsController } from './report/reports.controller';
import { ReportsService } from './report/reports.service';
import { OverviewController } from './overview/overview.controller';
import { OverviewService } from './overview/overview.service';
import { CentreScopes } from './scope/centre-scope';
import { ViolationFeedConsumer } from './violations/violation-feed.consumer';
import { ViolationFeedController } from './violations/violation-feed.controller';
import { ViolationFeedRepository } from './violations/violation-feed.repository';
import { ViolationFeedService } from './violations/violation-feed.service';

/** Hits and alarms -> routing to centres -> live console -> decisions; violations as a feed. */
@Module({
  imports: [
    RegistryModule,
    EvidenceModule,
    VehicleRouteModule,
    VehicleRejectionsModule,
    WatchlistLearningModule,
  ],
  controllers: [
    AlertsController,
    ConsoleController,
    FaviconController,
    ViolationFeedController,
    OutcomesController,
    ReportsController,
    OverviewController,
    CameraHealthController,
    CameraMapController,
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
    OutcomeRepository,
    OutcomesService,
    OutcomeDueScheduler,
    ReportsService,
    OverviewService,
    CameraHealthService,
    CameraMapService,
  ],
  exports: [AlertsService],
})
export class OpsCenterModule {}

import { Module } from '@nestjs/common';
import { RegistryModule } from '@kuzet/registry';
import { AlertRepository } from './alerts/alert.repository';
import { AlertsController } from './alerts/alerts.controller';
import { AlertsService } from './alerts/alerts.service';
import { ConsoleController } from './console/console.controller';
import { EscalationScheduler } from './escalation/escalation.scheduler';
import { AlertIntakeConsumers } from './intake/alert-intake.consumers';
import { AlertsGateway } from './live/alerts.gateway';

/** Hits and alarms -> routing to centres -> live console -> decisions. */
@Module({
  imports: [RegistryModule],
  controllers: [AlertsController, ConsoleController],
  providers: [
    AlertRepository,
    AlertsService,
    AlertIntakeConsumers,
    AlertsGateway,
    EscalationScheduler,
  ],
  exports: [AlertsService],
})
export class OpsCenterModule {}

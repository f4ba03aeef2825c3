import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health/health.controller';
import { MessagingHealthIndicator } from './health/messaging.health';
import { MetricsController } from './metrics.controller';

/** /health/live, /health/ready and /metrics for every app. Expects the messaging and
 * persistence modules to be present in the application. */
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController, MetricsController],
  providers: [MessagingHealthIndicator],
})
export class ObservabilityModule {}

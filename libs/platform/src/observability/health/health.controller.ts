import {
  BeforeApplicationShutdown,
  Controller,
  Get,
  ServiceUnavailableException,
} from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckResult,
  HealthCheckService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { Public } from '@kuzet/auth';
import { MessagingHealthIndicator } from './messaging.health';

/** Liveness says the process can serve at all; readiness says its dependencies answer and
 * it is not draining, so a load balancer stops sending work before shutdown. */
@Public()
@Controller('health')
export class HealthController implements BeforeApplicationShutdown {
  private draining = false;

  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly messaging: MessagingHealthIndicator,
  ) {}

  @Get('live')
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    if (this.draining) throw new ServiceUnavailableException({ status: 'shutting_down' });
    return this.health.check([
      () => this.database.pingCheck('database', { timeout: 3_000 }),
      () => this.messaging.check('messaging'),
      ...this.messaging.consumerGroupChecks(),
    ]);
  }

  beforeApplicationShutdown(): void {
    this.draining = true;
  }
}

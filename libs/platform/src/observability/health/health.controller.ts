import {
  BeforeApplicationShutdown,
  Controller,
  Get,
  Inject,
  Req,
  ServiceUnavailableException,
} from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckResult,
  HealthCheckService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { Public } from '@kuzet/auth';
import { KUZET_CONFIG, KuzetConfig } from '@kuzet/config';
import type { FastifyRequest } from 'fastify';
import { mayScrapeRequest } from '../scrape-access';
import { MessagingHealthIndicator } from './messaging.health';

/** Liveness says the process can serve at all; readiness says its dependencies answer and
 * it is not draining, so a load balancer stops sending work before shutdown. Probes read only
 * the status code; which dependency failed, consumer groups, lag and broker errors go to those
 * who may scrape /metrics, everyone else gets `{status}`. */
@Public()
@Controller('health')
export class HealthController implements BeforeApplicationShutdown {
  private draining = false;

  constructor(
    @Inject(KUZET_CONFIG) private readonly config: Readonly<KuzetConfig>,
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
  async ready(@Req() request: FastifyRequest): Promise<HealthCheckResult | { status: 'ok' }> {
    if (this.draining) throw new ServiceUnavailableException({ status: 'shutting_down' });
    const detailed = mayScrapeRequest(this.config.METRICS_TOKEN, request);
    try {
      const result = await this.health.check([
        () => this.database.pingCheck('database', { timeout: 3_000 }),
        () => this.messaging.check('messaging'),
        ...this.messaging.consumerGroupChecks(),
      ]);
      return detailed ? result : { status: 'ok' };
    } catch (error) {
      if (detailed || !(error instanceof ServiceUnavailableException)) throw error;
      throw new ServiceUnavailableException({ status: 'error' });
    }
  }

  beforeApplicationShutdown(): void {
    this.draining = true;
  }
}

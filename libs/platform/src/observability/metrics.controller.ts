import { Controller, ForbiddenException, Get, Header, Inject, Req } from '@nestjs/common';
import { Public } from '@kuzet/auth';
import { KUZET_CONFIG, KuzetConfig } from '@kuzet/config';
import { ApiResult } from '@kuzet/http';
import type { FastifyRequest } from 'fastify';
import { collectDefaultMetrics, register } from 'prom-client';
import { mayScrapeRequest } from './scrape-access';

let defaultMetricsCollected = false;

@Public()
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(KUZET_CONFIG) private readonly config: Readonly<KuzetConfig>) {
    if (!defaultMetricsCollected) {
      collectDefaultMetrics({ prefix: 'kuzet_' });
      defaultMetricsCollected = true;
    }
  }

  @Get()
  @Header('Content-Type', register.contentType)
  @ApiResult.file('text/plain')
  scrape(@Req() request: FastifyRequest): Promise<string> {
    if (!mayScrapeRequest(this.config.METRICS_TOKEN, request))
      throw new ForbiddenException('metrics need METRICS_TOKEN as a bearer token');
    return register.metrics();
  }
}

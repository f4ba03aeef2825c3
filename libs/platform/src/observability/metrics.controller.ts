import { Controller, Get, Header } from '@nestjs/common';
import { Public } from '@kuzet/auth';
import { ApiResult } from '@kuzet/http';
import { collectDefaultMetrics, register } from 'prom-client';

let defaultMetricsCollected = false;

@Public()
@Controller('metrics')
export class MetricsController {
  constructor() {
    if (!defaultMetricsCollected) {
      collectDefaultMetrics({ prefix: 'kuzet_' });
      defaultMetricsCollected = true;
    }
  }

  @Get()
  @Header('Content-Type', register.contentType)
  @ApiResult.file('text/plain')
  scrape(): Promise<string> {
    return register.metrics();
  }
}

import { Controller, Get, Header } from '@nestjs/common';
import { Public } from '@kuzet/auth';
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
  scrape(): Promise<string> {
    return register.metrics();
  }
}

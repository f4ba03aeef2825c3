import { Controller, ForbiddenException, Get, Header, Inject, Req } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { Public } from '@kuzet/auth';
import { KUZET_CONFIG, KuzetConfig } from '@kuzet/config';
import { ApiResult } from '@kuzet/http';
import type { FastifyRequest } from 'fastify';
import { collectDefaultMetrics, register } from 'prom-client';

let defaultMetricsCollected = false;

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;
const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** Who may scrape: the holder of METRICS_TOKEN, or without one a caller on this host. The
 * figures carry no personal data, but consumer groups, lag and cameras per centre are a map of
 * the system that the ingress (which routes `/` to ops-center) must not hand to anyone. */
export function mayScrape(
  token: string | undefined,
  authorization: string | undefined,
  remoteAddress: string | undefined,
): boolean {
  if (token === undefined) return remoteAddress !== undefined && LOOPBACK.test(remoteAddress);
  const presented = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
  return presented !== undefined && timingSafeEqual(digest(presented), digest(token));
}

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
    // the socket's address, never X-Forwarded-For: a proxy on this host must not open it
    if (
      !mayScrape(
        this.config.METRICS_TOKEN,
        request.headers.authorization,
        request.raw.socket.remoteAddress,
      )
    )
      throw new ForbiddenException('metrics need METRICS_TOKEN as a bearer token');
    return register.metrics();
  }
}

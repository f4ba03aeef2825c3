import {
  CanActivate,
  ExecutionContext,
  HttpException,
  HttpStatus,
  Inject,
  Injectable,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { integratorOf } from '@kuzet/auth';
import { KUZET_CONFIG, KuzetConfig } from '@kuzet/config';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

type Limiter = ReturnType<FastifyInstance['createRateLimit']>;

/** Requests per minute per API key (the key's own limit, or INGEST_RATE_LIMIT_PER_MINUTE),
 * counted by @fastify/rate-limit; over the limit: 429 with Retry-After. Runs after ApiKeyGuard. */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private limiter?: Limiter;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(KUZET_CONFIG) private readonly config: Readonly<KuzetConfig>,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const integrator = integratorOf(request);
    if (!integrator) return true;
    const limit = await this.getLimiter()(request);
    if (limit.isAllowed) return true;
    const reply = http.getResponse<FastifyReply>();
    void reply
      .header('x-ratelimit-limit', limit.max)
      .header('x-ratelimit-remaining', limit.remaining);
    if (!limit.isExceeded) return true;
    void reply.header('retry-after', limit.ttlInSeconds);
    throw new HttpException(
      {
        statusCode: 429,
        error: 'Too Many Requests',
        message: `more than ${limit.max} requests a minute with API key ${integrator.keyId}; retry in ${limit.ttlInSeconds} s`,
        errors: [
          {
            field: 'X-Api-Key',
            rule: 'rate_limit',
            message: `at most ${limit.max} requests a minute`,
          },
        ],
      },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }

  private getLimiter(): Limiter {
    this.limiter ??= this.adapterHost.httpAdapter.getInstance<FastifyInstance>().createRateLimit({
      timeWindow: 60_000,
      keyGenerator: (request) => integratorOf(request)?.keyId ?? request.ip,
      max: (request) =>
        integratorOf(request)?.rateLimitPerMinute ?? this.config.INGEST_RATE_LIMIT_PER_MINUTE,
    });
    return this.limiter;
  }
}

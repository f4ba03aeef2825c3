import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import rateLimit from '@fastify/rate-limit';
import { KUZET_CONFIG, KuzetConfig } from '@kuzet/config';
import { TooManyRequestsException } from '@kuzet/http';
import type { FastifyInstance, FastifyRequest } from 'fastify';

type Limiter = ReturnType<FastifyInstance['createRateLimit']>;

/** Which badge a request counts against, set once the device is known (a symbol: no request
 * data can set it). */
const BADGE_OF_REQUEST = Symbol('kuzet.badge-of-request');

/** A 429 whose integrator-shaped body also says when to try again (the header says it too). */
export class BadgeRateLimitedException extends TooManyRequestsException {
  override getResponse(): Record<string, unknown> {
    return {
      ...(super.getResponse() as Record<string, unknown>),
      retry_after_seconds: Math.max(1, Math.ceil(this.retryAfterSeconds)),
    };
  }
}

/** BADGE_RATE_LIMIT_PER_MINUTE identify requests a minute per badge, counted by
 * @fastify/rate-limit (in this process: each matcher replica counts its own share). */
@Injectable()
export class BadgeRateLimiter implements OnModuleInit {
  private limiter?: Limiter;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(KUZET_CONFIG) private readonly config: Readonly<KuzetConfig>,
  ) {}

  async onModuleInit(): Promise<void> {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (fastify && !fastify.hasDecorator('createRateLimit')) {
      await fastify.register(rateLimit, { global: false });
    }
  }

  /** Counts the request against the badge; throws a 429 over the limit. */
  async admit(request: FastifyRequest, deviceId: string): Promise<void> {
    (request as unknown as Record<symbol, string>)[BADGE_OF_REQUEST] = deviceId;
    const limit = await this.getLimiter()(request);
    if (limit.isAllowed || !limit.isExceeded) return;
    throw new BadgeRateLimitedException(
      limit.ttlInSeconds,
      `more than ${limit.max} identify requests a minute from badge ${deviceId}; retry in ${limit.ttlInSeconds} s`,
    );
  }

  private getLimiter(): Limiter {
    this.limiter ??= this.adapterHost.httpAdapter.getInstance<FastifyInstance>().createRateLimit({
      timeWindow: 60_000,
      max: this.config.BADGE_RATE_LIMIT_PER_MINUTE,
      keyGenerator: (request) =>
        `badge:${(request as unknown as Record<symbol, string>)[BADGE_OF_REQUEST]}`,
    });
    return this.limiter;
  }
}

import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import {
  ApiKeyService,
  checkDigestCredentials,
  deviceChallenges,
  presentedApiKey,
} from '@kuzet/auth';
import { errorBodyFor, type HardenedRouteConfig } from '@kuzet/http';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** Route config of the badges' identify route, read by the hooks below. */
export interface BadgeRouteConfig extends HardenedRouteConfig {
  readonly badgeCredentials: true;
}

const isBadgeRoute = (request: FastifyRequest): boolean =>
  (request.routeOptions.config as Partial<BadgeRouteConfig> | undefined)?.badgeCredentials === true;

/** Badges, like cameras, can be given a user and password but no header: their HTTP Digest
 * credentials are checked before the (up to 4 MiB) body is read, exactly as the device adapters'
 * (ApiKeyService, one use per nonce and count), so is an unknown key, and a 401 challenges with
 * Basic and Digest. */
@Injectable()
export class BadgeHttpSetup implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly apiKeys: ApiKeyService,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    fastify.addHook('onRequest', async (request, reply) => {
      if (!isBadgeRoute(request)) return;
      const digest = await checkDigestCredentials(this.apiKeys, request);
      if (digest.kind === 'accepted') return;
      if (digest.kind === 'refused') {
        (request as { digestStale?: boolean }).digestStale = digest.stale;
        await reply
          .status(401)
          .send(errorBodyFor(request.url, 401, [digest.error], digest.error.message));
        return;
      }
      // an unknown key (X-Api-Key or the Basic password) is refused before the body is read too
      const presented = presentedApiKey(request.headers);
      if (typeof presented !== 'string' || (await this.apiKeys.authenticate(presented))) return;
      const unknown = {
        field: 'X-Api-Key',
        rule: 'api_key',
        message: 'the API key is unknown or revoked',
      };
      await reply.status(401).send(errorBodyFor(request.url, 401, [unknown], unknown.message));
    });
    fastify.addHook('onSend', async (request, reply) => {
      if (reply.statusCode !== 401 || !isBadgeRoute(request)) return;
      const stale = (request as { digestStale?: boolean }).digestStale === true;
      void reply.header('WWW-Authenticate', await deviceChallenges(this.apiKeys, stale));
    });
  }
}

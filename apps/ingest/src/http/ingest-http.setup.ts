import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import rateLimit from '@fastify/rate-limit';
import {
  ApiKeyService,
  checkDigestCredentials,
  deviceChallenges,
  presentedApiKey,
} from '@kuzet/auth';
import { CONTRACT_LIMITS } from '@kuzet/contracts';
import { KUZET_CONFIG, KuzetConfig } from '@kuzet/config';
import type { HardenedRouteConfig } from '@kuzet/http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from '../events/ingest-result';
import { MEDIA_TYPES, parseMediaType, PROTOBUF_ALIASES } from '../events/event-body.decoder';

/** Route config (`@RouteConfig(ingestRoute(...))`) read by the request check below. */
export interface IngestRouteConfig extends HardenedRouteConfig {
  readonly ingest: { readonly mediaTypes: readonly string[] };
}

export function ingestRoute(mediaTypes: readonly string[]): IngestRouteConfig {
  return { ingest: { mediaTypes }, largeBody: true, contractBody: true };
}

/** What the ingest adds to the Fastify server: raw-body parsers for protobuf and JPEG, and a
 * check before any body is read that answers a wrong content type with 415 and an oversize
 * body with 413, both naming what is wrong. Also loads @fastify/rate-limit for the rate guard. */
@Injectable()
export class IngestHttpSetup implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly apiKeys: ApiKeyService,
    @Inject(KUZET_CONFIG) private readonly config: Readonly<KuzetConfig>,
  ) {}

  async onModuleInit(): Promise<void> {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    const maxBodyBytes = this.config.INGEST_MAX_BODY_BYTES;
    const raw = (_: FastifyRequest, body: Buffer, done: (e: Error | null, b?: Buffer) => void) =>
      done(null, body);
    for (const type of [MEDIA_TYPES.protobuf, ...PROTOBUF_ALIASES]) {
      if (!fastify.hasContentTypeParser(type)) {
        fastify.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: maxBodyBytes }, raw);
      }
    }
    if (!fastify.hasContentTypeParser('image/jpeg')) {
      // twice the contract's limit, so a slightly oversize frame is named by the contract check
      fastify.addContentTypeParser(
        'image/jpeg',
        { parseAs: 'buffer', bodyLimit: 2 * CONTRACT_LIMITS.maxJpegBytes },
        raw,
      );
    }
    // device alerts: the XML alone, or with its pictures; read whole (bounded) and parsed by
    // the device adapter, whose parser refuses entities and deep nesting
    for (const type of ['application/xml', 'text/xml', 'multipart/form-data']) {
      if (!fastify.hasContentTypeParser(type)) {
        fastify.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: maxBodyBytes }, raw);
      }
    }
    fastify.addHook('onRequest', (request, reply, done) =>
      checkIngestRequest(request, reply, maxBodyBytes, done),
    );
    // an unknown key (in X-Api-Key, or a device's HTTP Basic password) is refused before its (up
    // to 8 MiB) body is read; the guard checks again from the key cache, so this costs one
    // lookup per key and cache period
    fastify.addHook('onRequest', async (request, reply) => {
      if (!(request.routeOptions.config as Partial<IngestRouteConfig> | undefined)?.ingest) return;
      // HTTP Digest (devices that cannot do Basic): checked here, before the body is read
      const digest = await checkDigestCredentials(this.apiKeys, request);
      if (digest.kind === 'accepted') return;
      if (digest.kind === 'refused') {
        (request as { digestStale?: boolean }).digestStale = digest.stale;
        await reply.status(401).send(errorBody(401, [digest.error]));
        return;
      }
      const presented = presentedApiKey(request.headers);
      if (typeof presented !== 'string' || (await this.apiKeys.authenticate(presented))) return;
      await reply
        .status(401)
        .send(
          errorBody(401, [
            { field: 'X-Api-Key', rule: 'api_key', message: 'the API key is unknown or revoked' },
          ]),
        );
    });
    // devices (cameras) send their HTTP Basic credentials only when challenged
    fastify.addHook('onSend', async (request, reply) => {
      if (reply.statusCode !== 401) return;
      if (!(request.routeOptions.config as Partial<IngestRouteConfig> | undefined)?.ingest) return;
      const stale = (request as { digestStale?: boolean }).digestStale === true;
      void reply.header('WWW-Authenticate', await deviceChallenges(this.apiKeys, stale));
    });
    if (!fastify.hasDecorator('createRateLimit')) {
      await fastify.register(rateLimit, { global: false });
    }
  }
}

function checkIngestRequest(
  request: FastifyRequest,
  reply: FastifyReply,
  maxBodyBytes: number,
  done: () => void,
): void {
  const route = (request.routeOptions.config as Partial<IngestRouteConfig> | undefined)?.ingest;
  if (!route) return done();
  const media = parseMediaType(request.headers['content-type']);
  if (!media || !route.mediaTypes.includes(media.type)) {
    void reply.status(415).send(
      errorBody(415, [
        {
          field: 'Content-Type',
          rule: 'media_type',
          message: `expected ${route.mediaTypes.join(' or ')}, got ${media?.type ?? 'none'}`,
        },
      ]),
    );
    return;
  }
  const length = Number(request.headers['content-length'] ?? 0);
  if (length > maxBodyBytes) {
    void reply.status(413).send(
      errorBody(413, [
        {
          field: '$',
          rule: 'max_bytes',
          message: `the body is ${length} bytes, more than ${maxBodyBytes}`,
        },
      ]),
    );
    return;
  }
  done();
}

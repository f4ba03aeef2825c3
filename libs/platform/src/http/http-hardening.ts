import helmet from '@fastify/helmet';
import { HttpStatus } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { KuzetConfig } from '@kuzet/config';
import { findControlCharacter } from './control-characters';
import { findDuplicateJsonKey } from './json-duplicate-keys';
import { jsonNestingDepth } from './json-depth';
import { errorBodyFor, HardenedRouteConfig, RequestFieldError, STATUS_RULES } from '@kuzet/http';

const CREDENTIAL_HEADERS = ['authorization', 'x-api-key'] as const;

/** What every kuzet HTTP server does before a controller sees a request: security headers,
 * small bodies except where large ones are the point, JSON nesting bounded before parsing,
 * control characters refused in query, path and body with 400 naming the field. Call before
 * the app is initialised (routes are given their limits as they are registered). */
export async function hardenHttp(
  app: NestFastifyApplication,
  config: Readonly<KuzetConfig>,
): Promise<void> {
  const fastify: FastifyInstance = app.getHttpAdapter().getInstance();
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    referrerPolicy: { policy: 'no-referrer' },
    frameguard: { action: 'deny' },
    // no cross-origin embedding of anything kuzet serves (face images above all)
    crossOriginResourcePolicy: { policy: 'same-origin' },
    // plain HTTP on loopback in development; a TLS-terminating proxy sets HSTS in production
    strictTransportSecurity: false,
  });

  fastify.addHook('onRoute', (route: RouteOptions) => {
    if (!routeConfig(route.config).largeBody) route.bodyLimit ??= config.HTTP_MAX_BODY_BYTES;
  });

  // A body that cannot be taken is not failed in the parser (Fastify would answer in its own
  // shape): it is parsed to a RefusedBody that the preHandler below answers with `errors`.
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'string' },
    (request: FastifyRequest, body: string | Buffer, done) => {
      const text = typeof body === 'string' ? body : body.toString('utf8');
      if (jsonNestingDepth(text, config.HTTP_MAX_JSON_DEPTH) > config.HTTP_MAX_JSON_DEPTH) {
        const message = `arrays and objects may be nested at most ${config.HTTP_MAX_JSON_DEPTH} deep`;
        done(null, new RefusedBody([{ field: '$', rule: 'max_depth', message }]));
        return;
      }
      parseJson(request, text, (error, parsed) => {
        if (error) {
          return done(
            null,
            new RefusedBody([{ field: '$', rule: 'json', message: error.message }]),
          );
        }
        const duplicate = findDuplicateJsonKey(text);
        if (duplicate === null) return done(null, parsed);
        done(
          null,
          new RefusedBody([
            {
              field: duplicate.path,
              rule: 'duplicate',
              message: `the key ${JSON.stringify(duplicate.key)} appears more than once in the same object`,
            },
          ]),
        );
      });
    },
  );

  fastify.addHook('onRequest', (request, reply, done) => {
    const large = routeConfig(request.routeOptions.config).largeBody;
    if (large && !CREDENTIAL_HEADERS.some((name) => request.headers[name] !== undefined)) {
      return void sendErrors(reply, HttpStatus.UNAUTHORIZED, [
        {
          field: 'X-Api-Key',
          rule: 'required',
          message: 'an API key (integrators) or a bearer token (staff) is required',
        },
      ]);
    }
    // a large-body route's own limit too (a badge's identify, a photo upload): past the limit
    // Fastify would answer in its own shape, with no `errors`
    const limit = large
      ? (request.routeOptions.bodyLimit ?? config.INGEST_MAX_BODY_BYTES)
      : config.HTTP_MAX_BODY_BYTES;
    const length = Number(request.headers['content-length'] ?? 0);
    if (length > limit) {
      return void sendErrors(reply, HttpStatus.PAYLOAD_TOO_LARGE, [
        {
          field: '$',
          rule: 'max_bytes',
          message: `the body is ${length} bytes, more than ${limit}`,
        },
      ]);
    }
    done();
  });

  // What Fastify refuses itself, before any route runs (a chunked body over the limit, a media
  // type no parser takes), it answers in its own shape; rewritten here into the one shape
  fastify.addHook('onSend', async (request, reply, payload) => {
    const refused = fastifyRefusal(reply.statusCode, payload);
    if (!refused) return payload;
    const rule = STATUS_RULES[reply.statusCode] ?? 'invalid';
    const body = errorBodyFor(
      request.url,
      reply.statusCode,
      [{ field: '$', rule, message: refused }],
      `$: ${refused}`,
    );
    void reply.header('content-type', 'application/json; charset=utf-8');
    return JSON.stringify(body);
  });

  fastify.addHook('preHandler', (request, reply, done) => {
    if (request.body instanceof RefusedBody) {
      return void sendErrors(reply, HttpStatus.BAD_REQUEST, request.body.errors);
    }
    const field =
      findControlCharacter(request.query, 'query') ??
      findControlCharacter(request.params, 'path') ??
      (routeConfig(request.routeOptions.config).contractBody
        ? null
        : findControlCharacter(request.body, 'body'));
    if (field === null) return done();
    void sendErrors(reply, HttpStatus.BAD_REQUEST, [
      {
        field: field.replace(/^(query|path|body)\.?/, '') || '$',
        rule: 'control_character',
        message: 'control characters (other than tab and line breaks) are not allowed',
      },
    ]);
  });
}

/** The message of Fastify's own 4xx error body (`{statusCode, code: "FST_…", error, message}`),
 * or null for any other answer. */
export function fastifyRefusal(status: number, payload: unknown): string | null {
  if (status < 400 || status >= 500 || typeof payload !== 'string') return null;
  if (!payload.includes('"code":"FST_')) return null;
  try {
    const body = JSON.parse(payload) as { code?: unknown; message?: unknown; errors?: unknown };
    if (typeof body.code !== 'string' || !body.code.startsWith('FST_') || body.errors) return null;
    return typeof body.message === 'string' ? body.message : body.code;
  } catch {
    return null;
  }
}

/** A body the JSON parser refused. Fastify answers a parser's own error with its fixed error
 * shape (no `errors`), so the refusal travels as the body to the preHandler, which answers in
 * kuzet's shape before any controller runs. */
class RefusedBody {
  constructor(readonly errors: readonly RequestFieldError[]) {}
}

function routeConfig(config: unknown): HardenedRouteConfig {
  return (config ?? {}) as HardenedRouteConfig;
}

function sendErrors(
  reply: FastifyReply,
  status: HttpStatus,
  errors: readonly RequestFieldError[],
): FastifyReply {
  // the integrator API's message names every field at fault, as its other refusals do
  const message = errors.map((e) => `${e.field}: ${e.message}`).join('; ');
  return reply.status(status).send(errorBodyFor(reply.request.url, status, errors, message));
}

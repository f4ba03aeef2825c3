import { HttpStatus, RequestMethod, SetMetadata, Type } from '@nestjs/common';
import {
  HTTP_CODE_METADATA,
  METHOD_METADATA,
  PATH_METADATA,
  ROUTE_ARGS_METADATA,
} from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { ParseUUIDPipe } from '@nestjs/common';
import { INestApplicationContext } from '@nestjs/common';
import { MetadataScanner, ModulesContainer } from '@nestjs/core';
import { z } from 'zod';
import { ZodValidationPipe } from './zod-validation.pipe';

// The pieces the OpenAPI documents are generated from: the zod schemas that validate the
// requests (read from the ZodValidationPipe of each @Body, @Query and @Param), the zod schema
// of each response (@ApiResult), and every route Nest registers. One source: the type a
// controller returns is z.infer of the schema the document shows.

export const RESULT_METADATA = 'kuzet:openapi-result';

/** What a route answers with when it succeeds. */
export type RouteResult =
  | { readonly kind: 'json'; readonly status?: number; readonly schema: z.ZodType }
  | { readonly kind: 'file'; readonly status?: number; readonly mediaType: string }
  | { readonly kind: 'empty'; readonly status: number };

/** `@ApiResult(schema)`: the route answers JSON of this schema (status: @HttpCode, else 201
 * for POST and 200 otherwise). `ApiResult.file(type)`: a file of that media type.
 * `ApiResult.empty(204)`: no body. */
export const ApiResult = Object.assign(
  (schema: z.ZodType, status?: number): MethodDecorator =>
    SetMetadata(RESULT_METADATA, { kind: 'json', schema, status } satisfies RouteResult),
  {
    file: (mediaType: string, status?: number): MethodDecorator =>
      SetMetadata(RESULT_METADATA, { kind: 'file', mediaType, status } satisfies RouteResult),
    empty: (status = 204): MethodDecorator =>
      SetMetadata(RESULT_METADATA, { kind: 'empty', status } satisfies RouteResult),
  },
);

/** One refused field (or `$`, the request as a whole) in an error body. */
export const fieldErrorSchema = z
  .object({
    field: z.string(),
    rule: z.string().meta({
      description:
        'a stable machine code the web app translates: required, too_small, not_found, conflict, state_conflict, forbidden, unauthenticated, rate_limit...',
    }),
    message: z.string().meta({ description: 'English, for integrators and logs' }),
    params: z
      .record(z.string(), z.unknown())
      .optional()
      .meta({ description: 'values the translation needs, e.g. { "minimum": 8 }' }),
  })
  .meta({ id: 'StaffFieldError' });

/** The one error body of the staff API, every 4xx (docs/api-conventions.md). */
export const errorBodySchema = z
  .strictObject({ errors: z.array(fieldErrorSchema).min(1) })
  .meta({ id: 'StaffErrorBody' });

export interface HttpRoute {
  readonly method: string;
  /** Nest's form: /v1/alerts/:id */
  readonly path: string;
  /** OpenAPI's form: /v1/alerts/{id} */
  readonly openApiPath: string;
  readonly key: string;
  readonly controller: Type<unknown>;
  readonly methodName: string;
  readonly handler: (...args: unknown[]) => unknown;
}

/** Every HTTP route of every controller in the app, from Nest's own module container. */
export function httpRoutesOf(app: INestApplicationContext): HttpRoute[] {
  const scanner = new MetadataScanner();
  const routes: HttpRoute[] = [];
  const seen = new Set<Type<unknown>>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type<unknown> | null;
      if (!controller || seen.has(controller)) continue;
      seen.add(controller);
      const base = [Reflect.getMetadata(PATH_METADATA, controller) as string | string[]].flat();
      for (const methodName of scanner.getAllMethodNames(controller.prototype as object)) {
        const handler = (controller.prototype as Record<string, unknown>)[methodName] as (
          ...args: unknown[]
        ) => unknown;
        const own = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
        if (own === undefined) continue;
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number]!;
        for (const prefix of base) {
          for (const suffix of [own].flat()) {
            const path = `/${[prefix, suffix].filter((p) => p && p !== '/').join('/')}`
              .replace(/\/+/g, '/')
              .replace(/(.)\/$/, '$1');
            routes.push({
              method,
              path,
              openApiPath: path.replace(/:([A-Za-z0-9_]+)/g, '{$1}'),
              key: `${method} ${path}`,
              controller,
              methodName,
              handler,
            });
          }
        }
      }
    }
  }
  return routes;
}

/** The zod schemas that validate a route's request, read from its parameters' pipes. */
export interface RequestSchemas {
  readonly body?: z.ZodType;
  readonly query?: z.ZodType;
  /** Path parameters: a zod schema, or 'uuid' where ParseUUIDPipe checks it. */
  readonly params: Readonly<Record<string, z.ZodType | 'uuid'>>;
  /** The handler reads a body without a zod schema (checked by its own decoder). */
  readonly rawBody: boolean;
}

interface RouteArg {
  readonly index: number;
  readonly data?: unknown;
  readonly pipes?: unknown[];
}

export function requestSchemasOf(route: HttpRoute): RequestSchemas {
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, route.controller, route.methodName) ??
    {}) as Record<string, RouteArg>;
  let body: z.ZodType | undefined;
  let query: z.ZodType | undefined;
  let rawBody = false;
  const params: Record<string, z.ZodType | 'uuid'> = {};
  for (const [key, arg] of Object.entries(args)) {
    const type = Number(key.split(':')[0]);
    const zod = arg.pipes?.find(
      (p): p is ZodValidationPipe<z.ZodType> => p instanceof ZodValidationPipe,
    )?.schema;
    if (type === RouteParamtypes.BODY) {
      if (zod) body = zod;
      else rawBody = true;
    } else if (type === RouteParamtypes.QUERY && zod) {
      query = zod;
    } else if (type === RouteParamtypes.PARAM && typeof arg.data === 'string') {
      if (zod) params[arg.data] = zod;
      else if (arg.pipes?.some((p) => p instanceof ParseUUIDPipe)) params[arg.data] = 'uuid';
    }
  }
  return { body, query, params, rawBody };
}

export function resultOf(route: HttpRoute): RouteResult | undefined {
  return Reflect.getMetadata(RESULT_METADATA, route.handler) as RouteResult | undefined;
}

/** The status a route answers with when it succeeds. */
export function successStatusOf(route: HttpRoute): number {
  const declared = resultOf(route)?.status;
  if (declared) return declared;
  const code = Reflect.getMetadata(HTTP_CODE_METADATA, route.handler) as number | undefined;
  return code ?? (route.method === 'POST' ? HttpStatus.CREATED : HttpStatus.OK);
}

export type JsonSchema = Record<string, unknown>;

/** What zod writes that says nothing to a reader: .int()'s safe-integer bounds, and in an
 * answer the long pattern beside format date-time or uuid. */
function isNoise(key: string, value: unknown, schema: JsonSchema, io: 'input' | 'output'): boolean {
  if (key === 'minimum' && value === Number.MIN_SAFE_INTEGER) return true;
  if (key === 'maximum' && value === Number.MAX_SAFE_INTEGER) return true;
  return (
    io === 'output' &&
    key === 'pattern' &&
    (schema.format === 'date-time' || schema.format === 'uuid')
  );
}

/** A zod schema as an OpenAPI 3.0 schema. Sub-schemas with an id (`.meta({ id })`) go to
 * `components` and are referred to by name; `io: 'input'` is what a request may send,
 * `'output'` what a response holds. */
export function openApiSchemaOf(
  schema: z.ZodType,
  io: 'input' | 'output',
  components: Record<string, JsonSchema>,
): JsonSchema {
  const suffix = io === 'input' ? 'Input' : '';
  const json = z.toJSONSchema(schema, {
    target: 'openapi-3.0',
    io,
    unrepresentable: 'any',
  }) as JsonSchema;
  const definitions = (json.definitions ?? {}) as Record<string, JsonSchema>;
  delete json.definitions;
  delete json.$schema;
  const rename = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rename);
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value)
          .filter(([k, v]) => !isNoise(k, v, value as JsonSchema, io))
          .map(([k, v]) => [
            k,
            k === '$ref' && typeof v === 'string'
              ? v.replace(/^#\/definitions\/(.+)$/, `#/components/schemas/$1${suffix}`)
              : rename(v),
          ]),
      );
    }
    return value;
  };
  for (const [name, definition] of Object.entries(definitions)) {
    components[`${name}${suffix}`] = rename(definition) as JsonSchema;
  }
  return rename(json) as JsonSchema;
}

/** A Date in a response: JSON carries it as an RFC 3339 string, and so does the document. */
export const jsonDate = (): z.ZodDate =>
  z.date().meta({ type: 'string', format: 'date-time' }) as z.ZodDate;

/** `@ApiBody({ schema: FROM_ZOD_PIPE, examples })`: the body's schema is generated from the
 * route's ZodValidationPipe when the document is built; the decorator only adds examples. */
export const FROM_ZOD_PIPE = Object.freeze({}) as Record<string, never>;

/** A zod schema that checks a JSON body (as it crosses the wire: dates are strings) against
 * what the document says a response schema is. For tests. */
export function jsonResponseCheckOf(schema: z.ZodType): z.ZodType {
  return z.fromJSONSchema(
    z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) as Parameters<
      typeof z.fromJSONSchema
    >[0],
  );
}

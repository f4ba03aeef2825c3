import { Controller, Get, Injectable, NotFoundException } from '@nestjs/common';
import { INestApplication } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { API_KEY_HEADER, RouteAccess, routeAccess, Roles, STAFF_ROLES } from '@kuzet/auth';
import {
  ApiResult,
  errorBodySchema,
  httpRoutesOf,
  JsonSchema,
  openApiSchemaOf,
  requestSchemasOf,
  resultOf,
  successStatusOf,
} from '@kuzet/http';
import { z } from 'zod';
import { errorBodySchema as integratorErrorBodySchema } from './events/ingest-result';

export const OPENAPI_PATH = 'docs';
export const STAFF_OPENAPI_ROUTE = 'v1/openapi.json';

/** The staff API's document, kept for the signed-in staff who ask for it. */
@Injectable()
export class OpenApiDocuments {
  staff: OpenAPIObject | null = null;
}

@ApiTags('docs')
@Controller()
export class StaffOpenApiController {
  constructor(private readonly documents: OpenApiDocuments) {}

  @Get(STAFF_OPENAPI_ROUTE)
  @Roles(...STAFF_ROLES)
  @ApiBearerAuth('staff')
  @ApiOperation({
    summary: 'The whole API (staff and integrators) as OpenAPI, for signed-in staff',
  })
  @ApiResult(z.record(z.string(), z.unknown()).describe('an OpenAPI 3.0 document'))
  staffDocument(): OpenAPIObject {
    if (!this.documents.staff) throw new NotFoundException('no API document is published here');
    return this.documents.staff;
  }
}

/** Two documents built from the controllers' decorators. The integrators' (operations taken
 * with an API key) is public: the UI at /docs, the JSON at /docs/openapi.json. The whole API,
 * staff routes included, maps what an attacker would probe: only signed-in staff get it, at
 * /v1/openapi.json. Call before the app listens. */
export function setupOpenApi(app: NestFastifyApplication): void {
  const whole = buildOpenApiDocument(app);
  app.get(OpenApiDocuments).staff = whole;
  SwaggerModule.setup(OPENAPI_PATH, app, integratorDocument(whole), {
    jsonDocumentUrl: `${OPENAPI_PATH}/openapi.json`,
  });
}

/** The whole API's document: the controllers' decorators (summaries, examples), completed
 * from what every route Nest registers really does: the zod schemas its pipes validate the
 * request with, the zod schema of its response (@ApiResult), and who may call it (@Roles,
 * @Public, @IntegratorApiKeyAuth), read as the guards read them. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('kuzet API')
    .setDescription(
      'Push camera events (face frames and observations, violations, SOS alarms) to kuzet; staff: alerts, watchlists, the camera registry, users, API keys and the audit log. Integrator guide: docs/integrator-guide.md.',
    )
    .setVersion('v1')
    .addApiKey({ type: 'apiKey', in: 'header', name: API_KEY_HEADER }, 'api-key')
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', description: 'accessToken from POST /v1/auth/login' },
      'staff',
    )
    .build();
  const document = SwaggerModule.createDocument(app, config);
  completeFromRoutes(app, document);
  return document;
}

type Operation = Record<string, unknown> & {
  description?: string;
  parameters?: Array<Record<string, unknown>>;
  responses?: Record<string, Record<string, unknown>>;
  requestBody?: {
    required?: boolean;
    content?: Record<string, { schema?: unknown; examples?: unknown }>;
  };
};

export const ROLES_EXTENSION = 'x-kuzet-roles';

/** How a route's access is written into its operation: 'public', 'api-key' or role names. */
export function accessNames(access: RouteAccess): string[] {
  return typeof access === 'string' ? [access] : [...access];
}

function accessSentence(access: RouteAccess): string {
  if (access === 'public') return 'Access: public (no credentials).';
  if (access === 'api-key') return `Access: an integrator API key (${API_KEY_HEADER}).`;
  if (access === 'nothing') return 'Access: nobody (the route declares no role).';
  return `Access: signed-in staff with one of the roles ${access.join(', ')}.`;
}

function completeFromRoutes(app: INestApplication, document: OpenAPIObject): void {
  const schemas = (document.components!.schemas ??= {}) as Record<string, JsonSchema>;
  const errorRef = openApiSchemaOf(errorBodySchema, 'output', schemas);
  // the integrator API v1 keeps the error body it was published with
  const integratorErrorRef = openApiSchemaOf(
    integratorErrorBodySchema.meta({ id: 'ErrorBody' }),
    'output',
    schemas,
  );
  for (const route of httpRoutesOf(app)) {
    const item = (document.paths[route.openApiPath] ??= {}) as Record<string, Operation>;
    const operation = (item[route.method.toLowerCase()] ??= { responses: {} });
    const access = routeAccess(route.handler, route.controller);

    operation[ROLES_EXTENSION] = accessNames(access);
    operation.description = [operation.description, accessSentence(access)]
      .filter(Boolean)
      .join('\n\n');
    operation.security =
      access === 'public' ? [] : access === 'api-key' ? [{ 'api-key': [] }] : [{ staff: [] }];

    const request = requestSchemasOf(route);
    const parameters = operation.parameters ?? [];
    for (const [name, schema] of Object.entries(request.params)) {
      const json =
        schema === 'uuid'
          ? { type: 'string', format: 'uuid' }
          : openApiSchemaOf(schema, 'input', schemas);
      const existing = parameters.find((p) => p.in === 'path' && p.name === name);
      if (existing) existing.schema = json;
      else parameters.push({ name, in: 'path', required: true, schema: json });
    }
    if (request.query) {
      const json = openApiSchemaOf(request.query, 'input', schemas);
      const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
      const required = (json.required ?? []) as string[];
      for (const [name, schema] of Object.entries(properties)) {
        const existing = parameters.find((p) => p.in === 'query' && p.name === name);
        const { description, ...rest } = schema;
        const parameter = {
          ...existing,
          name,
          in: 'query',
          required: required.includes(name) && !('default' in schema),
          schema: rest,
          ...(existing?.description ? {} : description ? { description } : {}),
        };
        if (existing) Object.assign(existing, parameter);
        else parameters.push(parameter);
      }
      // an @ApiQuery the schema does not know would be refused by a strict schema: drop it
      for (let i = parameters.length - 1; i >= 0; i--) {
        if (parameters[i]!.in === 'query' && !((parameters[i]!.name as string) in properties)) {
          parameters.splice(i, 1);
        }
      }
    }
    operation.parameters = parameters;
    if (request.body) {
      const json = openApiSchemaOf(request.body, 'input', schemas);
      const examples = operation.requestBody?.content?.['application/json']?.examples;
      operation.requestBody = {
        required: true,
        content: { 'application/json': { schema: json, ...(examples ? { examples } : {}) } },
      };
    }

    const responses = (operation.responses ??= {});
    const status = String(successStatusOf(route));
    const result = resultOf(route);
    if (result?.kind === 'json') {
      responses[status] = {
        description: (responses[status]?.description as string | undefined) || 'success',
        content: {
          'application/json': { schema: openApiSchemaOf(result.schema, 'output', schemas) },
        },
      };
    } else if (result?.kind === 'file') {
      responses[status] = {
        description: (responses[status]?.description as string | undefined) || 'the file',
        content: { [result.mediaType]: { schema: { type: 'string', format: 'binary' } } },
      };
    } else if (result?.kind === 'empty') {
      responses[status] = { description: 'no content' };
    }
    // Nest's own placeholder for the default status, where the route answers another
    for (const [code, response] of Object.entries(responses)) {
      if (code !== status && /^2/.test(code) && response.description === '' && !response.content) {
        delete responses[code];
      }
    }
    const error = (description: string) => ({
      description,
      content: {
        'application/json': { schema: access === 'api-key' ? integratorErrorRef : errorRef },
      },
    });
    if (request.body || request.query || Object.keys(request.params).length > 0) {
      responses['400'] ??= error('a field breaks a rule: errors names each');
    }
    if (access !== 'public') {
      responses['401'] ??= error(
        access === 'api-key' ? 'missing, unknown or revoked API key' : 'not signed in',
      );
    }
    if (Array.isArray(access)) responses['403'] ??= error('none of the roles this needs');
    // a staff 4xx an @ApiResponse declared with a description only answers the error body too
    for (const [code, response] of Object.entries(responses)) {
      if (access !== 'api-key' && /^4/.test(code) && !response.content) {
        responses[code] = error((response.description as string | undefined) ?? 'refused');
      }
    }
  }
}

/** The operations an API key opens, and the schemas they name. */
export function integratorDocument(whole: OpenAPIObject): OpenAPIObject {
  const paths: OpenAPIObject['paths'] = {};
  for (const [path, item] of Object.entries(whole.paths)) {
    const operations = Object.fromEntries(
      Object.entries(item).filter(
        ([, operation]) =>
          typeof operation === 'object' &&
          operation !== null &&
          'security' in operation &&
          (operation.security as Array<Record<string, unknown>> | undefined)?.some(
            (requirement) => 'api-key' in requirement,
          ),
      ),
    );
    if (Object.keys(operations).length > 0) paths[path] = operations;
  }
  const {
    bearerAuth: _bearer,
    staff: _staff,
    ...securitySchemes
  } = whole.components?.securitySchemes ?? {};
  return {
    ...whole,
    info: { ...whole.info, title: 'kuzet integrator API' },
    paths,
    components: {
      ...whole.components,
      schemas: schemasReachedFrom(paths, whole.components?.schemas ?? {}) as NonNullable<
        OpenAPIObject['components']
      >['schemas'],
      securitySchemes,
    },
  };
}

/** Only the named schemas the given operations use, so the public document names nothing of
 * the staff API. */
function schemasReachedFrom(
  paths: OpenAPIObject['paths'],
  schemas: Record<string, unknown>,
): Record<string, unknown> {
  const reached: Record<string, unknown> = {};
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (!value || typeof value !== 'object') return;
    for (const [key, inner] of Object.entries(value)) {
      const name =
        key === '$ref' && typeof inner === 'string'
          ? /^#\/components\/schemas\/(.+)$/.exec(inner)?.[1]
          : undefined;
      if (name !== undefined && !(name in reached) && name in schemas) {
        reached[name] = schemas[name];
        visit(schemas[name]);
      } else {
        visit(inner);
      }
    }
  };
  visit(paths);
  return reached;
}

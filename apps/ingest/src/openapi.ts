import { Controller, Get, Injectable, NotFoundException } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { API_KEY_HEADER, Roles, STAFF_ROLES } from '@kuzet/auth';

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
  const whole = SwaggerModule.createDocument(app, config);
  app.get(OpenApiDocuments).staff = whole;
  SwaggerModule.setup(OPENAPI_PATH, app, integratorDocument(whole), {
    jsonDocumentUrl: `${OPENAPI_PATH}/openapi.json`,
  });
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
    components: { ...whole.components, securitySchemes },
  };
}

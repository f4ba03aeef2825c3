import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { API_KEY_HEADER } from '@kuzet/auth';

export const OPENAPI_PATH = 'docs';

/** Serves the OpenAPI document built from the controllers' decorators: the UI at /docs, the
 * JSON at /docs/openapi.json. Call before the app listens. */
export function setupOpenApi(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('kuzet ingest API')
    .setDescription(
      'Push camera events (face frames and observations, violations, SOS alarms) to kuzet, and administer integrator API keys and the camera registry. Integrator guide: docs/integrator-guide.md.',
    )
    .setVersion('v1')
    .addApiKey({ type: 'apiKey', in: 'header', name: API_KEY_HEADER }, 'api-key')
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', description: 'accessToken from POST /v1/auth/login' },
      'staff',
    )
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup(OPENAPI_PATH, app, document, {
    jsonDocumentUrl: `${OPENAPI_PATH}/openapi.json`,
  });
}

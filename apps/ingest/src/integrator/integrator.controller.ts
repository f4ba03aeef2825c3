import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Integrator, IntegratorApiKeyAuth, IntegratorPrincipal } from '@kuzet/auth';
import { KUZET_CONFIG, KuzetConfig } from '@kuzet/config';
import { ApiResult, ZodValidationPipe } from '@kuzet/http';
import { CameraPageDto, cameraPageDtoSchema, CameraRegistryService } from '@kuzet/registry';
import { z } from 'zod';

const pageSchema = z.strictObject({
  after: z.string().min(1).max(128).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const integratorSelfDtoSchema = z
  .object({
    integrator_id: z.string(),
    key_id: z.string(),
    scope: z
      .object({ camera_ids: z.array(z.string()), district_ids: z.array(z.string()) })
      .describe(
        'the events this key may push: cameras named, and every camera of the districts named',
      ),
    limits: z.object({
      requests_per_minute: z.number().int(),
      max_batch_events: z.number().int(),
      max_body_bytes: z.number().int(),
      publish_timeout_ms: z.number().int(),
    }),
  })
  .meta({ id: 'IntegratorSelf' });
export type IntegratorSelfDto = z.infer<typeof integratorSelfDtoSchema>;

/** What an integrator can learn with its own key: its scope and limits, and the cameras it
 * may push for (staff endpoints such as GET /v1/cameras need a staff sign-in). */
@ApiTags('ingest')
@ApiSecurity('api-key')
@Controller('v1/integrator')
@IntegratorApiKeyAuth()
export class IntegratorController {
  constructor(
    private readonly registry: CameraRegistryService,
    @Inject(KUZET_CONFIG) private readonly config: Readonly<KuzetConfig>,
  ) {}

  @Get('me')
  @ApiOperation({ summary: "The key's integrator, scope and limits" })
  @ApiResult(integratorSelfDtoSchema)
  me(@Integrator() integrator: IntegratorPrincipal): IntegratorSelfDto {
    return {
      integrator_id: integrator.integratorId,
      key_id: integrator.keyId,
      scope: {
        camera_ids: [...integrator.cameraIds].sort(),
        district_ids: [...integrator.districtIds].sort(),
      },
      limits: {
        requests_per_minute:
          integrator.rateLimitPerMinute ?? this.config.INGEST_RATE_LIMIT_PER_MINUTE,
        max_batch_events: this.config.INGEST_MAX_BATCH_EVENTS,
        max_body_bytes: this.config.INGEST_MAX_BODY_BYTES,
        publish_timeout_ms: this.config.INGEST_PUBLISH_TIMEOUT_MS,
      },
    };
  }

  @Get('cameras')
  @ApiOperation({
    summary: 'The registered cameras within the key’s scope (status active or retired), by id',
  })
  @ApiResult(cameraPageDtoSchema)
  cameras(
    @Integrator() integrator: IntegratorPrincipal,
    @Query(new ZodValidationPipe(pageSchema)) page: z.infer<typeof pageSchema>,
  ): Promise<CameraPageDto> {
    return this.registry.listCamerasInScope(integrator, page);
  }
}

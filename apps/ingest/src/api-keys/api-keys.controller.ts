import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import {
  API_KEY_ID_PATTERN,
  ApiKeyDto,
  apiKeyDtoSchema,
  ApiKeyService,
  CreateApiKeyInput,
  createApiKeySchema,
  CreatedApiKeyDto,
  createdApiKeyDtoSchema,
  CurrentUser,
  Roles,
  StaffPrincipal,
} from '@kuzet/auth';
import {
  ApiResult,
  FROM_ZOD_PIPE,
  Page,
  pageOf,
  PageQuery,
  pageQuerySchema,
  pageSchema,
  RequestFieldError,
  RequestValidationException,
  ZodValidationPipe,
} from '@kuzet/http';
import { CameraRegistryService } from '@kuzet/registry';
import { z } from 'zod';

const apiKeyIdSchema = z.string().regex(API_KEY_ID_PATTERN, 'API key ids are 16 of [a-z0-9]');

@ApiTags('api-keys')
@ApiBearerAuth('staff')
@Controller('v1/api-keys')
@Roles('system-admin')
export class ApiKeysController {
  constructor(
    private readonly apiKeys: ApiKeyService,
    private readonly registry: CameraRegistryService,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Issue an API key for an integrator; the key is shown only here' })
  @ApiBody({
    schema: FROM_ZOD_PIPE,
    examples: {
      district: {
        summary: 'all cameras of two districts',
        value: {
          integrator_id: 'vendor-a',
          label: 'Vendor A NVRs',
          district_ids: ['munaily', 'beineu'],
        },
      },
      cameras: {
        summary: 'two cameras, 600 requests a minute',
        value: {
          integrator_id: 'sos-posts',
          label: 'SOS posts',
          camera_ids: ['aktau-sos-0001', 'beineu-sos-0003'],
          rate_limit_per_minute: 600,
        },
      },
    },
  })
  @ApiResponse({ status: 201, description: 'the key, with `key` to hand to the integrator' })
  @ApiResponse({
    status: 400,
    description:
      'a camera or district of the scope is not in the registry (`unknown_camera`, `unknown_district`)',
  })
  @ApiResult(createdApiKeyDtoSchema)
  async create(
    @CurrentUser() admin: StaffPrincipal,
    @Body(new ZodValidationPipe(createApiKeySchema)) input: CreateApiKeyInput,
  ): Promise<CreatedApiKeyDto> {
    await this.refuseUnknownScope(input);
    return this.apiKeys.create(input, admin.username);
  }

  /** A scope naming a camera or district the registry lacks is a typo today and, once someone
   * registers that id, a grant nobody meant: refused, each id named. */
  private async refuseUnknownScope(input: CreateApiKeyInput): Promise<void> {
    const districts = new Set((await this.registry.listDistricts()).map((d) => d.id));
    const cameras = await this.registry.locate(input.camera_ids);
    const unknown = (
      field: 'district_ids' | 'camera_ids',
      ids: readonly string[],
      known: { has(id: string): boolean },
    ): RequestFieldError[] => {
      const what = field === 'district_ids' ? 'district' : 'camera';
      return ids.flatMap((id, i) =>
        known.has(id)
          ? []
          : [
              {
                field: `${field}.${i}`,
                rule: `unknown_${what}`,
                message: `no ${what} ${id}`,
                params: { id },
              },
            ],
      );
    };
    const errors = [
      ...unknown('district_ids', input.district_ids, districts),
      ...unknown('camera_ids', input.camera_ids, cameras),
    ];
    if (errors.length > 0) throw new RequestValidationException(errors.slice(0, 100));
  }

  @Get()
  @ApiOperation({ summary: 'List API keys (never their secrets)' })
  @ApiResult(pageSchema(apiKeyDtoSchema).meta({ id: 'ApiKeyList' }))
  async list(
    @Query(new ZodValidationPipe(pageQuerySchema)) query: PageQuery,
  ): Promise<Page<ApiKeyDto>> {
    // oldest first; created_at then id, so that keys made in the same millisecond keep an order
    return pageOf(await this.apiKeys.list(), (key) => `${key.created_at} ${key.id}`, query);
  }

  @Post(':id/revoke')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke an API key: requests with it get 401 from now on' })
  @ApiResponse({ status: 200, description: 'the revoked key (revoking again changes nothing)' })
  @ApiResult(apiKeyDtoSchema)
  @ApiResponse({ status: 404, description: 'no such key' })
  revoke(
    @CurrentUser() admin: StaffPrincipal,
    @Param('id', new ZodValidationPipe(apiKeyIdSchema, 'id')) id: string,
  ): Promise<ApiKeyDto> {
    return this.apiKeys.revoke(id, admin.username);
  }
}

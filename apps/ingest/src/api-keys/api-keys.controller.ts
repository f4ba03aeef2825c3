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
  ZodValidationPipe,
} from '@kuzet/http';
import { z } from 'zod';

const apiKeyIdSchema = z.string().regex(API_KEY_ID_PATTERN, 'API key ids are 16 of [a-z0-9]');

@ApiTags('api-keys')
@ApiBearerAuth('staff')
@Controller('v1/api-keys')
@Roles('system-admin')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeyService) {}

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
  @ApiResult(createdApiKeyDtoSchema)
  create(
    @CurrentUser() admin: StaffPrincipal,
    @Body(new ZodValidationPipe(createApiKeySchema)) input: CreateApiKeyInput,
  ): Promise<CreatedApiKeyDto> {
    return this.apiKeys.create(input, admin.username);
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

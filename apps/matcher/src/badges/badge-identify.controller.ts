import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Integrator, IntegratorApiKeyAuth, IntegratorPrincipal } from '@kuzet/auth';
import { ApiResult, ZodValidationPipe } from '@kuzet/http';
import type { FastifyRequest } from 'fastify';
import {
  IdentifyRequest,
  identifyRequestSchema,
  IdentifyResponse,
  identifyResponseSchema,
  toIdentifyCommand,
} from './badge-identify.schemas';
import { BadgeRouteConfig } from './badge-http.setup';
import { BadgeIdentifyService } from './badge-identify.service';
import { BadgeRateLimiter } from './badge-rate-limiter';

/** Smart badges ask whether the face in front of their officer is wanted. Served by the
 * matcher: the answer comes from the watchlist index camera events are matched against. */
@ApiTags('ingest')
@ApiSecurity('api-key')
@Controller('v1/devices')
@IntegratorApiKeyAuth()
export class BadgeIdentifyController {
  constructor(
    private readonly service: BadgeIdentifyService,
    private readonly rateLimiter: BadgeRateLimiter,
  ) {}

  @Post('identify')
  @HttpCode(200)
  @RouteConfig({ largeBody: true, badgeCredentials: true } satisfies BadgeRouteConfig)
  @ApiOperation({
    summary: 'A smart badge identifies a face: the persons on a watchlist it matches, or none',
    description:
      'JSON with officer_id, device_id (a registry device of kind badge in the key’s scope), optional position, and exactly one of embedding (512 numbers of fr_feature, with model_id) or photo (base64 JPEG, at most 4 MiB). The key must be issued with identify. Credentials: X-Api-Key, HTTP Basic (password: the key) or HTTP Digest (user name: the key id, password: the key; keys issued with digest), as the device adapters take them. Answers the persons above their list’s threshold with list, category and instructions (the person’s own, else the list’s; instructions_source says whose), closest first; hits: [] for a face on no list. Every request is in the audit chain (badge.identified); a hit reaches the badge’s centre as a badge_identification alert. At most BADGE_RATE_LIMIT_PER_MINUTE requests a minute per badge (429 with Retry-After and retry_after_seconds).',
  })
  @ApiResult(identifyResponseSchema)
  @ApiResponse(
    refusal(403, 'the key was not issued with identify, or the badge is outside its scope'),
  )
  @ApiResponse(
    refusal(413, 'the body is over INGEST_MAX_BODY_BYTES (8 MiB), or the photo over 4 MiB'),
  )
  @ApiResponse(
    refusal(422, 'no active badge, an embedding of another model, or a photo with no usable face'),
  )
  @ApiResponse(refusal(429, 'over BADGE_RATE_LIMIT_PER_MINUTE; see Retry-After'))
  async identify(
    @Integrator() integrator: IntegratorPrincipal,
    @Body(new ZodValidationPipe(identifyRequestSchema)) body: IdentifyRequest,
    @Req() request: FastifyRequest,
  ): Promise<IdentifyResponse> {
    const command = toIdentifyCommand(body);
    const badge = await this.service.badgeOf(integrator, command.deviceId);
    await this.rateLimiter.admit(request, badge.deviceId);
    return this.service.identify(command, badge, integrator);
  }
}

/** A refusal in the integrator API's error shape (the document's ErrorBody). */
function refusal(status: number, description: string) {
  return {
    status,
    description,
    content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } },
  };
}

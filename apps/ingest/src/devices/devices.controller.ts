import { Body, Controller, Headers, HttpCode, Post, Res } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiBody, ApiConsumes, ApiOperation, ApiResponse } from '@nestjs/swagger';
import { Integrator, IntegratorApiKeyAuth, IntegratorPrincipal } from '@kuzet/auth';
import type { FastifyReply } from 'fastify';
import { parseMediaType } from '../events/event-body.decoder';
import { acceptedSchema, answer, ApiIngest, errorResponses } from '../events/events.openapi';
import { ingestRoute } from '../http/ingest-http.setup';
import { RateLimitGuard } from '../http/rate-limit.guard';
import { HikvisionService, seenBodySchema } from './hikvision.service';

/** The media types a Hikvision device posts an alert with. */
export const HIKVISION_MEDIA_TYPES: readonly string[] = [
  'application/xml',
  'text/xml',
  'multipart/form-data',
];

/** Devices that push their own formats. Credentials: HTTP Basic with the integrator API key as
 * the password (any user name), since a camera cannot add an X-Api-Key header. */
@ApiIngest()
@Controller('v1/devices')
@IntegratorApiKeyAuth(RateLimitGuard)
export class DevicesController {
  constructor(private readonly hikvision: HikvisionService) {}

  @Post('hikvision/events')
  @HttpCode(202)
  @RouteConfig(ingestRoute(HIKVISION_MEDIA_TYPES))
  @ApiOperation({
    summary: 'Hikvision "HTTP listening" (alarm server): one EventNotificationAlert',
    description:
      'The ISAPI EventNotificationAlert (namespace http://www.isapi.org/ver20/XMLSchema or http://www.hikvision.com/ver20/XMLSchema) as application/xml, or as multipart/form-data with the XML part and its JPEG pictures (licensePlatePicture.jpg, detectionPicture.jpg, a face Picture). ANPR becomes a plate read, face capture a face frame, intrusion / line / crowd / loitering alarms analytics detections; heartbeats and inactive states mark the camera as seen (200). The camera is the one registered for the device (deviceID, macAddress or ipAddress) and channelID. Authenticate with HTTP Basic, password = the API key.',
  })
  @ApiConsumes(...HIKVISION_MEDIA_TYPES)
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiResponse({ status: 202, description: 'the alert became an event', schema: acceptedSchema })
  @ApiResponse({
    status: 200,
    description: 'a heartbeat: the camera is marked as seen',
    schema: answer(seenBodySchema),
  })
  @ApiResponse({
    status: 422,
    description: 'unknown device or channel, missing channel, date without offset',
  })
  @errorResponsesDecorator()
  async hikvisionEvent(
    @Body() body: Buffer,
    @Headers('content-type') contentType: string | undefined,
    @Integrator() integrator: IntegratorPrincipal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    const media = parseMediaType(contentType)?.type ?? '';
    const response = await this.hikvision.accept(body, media, contentType, integrator);
    void reply.status(response.status);
    return response.body;
  }
}

function errorResponsesDecorator(): MethodDecorator {
  return (target, key, descriptor) => {
    for (const decorate of errorResponses) decorate(target, key, descriptor);
  };
}

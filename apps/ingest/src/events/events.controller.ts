import { Body, Controller, Headers, Param, Post, Res } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { Integrator, IntegratorApiKeyAuth, IntegratorPrincipal } from '@kuzet/auth';
import type { FastifyReply } from 'fastify';
import { RateLimitGuard } from '../http/rate-limit.guard';
import { ingestRoute } from '../http/ingest-http.setup';
import { MEDIA_TYPES } from './event-body.decoder';
import { ApiIngest, ApiPushEvents, ApiPushFrame } from './events.openapi';
import { IngestService } from './ingest.service';
import { AcceptedEventBody, BatchResponseBody, ErrorBody } from './ingest-result';

type IngestBody = AcceptedEventBody | BatchResponseBody | ErrorBody;

@ApiIngest()
@Controller('v1')
@IntegratorApiKeyAuth(RateLimitGuard)
export class EventsController {
  constructor(private readonly ingest: IngestService) {}

  @Post('events')
  @RouteConfig(ingestRoute([MEDIA_TYPES.json, MEDIA_TYPES.protobuf]))
  @ApiPushEvents()
  async pushEvents(
    @Body() body: unknown,
    @Headers('content-type') contentType: string | undefined,
    @Integrator() integrator: IntegratorPrincipal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<IngestBody> {
    const response = await this.ingest.acceptBody(body, contentType, integrator);
    void reply.status(response.status);
    return response.body;
  }

  @Post('cameras/:cameraId/frames')
  @RouteConfig(ingestRoute([MEDIA_TYPES.jpeg]))
  @ApiPushFrame()
  async pushFrame(
    @Param('cameraId') cameraId: string,
    @Headers('x-event-id') eventId: string | undefined,
    @Headers('x-captured-at') capturedAt: string | undefined,
    @Body() jpeg: Buffer,
    @Integrator() integrator: IntegratorPrincipal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<IngestBody> {
    const response = await this.ingest.acceptFrame(
      { cameraId, eventId, capturedAt, jpeg },
      integrator,
    );
    void reply.status(response.status);
    return response.body;
  }
}

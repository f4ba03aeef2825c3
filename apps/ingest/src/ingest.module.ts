import { Module } from '@nestjs/common';
import { AuthModule } from '@kuzet/auth';
import { RegistryModule } from '@kuzet/registry';
import { ApiKeysController } from './api-keys/api-keys.controller';
import { DeepStreamConsumer } from './devices/deepstream.consumer';
import { DevicesController } from './devices/devices.controller';
import { HikvisionService } from './devices/hikvision.service';
import { EventsController } from './events/events.controller';
import { IngestService } from './events/ingest.service';
import { IngestedEventRepository } from './events/ingested-event.repository';
import { IngestHttpSetup } from './http/ingest-http.setup';
import { RateLimitGuard } from './http/rate-limit.guard';
import { IntegratorController } from './integrator/integrator.controller';
import { RegistryController } from './registry/registry.controller';
import { OpenApiDocuments, StaffOpenApiController } from './openapi';

/** HTTP API for integrators -> Kafka (validation, auth, idempotency), plus the administration
 * of integrator API keys and of the camera registry. */
@Module({
  imports: [AuthModule, RegistryModule],
  controllers: [
    EventsController,
    DevicesController,
    ApiKeysController,
    RegistryController,
    StaffOpenApiController,
    IntegratorController,
  ],
  providers: [
    IngestService,
    HikvisionService,
    DeepStreamConsumer,
    IngestedEventRepository,
    IngestHttpSetup,
    RateLimitGuard,
    OpenApiDocuments,
  ],
})
export class IngestModule {}

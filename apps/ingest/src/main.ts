import { Module } from '@nestjs/common';
import { loadConfig } from '@kuzet/config';
import { bootstrapApp, PlatformModule } from '@kuzet/platform';
import { IngestModule } from './ingest.module';
import { setupOpenApi } from './openapi';

async function main(): Promise<void> {
  const config = loadConfig();
  @Module({ imports: [PlatformModule.forRoot({ service: 'ingest', config }), IngestModule] })
  class IngestApp {}
  await bootstrapApp(IngestApp, config, { beforeListen: setupOpenApi });
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

/**
 * The ingest app over real HTTP for bench/ingest: started by ingest.bench.ts as a child process
 * (so the load generator does not share its event loop), configured by the environment like
 * `node dist/apps/ingest/src/main.js`. Once it listens it issues an API key for every district
 * of the region file and prints one JSON line {"url": ..., "key": ...}.
 */
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApiKeyService } from '@kuzet/auth';
import { loadConfig } from '@kuzet/config';
import { CameraRegistryService } from '@kuzet/registry';
import {
  createHttpAdapter,
  HTTP_APP_OPTIONS,
  PlatformModule,
  prepareHttpApp,
} from '@kuzet/platform';
import { IngestModule } from '../../apps/ingest/src/ingest.module';

async function main(): Promise<void> {
  const config = loadConfig();
  @Module({ imports: [PlatformModule.forRoot({ service: 'ingest-bench', config }), IngestModule] })
  class IngestBenchApp {}
  const app = await NestFactory.create<NestFastifyApplication>(
    IngestBenchApp,
    createHttpAdapter(config),
    { ...HTTP_APP_OPTIONS, logger: ['error', 'warn'] },
  );
  await prepareHttpApp(app, config);
  await app.listen(config.HTTP_PORT, '127.0.0.1');
  const districts = await app.get(CameraRegistryService).listDistricts();
  const { key } = await app.get(ApiKeyService).create(
    {
      integrator_id: 'bench',
      label: 'bench/ingest',
      camera_ids: [],
      district_ids: districts.map((d) => d.id),
      rate_limit_per_minute: 1_000_000,
    },
    'bench',
  );
  process.stdout.write(`${JSON.stringify({ url: await app.getUrl(), key })}\n`);
  const stop = (): void => void app.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

import { Module } from '@nestjs/common';
import { loadConfig } from '@kuzet/config';
import { bootstrapApp, PlatformModule } from '@kuzet/platform';
import { OpsCenterModule } from './ops-center.module';

async function main(): Promise<void> {
  const config = loadConfig();
  @Module({ imports: [PlatformModule.forRoot({ service: 'ops-center', config }), OpsCenterModule] })
  class OpsCenterApp {}
  await bootstrapApp(OpsCenterApp, config);
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

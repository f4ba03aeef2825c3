import { Module } from '@nestjs/common';
import { loadConfig } from '@kuzet/config';
import { bootstrapApp, PlatformModule } from '@kuzet/platform';
import { ViolationsModule } from './violations.module';

async function main(): Promise<void> {
  const config = loadConfig();
  @Module({
    imports: [PlatformModule.forRoot({ service: 'violations', config }), ViolationsModule],
  })
  class ViolationsApp {}
  await bootstrapApp(ViolationsApp, config);
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

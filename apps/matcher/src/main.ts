import { Module } from '@nestjs/common';
import { loadConfig } from '@kuzet/config';
import { bootstrapApp, PlatformModule } from '@kuzet/platform';
import { MatcherModule } from './matcher.module';

async function main(): Promise<void> {
  const config = loadConfig();
  @Module({ imports: [PlatformModule.forRoot({ service: 'matcher', config }), MatcherModule] })
  class MatcherApp {}
  await bootstrapApp(MatcherApp, config);
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

import { Module } from '@nestjs/common';
import { loadConfig } from '@kuzet/config';
import { bootstrapApp, PlatformModule } from '@kuzet/platform';
import { AuditModule } from './audit.module';

async function main(): Promise<void> {
  const config = loadConfig();
  @Module({ imports: [PlatformModule.forRoot({ service: 'audit', config }), AuditModule] })
  class AuditApp {}
  await bootstrapApp(AuditApp, config);
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { PasswordHasher, StaffUserRepository, StaffUserService } from '@kuzet/auth';
import {
  AUDIT_CHAIN_KEYRING,
  AuditLogRepository,
  AuditLogService,
  resolveAuditKeyring,
} from '@kuzet/audit-log';
import { ConfigModule, KuzetConfig, loadConfig } from '@kuzet/config';
import { EmbeddedPostgres, embeddedDatabaseIn, PersistenceModule } from '@kuzet/persistence';

export interface DatabaseOptions {
  /** Open the standalone mode's embedded database under KUZET_DATA_DIR (stop `npm start` first). */
  readonly embedded?: boolean;
}

/** Runs work against kuzet's database (DATABASE_URL, migrated first) with the services the
 * server uses, so the CLI writes users and reads the audit log exactly as the API does. */
export async function withDatabase<T>(
  options: DatabaseOptions,
  work: (context: INestApplicationContext) => Promise<T>,
): Promise<T> {
  // the embedded database is standalone mode's: so are its audit chain keys (KUZET_DATA_DIR)
  const base = loadConfig(process.env, options.embedded ? { KUZET_MODE: 'standalone' } : {});
  // the CLI signs (create-admin) and verifies with the servers' keys; it never makes one up
  const keyring = resolveAuditKeyring(base, { create: false });
  const embedded = options.embedded
    ? await EmbeddedPostgres.start(embeddedDatabaseIn(base.KUZET_DATA_DIR))
    : undefined;
  const config: Readonly<KuzetConfig> = embedded ? { ...base, DATABASE_URL: embedded.url } : base;

  @Module({
    imports: [
      ConfigModule.forRoot(config),
      PersistenceModule.forRoot({ url: config.DATABASE_URL, poolSize: 1, runMigrations: true }),
    ],
    providers: [
      { provide: AUDIT_CHAIN_KEYRING, useValue: keyring },
      AuditLogRepository,
      AuditLogService,
      PasswordHasher,
      StaffUserRepository,
      StaffUserService,
    ],
  })
  class CliDatabaseModule {}

  const context = await NestFactory.createApplicationContext(CliDatabaseModule, { logger: false });
  try {
    return await work(context);
  } finally {
    await context.close();
    await embedded?.stop();
  }
}

export const EMBEDDED_OPTION_HELP =
  "use the standalone mode's embedded database under KUZET_DATA_DIR (stop the server first)";

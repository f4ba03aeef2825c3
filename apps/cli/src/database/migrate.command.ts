import { Command } from 'commander';
import { loadConfig } from '@kuzet/config';
import { createDataSource } from '@kuzet/persistence';

/** `kuzet db migrate`: applies the pending migrations to DATABASE_URL and exits. A cluster runs
 * it as a Job before the apps (which then start with DATABASE_MIGRATIONS_RUN=false), so the
 * schema is changed once, not by every replica racing at start-up. */
export function registerDatabaseCommands(program: Command): Command {
  const database = program.command('db').description("kuzet's PostgreSQL database");
  database
    .command('migrate')
    .description('Apply every pending migration to DATABASE_URL (each in its own transaction)')
    .action(async () => {
      const config = loadConfig(process.env);
      const source = createDataSource({
        url: config.DATABASE_URL,
        poolSize: 1,
        runMigrations: false,
      });
      await source.initialize();
      try {
        const applied = await source.runMigrations({ transaction: 'each' });
        process.stdout.write(
          `${JSON.stringify({ applied: applied.map((migration) => migration.name) })}\n`,
        );
      } finally {
        await source.destroy();
      }
    });
  return database;
}

import { DataSource, DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';
import { TypeOrmNestLogger } from './typeorm-logger';

export interface DatabaseSettings {
  readonly url: string;
  readonly poolSize: number;
  readonly runMigrations: boolean;
}

/** One definition for every mode: the same pg driver and migrations run against
 * PostgreSQL and against embedded PGlite; the schema is never synchronised implicitly. */
export function dataSourceOptions(settings: DatabaseSettings): DataSourceOptions {
  return {
    type: 'postgres',
    url: settings.url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsRun: settings.runMigrations,
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: ['warn', 'migration', 'schema'],
    logger: new TypeOrmNestLogger(['warn', 'migration', 'schema']),
    extra: { max: settings.poolSize, connectionTimeoutMillis: 10_000 },
  };
}

export function createDataSource(settings: DatabaseSettings): DataSource {
  return new DataSource(dataSourceOptions(settings));
}

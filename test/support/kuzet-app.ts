import { ConsoleLogger, DynamicModule, INestApplication, Type } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { KuzetConfig, loadConfig } from '@kuzet/config';
import {
  createHttpAdapter,
  HTTP_APP_OPTIONS,
  PlatformModule,
  prepareHttpApp,
} from '@kuzet/platform';
import { StandaloneModule } from '../../apps/standalone/src/standalone.module';
import { TEST_AUDIT_CHAIN_KEYS, TEST_JWT_SECRET, TEST_SIGN_IN_LIMITS } from './staff';
import { kafkaBrokers, SUITE_GROUPS } from './transports';

/** A kuzet app as production builds it (platform + feature modules), against the test
 * broker and the given database, served by Fastify for `inject` or real HTTP. */
export async function startTestApp(
  features: ReadonlyArray<Type<unknown> | DynamicModule>,
  overrides: Partial<KuzetConfig> & { DATABASE_URL: string },
): Promise<{ app: NestFastifyApplication; config: Readonly<KuzetConfig> }> {
  const config = loadConfig(
    { LOG_LEVEL: process.env.KUZET_TEST_LOGS ? 'info' : 'warn' },
    {
      KAFKA_BROKERS: kafkaBrokers().join(','),
      KAFKA_TOPIC_PARTITIONS: 3,
      ...SUITE_GROUPS,
      JWT_SECRET: TEST_JWT_SECRET,
      ...TEST_SIGN_IN_LIMITS,
      AUDIT_CHAIN_KEYS: TEST_AUDIT_CHAIN_KEYS,
      ...overrides,
    },
  );
  const builder = Test.createTestingModule({
    imports: [PlatformModule.forRoot({ service: 'test', config }), ...features],
  });
  // Nest's testing logger prints errors only; KUZET_TEST_LOGS=1 shows warnings too
  if (process.env.KUZET_TEST_LOGS) builder.setLogger(new ConsoleLogger());
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(
    createHttpAdapter(config),
    HTTP_APP_OPTIONS,
  );
  await prepareHttpApp(app, config);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return { app, config };
}

export async function closeTestApp(app: INestApplication | undefined): Promise<void> {
  await app?.close();
}

/** The feature modules of every app, as the all-in-one process has them. */
export function everyAppModule(): Array<Type<unknown> | DynamicModule> {
  const standalone = StandaloneModule.forRoot(loadConfig({}));
  return (standalone.imports ?? []).filter(
    (m): m is Type<unknown> | DynamicModule =>
      !(typeof m === 'object' && 'module' in m && m.module === PlatformModule),
  );
}

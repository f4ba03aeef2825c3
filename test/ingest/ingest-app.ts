import { Module } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { loadConfig } from '@kuzet/config';
import { InboundMessage, MESSAGE_BUS, MessageBus, Subscription, TOPICS } from '@kuzet/messaging';
import {
  createHttpAdapter,
  HTTP_APP_OPTIONS,
  PlatformModule,
  prepareHttpApp,
} from '@kuzet/platform';
import type { LightMyRequestResponse } from 'fastify';
import { resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { IngestModule } from '../../apps/ingest/src/ingest.module';
import { ViolationsModule } from '../../apps/violations/src/violations.module';
import { setupOpenApi } from '../../apps/ingest/src/openapi';
import { createTestDatabase, TestDatabase } from '../support/database';
import {
  signInAs,
  TEST_AUDIT_CHAIN_KEYS,
  TEST_JWT_SECRET,
  TEST_SIGN_IN_LIMITS,
} from '../support/staff';
import { kafkaBrokers, SUITE_GROUPS, uniqueName } from '../support/transports';

export const REGION_FILE = resolve(__dirname, '../../deploy/config/region.yaml');

export interface IngestHarness {
  readonly app: NestFastifyApplication;
  readonly bus: MessageBus;
  readonly dataSource: DataSource;
  /** Every record on kuzet.camera-events.v1 since the harness started, in arrival order. */
  readonly published: InboundMessage[];
  request(options: {
    method: 'GET' | 'POST' | 'PUT' | 'PATCH';
    url: string;
    headers?: Record<string, string>;
    payload?: string | Buffer | object;
  }): Promise<LightMyRequestResponse>;
  admin(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH',
    url: string,
    payload?: object,
  ): Promise<LightMyRequestResponse>;
  createKey(scope: {
    camera_ids?: string[];
    district_ids?: string[];
    rate_limit_per_minute?: number;
  }): Promise<{ id: string; key: string }>;
  close(): Promise<void>;
}

/** The ingest app (and the violations app if asked) on the real Kafka broker and a fresh PostgreSQL database, with the seed
 * region loaded, served through Fastify's in-memory injection. */
export async function startIngest(
  env: Record<string, string> = {},
  options: { withViolations?: boolean } = {},
): Promise<IngestHarness> {
  const db: TestDatabase = await createTestDatabase();
  const config = loadConfig(
    {
      KAFKA_BROKERS: kafkaBrokers().join(','),
      KAFKA_TOPIC_PARTITIONS: '3',
      ...SUITE_GROUPS,
      DATABASE_URL: db.url,
      JWT_SECRET: TEST_JWT_SECRET,
      AUDIT_CHAIN_KEYS: TEST_AUDIT_CHAIN_KEYS,
      KUZET_REGION_FILE: REGION_FILE,
      LOG_LEVEL: 'silent',
      ...env,
    },
    TEST_SIGN_IN_LIMITS,
  );
  @Module({
    imports: [
      PlatformModule.forRoot({ service: 'ingest-test', config }),
      IngestModule,
      ...(options.withViolations ? [ViolationsModule] : []),
    ],
  })
  class IngestTestApp {}
  const moduleRef = await Test.createTestingModule({ imports: [IngestTestApp] }).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(createHttpAdapter(config), {
    ...HTTP_APP_OPTIONS,
    logger: false,
  });
  await prepareHttpApp(app, config);
  setupOpenApi(app);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const bus = app.get<MessageBus>(MESSAGE_BUS);
  const published: InboundMessage[] = [];
  const reader: Subscription = await bus.subscribe({
    topic: TOPICS.cameraEvents,
    groupId: uniqueName('ingest-test-reader'),
    handler: async (message) => {
      published.push(message);
    },
  });
  const request: IngestHarness['request'] = (options) =>
    app.inject({
      method: options.method,
      url: options.url,
      headers: options.headers,
      payload: options.payload,
    });
  // a system administrator who is also an auditor: registry, API keys and violation figures
  const staff = await signInAs(app, ['system-admin', 'auditor']);
  const admin: IngestHarness['admin'] = (method, url, payload) =>
    request({ method, url, payload, headers: staff.headers });
  return {
    app,
    bus,
    dataSource: app.get(DataSource),
    published,
    request,
    admin,
    async createKey(scope) {
      const response = await admin('POST', '/v1/api-keys', {
        integrator_id: uniqueName('integrator'),
        label: 'test key',
        ...scope,
      });
      if (response.statusCode !== 201) throw new Error(`key not created: ${response.body}`);
      return response.json<{ id: string; key: string }>();
    },
    async close() {
      await reader.close();
      await app.close();
      await db.drop();
    },
  };
}

import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { LoggerModule } from 'nestjs-pino';
import { AuditLogModule } from '@kuzet/audit-log';
import { StaffAuthModule } from '@kuzet/auth';
import { ConfigModule, KuzetConfig } from '@kuzet/config';
import { MessagingModule, MessagingSettings } from '@kuzet/messaging';
import { ObservabilityModule } from './observability/observability.module';
import { PersistenceModule } from '@kuzet/persistence';
import { join } from 'node:path';
import { ApiErrorFilter } from '@kuzet/http';
import { requestLogSerializer } from './logging/request-log';

export interface PlatformOptions {
  readonly service: string;
  readonly config: Readonly<KuzetConfig>;
}

export function messagingSettings(config: Readonly<KuzetConfig>): MessagingSettings {
  const groups = {
    groupPrefix: config.KAFKA_GROUP_PREFIX,
    newGroupsStartAt: config.KAFKA_NEW_GROUP_START,
  };
  return config.KUZET_MODE === 'standalone'
    ? {
        ...groups,
        transport: 'in-process',
        partitions: config.KAFKA_TOPIC_PARTITIONS,
        dataDir: join(config.KUZET_DATA_DIR, 'topics'),
        partitionMaxBytes: config.STANDALONE_PARTITION_MAX_MB * 1024 * 1024,
      }
    : {
        ...groups,
        transport: 'kafka',
        brokers: config.KAFKA_BROKERS.split(',').map((b) => b.trim()),
        clientId: config.KAFKA_CLIENT_ID,
        partitions: config.KAFKA_TOPIC_PARTITIONS,
        replicationFactor: config.KAFKA_REPLICATION_FACTOR,
        provisionTopics: config.KAFKA_PROVISION_TOPICS,
        fetchMinBytes: config.KAFKA_FETCH_MIN_BYTES,
        fetchMaxWaitMs: config.KAFKA_FETCH_MAX_WAIT_MS,
        sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
        lagIntervalMs: config.KAFKA_LAG_INTERVAL_MS,
      };
}

/** What every kuzet app stands on: typed configuration, JSON logs, the message bus,
 * the database, staff authentication (deny by default) and the audit log, health and metrics,
 * and the scheduler every periodic job registers with (`scheduleEvery`). */
@Module({})
export class PlatformModule {
  static forRoot({ service, config }: PlatformOptions): DynamicModule {
    return {
      module: PlatformModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.LOG_LEVEL,
            base: { service },
            autoLogging: {
              // Fastify's middleware layer rewrites req.url relative to the mount point
              ignore: (req) =>
                /^\/(health|metrics)/.test(
                  (req as { originalUrl?: string }).originalUrl ?? req.url ?? '',
                ),
            },
            redact: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie'],
            serializers: { req: requestLogSerializer },
          },
        }),
        MessagingModule.forRoot(messagingSettings(config)),
        PersistenceModule.forRoot({
          url: config.DATABASE_URL,
          // PGlite runs one query at a time: one pooled connection avoids queueing deadlocks
          poolSize: config.KUZET_MODE === 'standalone' ? 1 : config.DATABASE_POOL_SIZE,
          runMigrations: config.DATABASE_MIGRATIONS_RUN,
        }),
        AuditLogModule,
        StaffAuthModule,
        ObservabilityModule,
        ScheduleModule.forRoot(),
      ],
      providers: [{ provide: APP_FILTER, useClass: ApiErrorFilter }],
    };
  }
}

import {
  APPS,
  AppSpec,
  environmentOf,
  HTTP_PORT,
  IMAGE,
  MIGRATIONS,
  PROBES,
  ProcessSpec,
  REGION_FILE_PATH,
} from './apps';

/** The images of the two dependencies on one host. Kafka in KRaft mode (no ZooKeeper), the
 * version deploy/kafka runs the tests on. */
export const KAFKA_IMAGE = 'apache/kafka:4.3.1';
export const POSTGRES_IMAGE = 'postgres:17';
/** The image compose builds from deploy/Dockerfile and every kuzet service runs. */
export const LOCAL_IMAGE = 'kuzet:local';
/** Matchers on one host: two, each with its own instance id (its index's consumer group). */
export const COMPOSE_MATCHERS = 2;
/** Ports published on the host's loopback (a reverse proxy in front for anything else). */
export const PUBLISHED = Object.freeze({ 'ops-center': 3000, ingest: 3001 } as Record<
  string,
  number
>);

type Service = Record<string, unknown>;

const healthcheck = (path: string) => ({
  test: [
    'CMD',
    'node',
    '-e',
    `fetch('http://127.0.0.1:${HTTP_PORT}${path}').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`,
  ],
  interval: '10s',
  timeout: '5s',
  retries: 3,
  start_period: '120s',
});

/** Secrets come from the shell or an .env file beside compose.yaml; compose refuses to start
 * without them. */
function secretEnvironment(): Record<string, string> {
  return {
    DATABASE_URL:
      'postgres://kuzet:${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}@postgres:5432/kuzet',
    JWT_SECRET: '${JWT_SECRET:?set JWT_SECRET (32 characters or more)}',
    AUDIT_CHAIN_KEYS: '${AUDIT_CHAIN_KEYS:?set AUDIT_CHAIN_KEYS (id:secret)}',
    METRICS_TOKEN: '${METRICS_TOKEN:?set METRICS_TOKEN (32 characters or more)}',
  };
}

function kuzetService(spec: ProcessSpec, extra: Record<string, string> = {}): Service {
  const region = 'loadsRegionFile' in spec && spec.loadsRegionFile;
  return {
    image: LOCAL_IMAGE,
    command: [...spec.args],
    environment: {
      ...environmentOf(spec),
      KAFKA_BROKERS: 'kafka:9092',
      KAFKA_REPLICATION_FACTOR: '1',
      ...secretEnvironment(),
      ...extra,
    },
    user: `${IMAGE.uid}:${IMAGE.uid}`,
    read_only: true,
    tmpfs: ['/tmp'],
    security_opt: ['no-new-privileges:true'],
    cap_drop: ['ALL'],
    ...(region ? { volumes: [`./config/region.yaml:${REGION_FILE_PATH}:ro`] } : {}),
    stop_grace_period: '20s',
  };
}

function appService(app: AppSpec, extra: Record<string, string> = {}): Service {
  const published = PUBLISHED[app.name];
  return {
    ...kuzetService(app, extra),
    restart: 'unless-stopped',
    depends_on: {
      kafka: { condition: 'service_healthy' },
      migrations: { condition: 'service_completed_successfully' },
    },
    ...(published ? { ports: [`127.0.0.1:${published}:${HTTP_PORT}`] } : {}),
    healthcheck: healthcheck(PROBES.ready),
    deploy: {
      resources: {
        limits: { cpus: String(app.limits.cpuMillis / 1000), memory: `${app.limits.memoryMiB}M` },
      },
    },
  };
}

/** The whole distributed stack on one host: Kafka (KRaft, one node), PostgreSQL, the migrations
 * run, then every app, with two matchers. */
export function composeFile(): Record<string, unknown> {
  const services: Record<string, Service> = {
    kafka: {
      image: KAFKA_IMAGE,
      restart: 'unless-stopped',
      environment: {
        KAFKA_NODE_ID: '1',
        KAFKA_PROCESS_ROLES: 'broker,controller',
        KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093',
        KAFKA_ADVERTISED_LISTENERS: 'PLAINTEXT://kafka:9092',
        KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
        KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
        KAFKA_CONTROLLER_QUORUM_VOTERS: '1@kafka:9093',
        KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
        KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      },
      volumes: ['kafka-data:/var/lib/kafka/data'],
      healthcheck: {
        test: [
          'CMD',
          '/opt/kafka/bin/kafka-broker-api-versions.sh',
          '--bootstrap-server',
          'localhost:9092',
        ],
        interval: '10s',
        timeout: '10s',
        retries: 10,
        start_period: '30s',
      },
    },
    postgres: {
      image: POSTGRES_IMAGE,
      restart: 'unless-stopped',
      environment: {
        POSTGRES_USER: 'kuzet',
        POSTGRES_DB: 'kuzet',
        POSTGRES_PASSWORD: '${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}',
      },
      volumes: ['postgres-data:/var/lib/postgresql/data'],
      healthcheck: {
        test: ['CMD', 'pg_isready', '-U', 'kuzet', '-d', 'kuzet'],
        interval: '5s',
        timeout: '5s',
        retries: 10,
      },
    },
    [MIGRATIONS.name]: {
      ...kuzetService(MIGRATIONS),
      build: { context: '..', dockerfile: 'deploy/Dockerfile' },
      depends_on: { postgres: { condition: 'service_healthy' } },
      restart: 'no',
    },
  };
  for (const app of APPS) {
    if (app.name === 'matcher') {
      for (let i = 1; i <= COMPOSE_MATCHERS; i++) {
        services[`matcher-${i}`] = appService(app, { KUZET_INSTANCE_ID: `matcher-${i}` });
      }
    } else {
      services[app.name] = appService(app);
    }
  }
  // no top-level `name`: the schema the test validates against predates it; the project is
  // named on the command line (`docker compose -p kuzet`, docs/deploy.md)
  return {
    services,
    volumes: { 'kafka-data': {}, 'postgres-data': {} },
  };
}

/**
 * The one description of kuzet's distributed processes. The Kubernetes manifests
 * (deploy/kubernetes), the one-host compose file (deploy/compose.yaml), the image's entry point
 * (deploy/start.js) and the process launcher of the tests and the soak (deploy/launcher.ts) are
 * all derived from it, so what is deployed is what was tested.
 *
 * Every process is the same image and the same entry point, `node deploy/start.js <app>
 * [args]`, which runs the built `dist/apps/<app>/src/main.js` (KUZET_MODE=distributed: Kafka
 * and PostgreSQL, nothing embedded). Settings are those of libs/config (config.schema.ts).
 */

export type AppName = 'ingest' | 'matcher' | 'ops-center' | 'violations' | 'audit';
export type JobName = 'migrations';

/** The one HTTP port every server listens on inside its container (HTTP_PORT). */
export const HTTP_PORT = 3000;

/** What /health answers (libs/platform/src/observability/health): live says the process can
 * serve at all; ready says PostgreSQL and Kafka answer, its consumer groups run and it is not
 * draining. */
export const PROBES = Object.freeze({
  live: '/health/live',
  ready: '/health/ready',
});

export interface Resources {
  /** CPU in millicores. */
  readonly cpuMillis: number;
  /** Memory in MiB. */
  readonly memoryMiB: number;
}

export interface LagScaling {
  /** The consumer group whose lag on `topic` drives the replica count. */
  readonly consumerGroup: string;
  readonly topic: string;
  /** Lag per replica KEDA aims for. */
  readonly lagPerReplica: number;
  readonly minReplicas: number;
  /** No more than the topic's partitions: a replica beyond them would get none. */
  readonly maxReplicas: number;
}

export interface ProcessSpec {
  readonly name: AppName | JobName;
  readonly description: string;
  /** The arguments after `node deploy/start.js`. */
  readonly args: readonly string[];
  /** Settings particular to this process, on top of SHARED_ENV. */
  readonly env: Readonly<Record<string, string>>;
  readonly requests: Resources;
  readonly limits: Resources;
}

export interface AppSpec extends ProcessSpec {
  readonly name: AppName;
  readonly kind: 'server';
  readonly replicas: number;
  /** Pods that must stay up during voluntary disruptions (PodDisruptionBudget). */
  readonly minAvailable: number;
  /** The path prefixes the Ingress routes to this app (its controllers'; none: only other
   * pods reach it). */
  readonly exposedPaths: readonly string[];
  readonly scaling?: LagScaling;
  /** Mounts the region file (cameras, centres) and loads it into the registry at start. */
  readonly loadsRegionFile: boolean;
}

export interface JobSpec extends ProcessSpec {
  readonly name: JobName;
  readonly kind: 'job';
}

/** Camera events are spread over this many partitions: the matchers' ceiling (docs/capacity.md). */
export const CAMERA_EVENT_PARTITIONS = 12;

/** Settings every process gets (a ConfigMap in the cluster). DATABASE_URL, JWT_SECRET,
 * AUDIT_CHAIN_KEYS and METRICS_TOKEN are secrets (SECRET_ENV), never here. */
export const SHARED_ENV: Readonly<Record<string, string>> = Object.freeze({
  KUZET_MODE: 'distributed',
  HTTP_HOST: '0.0.0.0',
  HTTP_PORT: String(HTTP_PORT),
  LOG_LEVEL: 'info',
  // the migrations Job applies them once, before any app starts
  DATABASE_MIGRATIONS_RUN: 'false',
  KAFKA_TOPIC_PARTITIONS: String(CAMERA_EVENT_PARTITIONS),
  SHUTDOWN_TIMEOUT_MS: '15000',
});

/** Settings taken from a Secret (never in the ConfigMap or the compose file's plain text in
 * production). KAFKA_BROKERS is an environment-specific setting, not secret, but it differs
 * per deployment, so it is listed with them in DEPLOYMENT_ENV. */
export const SECRET_ENV = Object.freeze([
  'DATABASE_URL',
  'JWT_SECRET',
  'AUDIT_CHAIN_KEYS',
  'METRICS_TOKEN',
] as const);

/** Settings each deployment supplies (its broker addresses and replication). */
export const DEPLOYMENT_ENV = Object.freeze(['KAFKA_BROKERS', 'KAFKA_REPLICATION_FACTOR'] as const);

/** Where the region file is mounted in a container. */
export const REGION_FILE_PATH = '/etc/kuzet/region.yaml';

// Resource requests come from docs/BENCHMARKS.md and docs/capacity.md, which derives them.
export const APPS: readonly AppSpec[] = Object.freeze<AppSpec[]>([
  {
    name: 'ingest',
    kind: 'server',
    description: 'integrators and cameras push events over HTTP; each is recorded and published',
    args: ['ingest'],
    env: {},
    replicas: 2,
    minAvailable: 1,
    exposedPaths: [
      '/v1/events',
      // devices that push their own formats (Hikvision "HTTP listening"); badges go to the matcher
      '/v1/devices/hikvision',
      '/v1/cameras',
      '/v1/centres',
      '/v1/districts',
      '/v1/integrator',
      '/v1/api-keys',
      '/v1/openapi.json',
    ],
    loadsRegionFile: true,
    // 8,234 events/s in batches of 100 on a shared core; one core holds 5,000 events/s
    requests: { cpuMillis: 500, memoryMiB: 256 },
    limits: { cpuMillis: 1000, memoryMiB: 512 },
  },
  {
    name: 'matcher',
    kind: 'server',
    description: 'matches faces and plates against the watchlists; its index lives in memory',
    args: ['matcher'],
    // two face workers per matcher: the face engine's threads
    env: { FACE_WORKERS: '2' },
    replicas: 2,
    minAvailable: 1,
    // watchlist and vehicle-list administration needs the matcher's face engine
    exposedPaths: [
      '/v1/watchlists',
      '/v1/persons',
      '/v1/vehicle-lists',
      '/v1/vehicle-list-entries',
      // smart badges are answered from the matcher's watchlist index
      '/v1/devices/identify',
    ],
    loadsRegionFile: false,
    scaling: {
      consumerGroup: 'kuzet-matcher',
      topic: 'kuzet.camera-events.v1',
      lagPerReplica: 2_000,
      minReplicas: 2,
      maxReplicas: CAMERA_EVENT_PARTITIONS,
    },
    // 491 µs of CPU per edge embedding (2,000/s a core); 400 MiB assumed for the process, 230 MB
    // of face index per 100,000 faces, 422 MB of plate index per 1,000,000 entries (capacity.md)
    requests: { cpuMillis: 1000, memoryMiB: 1152 },
    limits: { cpuMillis: 2000, memoryMiB: 2048 },
  },
  {
    name: 'ops-center',
    kind: 'server',
    description: "the operations centres' console, alerts and live feed (WebSocket)",
    args: ['ops-center'],
    env: {},
    replicas: 2,
    minAvailable: 1,
    // the console, alerts, sign-in and staff users: every path no other app claims
    exposedPaths: ['/'],
    loadsRegionFile: false,
    // about 11 ms of node CPU per alert (matcher and ops-center together, bench:alerts)
    requests: { cpuMillis: 250, memoryMiB: 384 },
    limits: { cpuMillis: 1000, memoryMiB: 768 },
  },
  {
    name: 'violations',
    kind: 'server',
    description: 'logs traffic violations and republishes them to the centres',
    args: ['violations'],
    env: {},
    replicas: 2,
    minAvailable: 1,
    exposedPaths: ['/v1/violations'],
    loadsRegionFile: false,
    requests: { cpuMillis: 100, memoryMiB: 256 },
    limits: { cpuMillis: 500, memoryMiB: 512 },
  },
  {
    name: 'audit',
    kind: 'server',
    description: 'the audit log: queries, chain checkpoints and retention',
    args: ['audit'],
    env: {},
    replicas: 1,
    minAvailable: 0,
    exposedPaths: ['/v1/audit'],
    loadsRegionFile: false,
    requests: { cpuMillis: 100, memoryMiB: 256 },
    limits: { cpuMillis: 500, memoryMiB: 512 },
  },
]);

/** Applies the database migrations (`kuzet db migrate`) and exits: run before the apps. */
export const MIGRATIONS: JobSpec = Object.freeze<JobSpec>({
  name: 'migrations',
  kind: 'job',
  description: 'applies pending database migrations, then exits',
  args: ['cli', 'db', 'migrate'],
  env: {},
  requests: { cpuMillis: 100, memoryMiB: 256 },
  limits: { cpuMillis: 500, memoryMiB: 512 },
});

/** The image every process runs (one image, the app chosen by its first argument). */
export const IMAGE = Object.freeze({
  repository: 'registry.example.kz/kuzet/kuzet',
  tag: '0.1.0',
  /** The image's non-root user (deploy/Dockerfile). */
  uid: 10001,
  /** Where the built project sits inside the image. */
  workdir: '/opt/kuzet',
  entrypoint: ['node', 'deploy/start.js'] as readonly string[],
});

export const imageRef = (): string => `${IMAGE.repository}:${IMAGE.tag}`;

/** The built file `node deploy/start.js <app>` runs, relative to the project root. */
export function mainScript(app: AppName | 'cli'): string {
  return `dist/apps/${app}/src/main.js`;
}

/** Every setting a process starts with, but the secrets and deployment settings. */
export function environmentOf(spec: ProcessSpec): Record<string, string> {
  const region = 'loadsRegionFile' in spec && spec.loadsRegionFile;
  return {
    ...SHARED_ENV,
    KAFKA_CLIENT_ID: `kuzet-${spec.name}`,
    ...(region ? { KUZET_REGION_FILE: REGION_FILE_PATH } : {}),
    ...spec.env,
  };
}

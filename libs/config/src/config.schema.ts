import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

/** Every setting kuzet reads from the environment, with its default. Each is described in
 * CONFIG_DOCS (config.docs.ts), from which the README's configuration table is generated. */
export const configSchema = z.object({
  KUZET_MODE: z.enum(['distributed', 'standalone']).default('distributed'),
  HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  HTTP_PORT: port.default(3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Largest request body of a staff route; ingest and photo uploads have their own limits. */
  HTTP_MAX_BODY_BYTES: positiveInt.default(64 * 1024),
  /** Deepest nesting of arrays and objects a JSON body may have, checked before it is parsed. */
  HTTP_MAX_JSON_DEPTH: positiveInt.max(1_000).default(32),
  DATABASE_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432/test'),
  DATABASE_POOL_SIZE: positiveInt.default(10),
  DATABASE_MIGRATIONS_RUN: flag.default(true),
  KAFKA_BROKERS: z.string().min(1).default('127.0.0.1:9092'),
  KAFKA_CLIENT_ID: z.string().min(1).default('kuzet'),
  KAFKA_TOPIC_PARTITIONS: positiveInt.default(6),
  KAFKA_REPLICATION_FACTOR: positiveInt.default(1),
  KAFKA_PROVISION_TOPICS: flag.default(true),
  KAFKA_GROUP_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/, 'letters, digits, dot, underscore and dash only')
    .default(''),
  // a fetch that waits up to 50 ms for 64 KB costs the broker a request per batch, not per
  // message: at 50 alerts/s it halved the latency's p99 on the 2-core machine (BENCHMARKS.md)
  KAFKA_FETCH_MIN_BYTES: positiveInt.default(64 * 1024),
  KAFKA_FETCH_MAX_WAIT_MS: positiveInt.max(5_000).default(50),
  KAFKA_NEW_GROUP_START: z.enum(['earliest', 'latest']).default('earliest'),
  /** How long a consumer group may be other than running before /health/ready says not ready. */
  KAFKA_CONSUMER_DOWN_GRACE_MS: positiveInt.default(30_000),
  /** How often each consumer group's lag is measured for /health/ready and /metrics (0: never). */
  KAFKA_LAG_INTERVAL_MS: z.coerce.number().int().min(0).default(15_000),
  /** The broker drops a silent consumer after this; a restarted one may wait this long for a
   * dead predecessor's partitions. Kafka accepts 6000 to 300000 by default. */
  KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(1_000).default(30_000),
  /** Names this instance's own consumer groups (those that read every record, e.g. the
   * matcher's watchlist index): stable across restarts so they do not pile up on the broker.
   * Default: the host name and HTTP_PORT. Every live instance needs its own. */
  KUZET_INSTANCE_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,100}$/, 'letters, digits, dot, underscore and dash only')
    .optional(),
  KUZET_DATA_DIR: z.string().min(1).default('./data'),
  STANDALONE_PARTITION_MAX_MB: positiveInt.default(64),
  STANDALONE_DATABASE: z.enum(['embedded', 'external']).default('embedded'),
  SHUTDOWN_TIMEOUT_MS: positiveInt.default(15_000),
  KUZET_REGION_FILE: z.string().min(1).optional(),
  REGISTRY_CACHE_TTL_MS: positiveInt.default(10_000),
  API_KEY_CACHE_TTL_MS: positiveInt.default(5_000),
  /** Signs the nonces of HTTP Digest challenges to devices; every ingest instance behind one
   * address needs the same (default: random per process). */
  DEVICE_DIGEST_SECRET: z.string().min(32).optional(),
  /** The bearer token a scraper sends for /metrics; without it only loopback callers get them. */
  METRICS_TOKEN: z.string().min(32).optional(),
  INGEST_MAX_BATCH_EVENTS: positiveInt.max(10_000).default(500),
  INGEST_MAX_BODY_BYTES: positiveInt.default(8 * 1024 * 1024),
  INGEST_RATE_LIMIT_PER_MINUTE: positiveInt.default(6_000),
  /** Identify requests a minute per smart badge (POST /v1/devices/identify); over it: 429. */
  BADGE_RATE_LIMIT_PER_MINUTE: positiveInt.max(100_000).default(30),
  /** How long an ingest request waits for Kafka's acknowledgement before answering 503. */
  INGEST_PUBLISH_TIMEOUT_MS: positiveInt.max(120_000).default(5_000),
  /** A Kafka topic DeepStream pipelines publish nvmsgconv JSON to; the ingest consumes it
   * (unset: no DeepStream consumer). */
  DEEPSTREAM_TOPIC: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,249}$/, 'a Kafka topic name')
    .optional(),
  /** The integrator API key DeepStream messages are accepted on behalf of (its scope applies). */
  DEEPSTREAM_API_KEY: z.string().min(1).optional(),
  /** The face model a DeepStream face's embedding is from when the message does not name one
   * (nvmsgconv's minimal schema never does; the full schema's analyticsModule.id does). */
  DEEPSTREAM_FACE_MODEL_ID: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$/, 'a model id')
    .optional(),
  /** A camera with no event nor heartbeat for this long is offline. */
  CAMERA_SILENT_AFTER_MS: positiveInt.default(15 * 60 * 1000),
  /** The same for SOS buttons (a kind of camera that mostly only beats): unset, the global one. */
  SOS_BUTTON_SILENT_AFTER_MS: positiveInt.optional(),
  /** How often the per-centre camera gauge is refreshed (0: never). */
  CAMERA_HEALTH_INTERVAL_MS: z.coerce.number().int().min(0).default(60_000),
  MATCHER_DEDUP_WINDOW_MS: z.coerce.number().int().min(0).default(60_000),
  EVIDENCE_STORE: z.enum(['postgres', 'disk']).default('postgres'),
  EVIDENCE_RETENTION_DAYS: positiveInt.default(30),
  EVENT_RETENTION_DAYS: positiveInt.default(90),
  /** The most hits one audit export (CSV or XLSX) may hold; more is refused, naming the cap. */
  AUDIT_EXPORT_MAX_ROWS: positiveInt.default(100_000),
  RETENTION_PURGE_INTERVAL_MS: z.coerce.number().int().min(0).default(900_000),
  PLATE_READ_RETENTION_DAYS: positiveInt.max(3650).default(30),
  PLATE_READ_PARTITION_INTERVAL_MS: z.coerce.number().int().min(0).default(3_600_000),
  JWT_SECRET: z.string().min(32).optional(),
  JWT_TTL_SECONDS: positiveInt.default(12 * 3600),
  /** The audit chain's keyring, `id:secret,id2:secret2` (secrets at least 32 characters);
   * never stored in the database. Parsed and checked by libs/auth (audit-keyring.ts). */
  AUDIT_CHAIN_KEYS: z
    .string()
    .regex(
      /^[A-Za-z0-9._-]{1,32}:[^,\s]{32,}(,[A-Za-z0-9._-]{1,32}:[^,\s]{32,})*$/,
      'id:secret pairs separated by commas; ids of letters, digits, dot, underscore and dash; secrets of at least 32 characters',
    )
    .optional(),
  /** The keyring's signing key; may be left out when the keyring holds one key. */
  AUDIT_CHAIN_KEY_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,32}$/)
    .optional(),
  /** Rows 1..N, written before the chain was signed, that verify accepts without a MAC. */
  AUDIT_CHAIN_LEGACY_ROWS: z.coerce.number().int().min(0).default(0),
  AUDIT_CHECKPOINT_FILE: z.string().min(1).optional(),
  AUDIT_CHECKPOINT_INTERVAL_MS: z.coerce.number().int().min(0).default(300_000),
  AUTH_SESSION_CACHE_TTL_MS: positiveInt.default(5_000),
  AUTH_MAX_FAILED_LOGINS: positiveInt.default(10),
  AUTH_MAX_FAILED_LOGINS_PER_USER: positiveInt.default(50),
  AUTH_FAILED_LOGIN_WINDOW_MS: positiveInt.default(900_000),
  /** Sign-in attempts one client address may make a minute, whatever the usernames. */
  AUTH_LOGINS_PER_ADDRESS_PER_MINUTE: positiveInt.default(30),
  /** Sign-ins of one client address whose password is being checked at once. */
  AUTH_LOGINS_IN_FLIGHT_PER_ADDRESS: positiveInt.default(2),
  /** Password checks at once in this instance, and how many more may wait for one. */
  AUTH_PASSWORD_CHECKS_CONCURRENT: positiveInt.default(4),
  AUTH_PASSWORD_CHECKS_QUEUED: z.coerce.number().int().min(0).default(32),
  FACE_WORKERS: positiveInt.optional(),
  OPS_ESCALATE_AFTER_MS: positiveInt.default(120_000),
  /** A confirmed alert with no outcome recorded this long after the confirm is flagged to the
   * supervisors (issue 20). */
  OPS_OUTCOME_DUE_AFTER_MS: positiveInt.default(2 * 60 * 60 * 1000),
  OPS_FEED_POLL_MS: positiveInt.default(200),
  /** How often the live feed re-checks each open socket's session: a user disabled or changed
   * (or a token expired) loses the socket within this plus AUTH_SESSION_CACHE_TTL_MS. */
  OPS_LIVE_SESSION_CHECK_MS: positiveInt.default(2_000),
  KUZET_DEMO: flag.default(false),
  /** The demo writes published passwords: on a database other than the embedded one only
   * when this second flag says so too. */
  KUZET_DEMO_EXTERNAL_DATABASE: flag.default(false),
  KUZET_DEMO_INTERVAL_MS: positiveInt.default(3_000),
});

export type KuzetConfig = z.infer<typeof configSchema>;

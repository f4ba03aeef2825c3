import { configSchema, KuzetConfig } from './config.schema';

export interface SettingDoc {
  /** What the setting does, one or two sentences for the README's table. */
  readonly meaning: string;
  /** Shown instead of the schema's default where that says too little (or there is none). */
  readonly default?: string;
}

/** One description per setting of configSchema: the README's configuration table is generated
 * from this (`npm run docs:config`), and the type refuses a setting without one. */
export const CONFIG_DOCS = {
  KUZET_MODE: {
    meaning: 'in-process transport and embedded database, or Kafka and PostgreSQL',
    default: '`distributed` (the all-in-one entry: `standalone` unless set)',
  },
  HTTP_HOST: { meaning: "where the app's HTTP server listens" },
  HTTP_PORT: { meaning: "the HTTP server's port" },
  LOG_LEVEL: { meaning: 'pino level (`fatal` … `trace`, `silent`)' },
  HTTP_MAX_BODY_BYTES: {
    meaning:
      'largest body of a staff route (ingest routes and photo uploads have their own limits)',
  },
  HTTP_MAX_JSON_DEPTH: { meaning: 'deepest nesting of a JSON body, checked before it is parsed' },
  DATABASE_URL: {
    meaning: 'PostgreSQL (ignored by `npm start` unless `STANDALONE_DATABASE=external`)',
  },
  DATABASE_POOL_SIZE: {
    meaning: 'connections per app (1 in standalone mode: PGlite runs one query at a time)',
  },
  DATABASE_MIGRATIONS_RUN: { meaning: 'apply pending migrations at start-up' },
  KAFKA_BROKERS: { meaning: 'comma-separated bootstrap brokers' },
  KAFKA_CLIENT_ID: { meaning: 'Kafka client id' },
  KAFKA_TOPIC_PARTITIONS: { meaning: 'partitions of topics kuzet creates' },
  KAFKA_REPLICATION_FACTOR: { meaning: 'replication factor of topics kuzet creates' },
  KAFKA_PROVISION_TOPICS: { meaning: 'create missing topics at start-up' },
  KAFKA_GROUP_PREFIX: {
    meaning:
      'prepended by the bus to every consumer group, so deployments sharing a cluster keep separate offsets',
  },
  KAFKA_FETCH_MIN_BYTES: { meaning: "a consumer's fetch waits for this many bytes ..." },
  KAFKA_FETCH_MAX_WAIT_MS: {
    meaning: '... or this long: one broker request per batch instead of per message',
  },
  KAFKA_NEW_GROUP_START: {
    meaning: 'where a group with no committed offsets begins; `latest` only in tests',
  },
  KAFKA_CONSUMER_DOWN_GRACE_MS: {
    meaning:
      'how long a consumer group may be other than running before `/health/ready` answers 503 naming it',
  },
  KAFKA_LAG_INTERVAL_MS: {
    meaning:
      "how often each group's lag is measured for `/health/ready` and `kuzet_consumer_lag` (`0`: never)",
  },
  KAFKA_SESSION_TIMEOUT_MS: {
    meaning:
      "the consumers' session: a dead member's partitions wait this long (the broker accepts 6000 and up)",
  },
  KUZET_INSTANCE_ID: {
    meaning:
      "names this instance's own consumer groups (matcher index, violation feed); stable across restarts, unique per live instance",
    default: 'host name and `HTTP_PORT`',
  },
  KUZET_DATA_DIR: { meaning: "standalone mode's database and topic logs" },
  STANDALONE_PARTITION_MAX_MB: {
    meaning:
      'standalone mode: megabytes kept per topic partition (oldest records go first, as in Kafka)',
  },
  STANDALONE_DATABASE: {
    meaning: '`external` makes `npm start` use `DATABASE_URL`',
  },
  SHUTDOWN_TIMEOUT_MS: { meaning: 'graceful shutdown limit before the process exits anyway' },
  KUZET_REGION_FILE: {
    meaning:
      'a region file (centres, districts, cameras) loaded into the camera registry at start-up',
    default: 'none (the all-in-one entry: `deploy/config/region.yaml`)',
  },
  REGISTRY_CACHE_TTL_MS: {
    meaning:
      "how long an instance keeps a camera's location and the centre tree before reading them again",
  },
  API_KEY_CACHE_TTL_MS: {
    meaning: 'how soon a revoked integrator key stops working on other instances',
  },
  DEVICE_DIGEST_SECRET: {
    meaning:
      'signs the nonces of the HTTP Digest challenges devices get (at least 32 characters); the same on every ingest instance behind one address',
    default: 'random per process',
  },
  METRICS_TOKEN: {
    meaning:
      'the bearer token (at least 32 characters) a Prometheus scraper sends for `/metrics`; unset, `/metrics` answers only callers on the loopback address',
    default: 'loopback only',
  },
  INGEST_MAX_BATCH_EVENTS: { meaning: 'most events in one ingest batch' },
  INGEST_MAX_BODY_BYTES: { meaning: 'largest body of an ingest request' },
  INGEST_RATE_LIMIT_PER_MINUTE: {
    meaning: 'ingest requests a minute per API key, unless the key has a limit of its own (429)',
  },
  BADGE_RATE_LIMIT_PER_MINUTE: {
    meaning: 'identify requests a minute per smart badge (POST /v1/devices/identify; 429 over it)',
  },
  INGEST_PUBLISH_TIMEOUT_MS: {
    meaning:
      "how long an ingest request waits for Kafka's acknowledgement before answering `503` (retry with the same `event_id`)",
  },
  DEEPSTREAM_TOPIC: {
    meaning:
      'the Kafka topic DeepStream pipelines publish `nvmsgconv` JSON to; the ingest maps it to camera events (unset: off)',
  },
  DEEPSTREAM_API_KEY: {
    meaning:
      'the integrator API key DeepStream messages are accepted on behalf of: its integrator is the source, its scope applies',
  },
  DEEPSTREAM_FACE_MODEL_ID: {
    meaning:
      "the face model a DeepStream face's embedding is from when the message names none (the minimal schema never does; the full schema's `analyticsModule.id` does); it must be the matcher's model",
  },
  CAMERA_SILENT_AFTER_MS: {
    meaning:
      'an active camera with no accepted event nor device heartbeat for this long counts as offline (`/v1/camera-health`, `kuzet_cameras`, a `camera_offline` alert), unless its kind or the camera itself has its own interval; keep it above 10 s (a camera’s sign of life is written at most every 10 s)',
  },
  SOS_BUTTON_SILENT_AFTER_MS: {
    default: 'none (`CAMERA_SILENT_AFTER_MS`)',
    meaning:
      'the same for cameras of kind `sos_button` (unset: `CAMERA_SILENT_AFTER_MS`); a camera’s own `silent_after_seconds` in the registry comes first',
  },
  CAMERA_HEALTH_INTERVAL_MS: {
    meaning:
      'how often silent cameras raise a `camera_offline` alert to their centre (once per outage across instances), returned ones clear theirs, and the `kuzet_cameras` gauge is refreshed (`0`: never)',
  },
  MATCHER_DEDUP_WINDOW_MS: {
    meaning:
      'a person (or a plate) seen again by the same camera within this is one hit with a higher sighting count (`0`: every sighting a hit)',
  },
  EVIDENCE_STORE: {
    meaning: 'where face crops of hits are kept: in PostgreSQL, or as files under `KUZET_DATA_DIR`',
  },
  EVIDENCE_RETENTION_DAYS: { meaning: 'face crops of hits are purged after this' },
  AUDIT_EXPORT_MAX_ROWS: {
    meaning:
      'the most hits one audit export (`/v1/audit/hits/export`, CSV or XLSX) may hold; an export selecting more is refused with 400 `too_big` (narrow the filters)',
  },
  EVENT_RETENTION_DAYS: {
    meaning:
      "records of camera events taken over HTTP, and the consumers' first-content fingerprints of camera events (one content per `event_id`), are purged after this",
  },
  RETENTION_PURGE_INTERVAL_MS: {
    meaning: 'how often the audit app purges expired data (`0`: never)',
  },
  PLATE_READ_RETENTION_DAYS: {
    meaning:
      'plate reads (`plate_read`, one partition per UTC day) are kept this long; older partitions are dropped whole by the matcher, each drop on the audit log',
  },
  PLATE_READ_PARTITION_INTERVAL_MS: {
    meaning:
      'how often the matcher creates the plate-read partitions ahead (to two days ahead) and drops expired ones (`0`: only at start)',
  },
  JWT_SECRET: {
    meaning: 'signs staff sessions; at least 32 characters, the same on every instance',
    default: 'none (standalone: generated into `KUZET_DATA_DIR`)',
  },
  JWT_TTL_SECONDS: { meaning: 'how long a staff session lasts' },
  AUDIT_CHAIN_KEYS: {
    meaning:
      'signs every audit row: `id:secret[,id:secret…]`, secrets of at least 32 characters, the same on every instance; never in the database',
    default: 'none (standalone: generated into `KUZET_DATA_DIR`)',
  },
  AUDIT_CHAIN_KEY_ID: {
    meaning: 'which key of `AUDIT_CHAIN_KEYS` signs (rotation: [docs](docs/access-and-audit.md))',
    default: 'the only key',
  },
  AUDIT_CHAIN_LEGACY_ROWS: {
    meaning: 'rows written before the chain was signed that `verify` accepts unsigned',
  },
  AUDIT_CHECKPOINT_FILE: {
    meaning: "where the audit app appends checkpoints of the chain's head (they are also logged)",
    default: 'none (standalone: `KUZET_DATA_DIR/audit-checkpoints.jsonl`)',
  },
  AUDIT_CHECKPOINT_INTERVAL_MS: {
    meaning: 'how often the audit app takes a checkpoint (`0`: only on verification)',
  },
  AUTH_SESSION_CACHE_TTL_MS: {
    meaning: "how soon a disabled or changed user's sessions end on other instances",
  },
  AUTH_MAX_FAILED_LOGINS: {
    meaning:
      'sign-in attempts of one username from one address, without a success, before it is refused (429) for `AUTH_FAILED_LOGIN_WINDOW_MS`; counted in the database before the password is checked',
  },
  AUTH_MAX_FAILED_LOGINS_PER_USER: {
    meaning:
      'sign-in attempts of one username from all addresses together, without a success, before every address is refused (429) for `AUTH_FAILED_LOGIN_WINDOW_MS`; audited',
  },
  AUTH_FAILED_LOGIN_WINDOW_MS: {
    meaning: 'the window of `AUTH_MAX_FAILED_LOGINS` and `AUTH_MAX_FAILED_LOGINS_PER_USER`',
  },
  AUTH_LOGINS_PER_ADDRESS_PER_MINUTE: {
    meaning: 'sign-in attempts one client address may start a minute (per instance)',
  },
  AUTH_LOGINS_IN_FLIGHT_PER_ADDRESS: {
    meaning: 'sign-ins of one client address whose password is checked at once (per instance)',
  },
  AUTH_PASSWORD_CHECKS_CONCURRENT: { meaning: 'password checks at once per instance' },
  AUTH_PASSWORD_CHECKS_QUEUED: {
    meaning: 'password checks that may wait for one of those; beyond that 429',
  },
  FACE_WORKERS: {
    default: 'one per CPU',
    meaning: "worker threads of the matcher's face engine (each loads its own copy of the models)",
  },
  OPS_ESCALATE_AFTER_MS: {
    meaning: 'an alert nobody acknowledged within this goes to the supervisors',
  },
  OPS_OUTCOME_DUE_AFTER_MS: {
    meaning:
      'a confirmed alert with no outcome recorded this long after the confirm is flagged to the supervisors',
  },
  OPS_FEED_POLL_MS: {
    meaning: "how often the console's live socket looks for changed alerts",
  },
  OPS_LIVE_SESSION_CHECK_MS: {
    meaning:
      "how often the console's live socket re-checks its session: a disabled or changed user, or an expired token, loses it (close code 4401)",
  },
  KUZET_DEMO: { meaning: 'run the demo (accounts with published passwords)' },
  KUZET_DEMO_EXTERNAL_DATABASE: {
    meaning: 'allow the demo on an external database (a throw-away one)',
  },
  KUZET_DEMO_INTERVAL_MS: { meaning: 'how often the demo sends a camera event' },
} as const satisfies Record<keyof KuzetConfig, SettingDoc>;

function shownDefault(name: keyof KuzetConfig, defaults: Partial<KuzetConfig>): string {
  const doc: SettingDoc = CONFIG_DOCS[name];
  if (doc.default !== undefined) return doc.default;
  const value = defaults[name];
  if (value === undefined) return 'none';
  if (value === '') return '(empty)';
  return `\`${String(value)}\``;
}

/** The README's configuration table, aligned as prettier aligns markdown tables. */
export function configTable(): string {
  const defaults = configSchema.parse({}) as Partial<KuzetConfig>;
  const names = Object.keys(configSchema.shape) as (keyof KuzetConfig)[];
  const rows = [
    ['variable', 'default', 'meaning'],
    ...names.map((name) => [
      `\`${name}\``,
      shownDefault(name, defaults),
      CONFIG_DOCS[name].meaning,
    ]),
  ];
  const widths = rows[0]!.map((_, column) =>
    Math.max(3, ...rows.map((row) => [...row[column]!].length)),
  );
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell, column) => cell + ' '.repeat(widths[column]! - [...cell].length)).join(' | ')} |`;
  return [
    line(rows[0]!),
    `| ${widths.map((width) => '-'.repeat(width)).join(' | ')} |`,
    ...rows.slice(1).map(line),
  ].join('\n');
}

export const CONFIG_TABLE_START = '<!-- configuration table: npm run docs:config -->';
export const CONFIG_TABLE_END = '<!-- end of configuration table -->';

/** The README with the table between the markers replaced by `table`. */
export function withConfigTable(readme: string, table: string = configTable()): string {
  const start = readme.indexOf(CONFIG_TABLE_START);
  const end = readme.indexOf(CONFIG_TABLE_END);
  if (start < 0 || end < start) {
    throw new Error(`README.md has no ${CONFIG_TABLE_START} … ${CONFIG_TABLE_END} section`);
  }
  return `${readme.slice(0, start + CONFIG_TABLE_START.length)}\n\n${table}\n\n${readme.slice(end)}`;
}

import { KuzetConfig, loadConfig } from '@kuzet/config';
import { EmbeddedPostgres, embeddedDatabaseIn } from '@kuzet/persistence';
import { bootstrapApp, projectRoot } from '@kuzet/platform';
import { join } from 'node:path';
import { setupOpenApi } from '../../ingest/src/openapi';
import { StandaloneModule } from './standalone.module';

/** The seed region (deploy/config/region.yaml), relative to dist/apps/standalone/src. */
const SEED_REGION_FILE = join(projectRoot(), 'deploy/config/region.yaml');

/** Every app in one process. KUZET_MODE unset (`npm start`): the in-process transport and
 * PGlite under KUZET_DATA_DIR (or DATABASE_URL with STANDALONE_DATABASE=external).
 * KUZET_MODE=distributed: KAFKA_BROKERS and DATABASE_URL, nothing embedded, for a small site
 * that wants one process on a real Kafka and PostgreSQL. */
async function main(): Promise<void> {
  const distributed = process.env.KUZET_MODE === 'distributed';
  // `npm start` asks for the demo with --demo; KUZET_DEMO=true asks for it too
  const demoFlag = process.argv.includes('--demo') ? { KUZET_DEMO: true } : {};
  const probe = loadConfig(process.env, demoFlag);
  const base = loadConfig(process.env, {
    ...(distributed ? {} : { KUZET_MODE: 'standalone' as const }),
    // the seed region's cameras are the demo's; a real site loads its own region file
    ...(distributed && !probe.KUZET_DEMO
      ? {}
      : { KUZET_REGION_FILE: process.env.KUZET_REGION_FILE || SEED_REGION_FILE }),
    ...demoFlag,
    // the demo's alerts wait 10 minutes for an operator before they escalate (a real site sets
    // OPS_ESCALATE_AFTER_MS itself): a newcomer watching is not flooded with escalations
    ...(probe.KUZET_DEMO && !process.env.OPS_ESCALATE_AFTER_MS
      ? { OPS_ESCALATE_AFTER_MS: 600_000 }
      : {}),
  });
  const external = distributed || base.STANDALONE_DATABASE === 'external';
  assertDemoAllowed(base, external);
  const embedded = external
    ? undefined
    : await EmbeddedPostgres.start(embeddedDatabaseIn(base.KUZET_DATA_DIR));
  const config = embedded ? { ...base, DATABASE_URL: embedded.url } : base;
  console.log(startLine(config, embedded !== undefined));
  const { url } = await bootstrapApp(StandaloneModule.forRoot(config), config, {
    afterClose: () => embedded?.stop() ?? Promise.resolve(),
    beforeListen: setupOpenApi,
  });
  console.log(`kuzet all-in-one is up: ${url}/health/ready  ${url}/metrics`);
}

/** Which transport and database this process uses, said once at start (no password). */
function startLine(config: Readonly<KuzetConfig>, embeddedDatabase: boolean): string {
  const transport =
    config.KUZET_MODE === 'distributed'
      ? `Kafka at ${config.KAFKA_BROKERS}`
      : `the in-process transport (topics under ${join(config.KUZET_DATA_DIR, 'topics')})`;
  const database = embeddedDatabase
    ? `embedded PostgreSQL (PGlite) under ${join(config.KUZET_DATA_DIR, 'pglite')}`
    : `PostgreSQL at ${redactedUrl(config.DATABASE_URL)}`;
  return `kuzet all-in-one, KUZET_MODE=${config.KUZET_MODE}: ${transport}, ${database}${config.KUZET_DEMO ? ', demo on' : ''}`;
}

function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable DATABASE_URL)';
  }
}

/** The demo creates accounts whose passwords are published: on a real database that is a
 * back door, so it takes a second flag there. */
function assertDemoAllowed(config: Readonly<KuzetConfig>, externalDatabase: boolean): void {
  if (config.KUZET_DEMO && externalDatabase && !config.KUZET_DEMO_EXTERNAL_DATABASE) {
    throw new Error(
      'refusing to run the demo on an external database: its accounts have published passwords. ' +
        'Set KUZET_DEMO_EXTERNAL_DATABASE=true as well if this database is a throw-away one.',
    );
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

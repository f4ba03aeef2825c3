import { KuzetConfig, loadConfig } from '@kuzet/config';
import { EmbeddedPostgres, embeddedDatabaseIn } from '@kuzet/persistence';
import { bootstrapApp, projectRoot } from '@kuzet/platform';
import { join } from 'node:path';
import { setupOpenApi } from '../../ingest/src/openapi';
import { StandaloneModule } from './standalone.module';

/** The seed region (deploy/config/region.yaml), relative to dist/apps/standalone/src. */
const SEED_REGION_FILE = join(projectRoot(), 'deploy/config/region.yaml');

/** `npm start`: everything in one process on embedded defaults. PostgreSQL is PGlite
 * under KUZET_DATA_DIR unless STANDALONE_DATABASE=external (then DATABASE_URL is used). */
async function main(): Promise<void> {
  const base = loadConfig(process.env, {
    KUZET_MODE: 'standalone',
    KUZET_REGION_FILE: process.env.KUZET_REGION_FILE || SEED_REGION_FILE,
    // `npm start` asks for the demo with --demo; KUZET_DEMO=true asks for it too
    ...(process.argv.includes('--demo') ? { KUZET_DEMO: true } : {}),
  });
  const external = process.env.STANDALONE_DATABASE === 'external';
  assertDemoAllowed(base, external);
  const embedded = external
    ? undefined
    : await EmbeddedPostgres.start(embeddedDatabaseIn(base.KUZET_DATA_DIR));
  const config = embedded ? { ...base, DATABASE_URL: embedded.url } : base;
  const { url } = await bootstrapApp(StandaloneModule.forRoot(config), config, {
    afterClose: () => embedded?.stop() ?? Promise.resolve(),
    beforeListen: setupOpenApi,
  });
  console.log(`kuzet standalone is up: ${url}/health/ready  ${url}/metrics`);
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

import { loadConfig } from '@kuzet/config';
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
    // the demo is on unless KUZET_DEMO says otherwise
    ...(process.env.KUZET_DEMO ? {} : { KUZET_DEMO: true }),
  });
  const external = process.env.STANDALONE_DATABASE === 'external';
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

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

/**
 * jest globalSetup: makes the real infrastructure the end-to-end tests use available.
 *
 * - PostgreSQL must already be reachable at DATABASE_URL (default
 *   postgres://postgres@127.0.0.1:5432/test); if it is not, the run stops here with a clear
 *   message instead of a hundred connection errors.
 * - Kafka: unless KAFKA_BROKERS is set (then that cluster is used and nothing is started),
 *   deploy/kafka/kafka.sh starts the project's single-node broker on 127.0.0.1 port
 *   KUZET_TEST_KAFKA_PORT (default 39092) with a data folder that is wiped first, so every
 *   run has fresh topics and groups. If another live run (another developer's `npm test` on
 *   this machine) owns that port, the next free one (+10, +20, ...) is used instead. The
 *   first run on a machine also fetches Kafka's jars from Maven Central (about a minute;
 *   progress is printed).
 *
 * Both URLs are put into process.env, which jest's workers inherit.
 * Runs that select only the `unit` project (`npm run test:unit`) start nothing.
 */
import * as path from 'node:path';
import { Client } from 'pg';
import {
  KAFKA_CACHE_DIR,
  portFromEnv,
  recordOwner,
  releaseOwner,
  startLocalBroker,
  unownedPort,
} from './kafka-broker';
import { setStartedKafkaPort } from './started-broker';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';
export const DEFAULT_TEST_KAFKA_PORT = 39092;

/** Projects named by --selectProjects on jest's command line, if any. */
function selectedProjects(argv: readonly string[]): string[] | undefined {
  const names: string[] = [];
  let found = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg.startsWith('--selectProjects=')) {
      found = true;
      names.push(...arg.slice('--selectProjects='.length).split(','));
    } else if (arg === '--selectProjects') {
      found = true;
      while (i + 1 < argv.length && !argv[i + 1].startsWith('-')) names.push(argv[++i]);
    }
  }
  return found ? names : undefined;
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable DATABASE_URL)';
  }
}

async function checkPostgres(url: string): Promise<void> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(
      `PostgreSQL is not reachable at ${redact(url)} (${reason}).\n` +
        'The end-to-end tests need a real PostgreSQL: start one (on CI, .ci/run installs and starts it), ' +
        'or point DATABASE_URL at a reachable database.',
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

export default async function globalSetup(): Promise<void> {
  const projects = selectedProjects(process.argv);
  if (projects && !projects.includes('e2e')) return;

  const databaseUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  await checkPostgres(databaseUrl);
  process.env.DATABASE_URL = databaseUrl;

  if (process.env.KAFKA_BROKERS) {
    process.stderr.write(
      `\n[kuzet test set-up] using Kafka at KAFKA_BROKERS=${process.env.KAFKA_BROKERS}\n`,
    );
    return;
  }
  const wanted = portFromEnv('KUZET_TEST_KAFKA_PORT', DEFAULT_TEST_KAFKA_PORT);
  // Another live test run (or benchmark) keeps its broker; this run takes the next port.
  const port = unownedPort(wanted);
  if (port !== wanted) {
    process.stderr.write(
      `\n[kuzet test set-up] 127.0.0.1:${wanted} or ${wanted + 1} is used by another live run; using ${port}\n`,
    );
  }
  process.stderr.write(
    `\n[kuzet test set-up] starting a fresh Kafka broker on 127.0.0.1:${port}\n`,
  );
  recordOwner(port);
  try {
    const broker = await startLocalBroker({
      port,
      dataDir: path.join(KAFKA_CACHE_DIR, `test-data-${port}`),
      fresh: true,
    });
    process.env.KAFKA_BROKERS = broker.brokers;
  } catch (err) {
    releaseOwner(port);
    throw err;
  }
  setStartedKafkaPort(port);
}

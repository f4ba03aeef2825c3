#!/usr/bin/env node
// `npm test`'s prerequisites, checked before anything is built or started (npm's pretest):
// Java 17+ and Maven (the Kafka broker), Debian's Chromium (the console tests), kcat, protoc
// and protobuf's well-known types (the integrator guide's examples), and PostgreSQL at
// DATABASE_URL. Prints one line naming everything missing and exits 1; silent when all is there.
// KUZET_SKIP_PREREQUISITES=true skips the check (for running a subset that needs less).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** What a command printed (stdout and stderr), or null when it could not be run. */
function output(command, args) {
  const run = spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return run.error || run.status !== 0 ? null : `${run.stdout}${run.stderr}`;
}

function javaMissing() {
  const java = process.env.JAVA_HOME ? `${process.env.JAVA_HOME}/bin/java` : 'java';
  // java prints its settings on stderr
  const text = output(java, ['-XshowSettings:properties', '-version']);
  if (text === null) return 'java (17 or later)';
  const version = /java\.specification\.version = (\d+)/.exec(text)?.[1];
  return Number(version) >= 17 ? null : `java 17 or later (found ${version ?? 'unknown'})`;
}

async function postgresMissing(url) {
  const require = createRequire(import.meta.url);
  const { Client } = require('pg');
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (error) {
    const where = url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
    return `PostgreSQL at ${where} (${error instanceof Error ? error.message : String(error)})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** What is missing, as short names; empty when everything is there. */
export async function missingPrerequisites(env = process.env) {
  const missing = [];
  const java = javaMissing();
  if (java) missing.push(java);
  if (output('mvn', ['-v']) === null) missing.push('mvn (Maven)');
  const chromium = env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(chromium)) missing.push(`chromium at ${chromium} (set CHROMIUM_PATH)`);
  if (output('kcat', ['-V']) === null) missing.push('kcat');
  if (output('protoc', ['--version']) === null) missing.push('protoc');
  else if (!existsSync('/usr/include/google/protobuf/timestamp.proto'))
    missing.push("protobuf's well-known types (libprotobuf-dev)");
  const postgres = await postgresMissing(env.DATABASE_URL || DEFAULT_DATABASE_URL);
  if (postgres) missing.push(postgres);
  return missing;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (process.env.KUZET_SKIP_PREREQUISITES === 'true') process.exit(0);
  const missing = await missingPrerequisites();
  if (missing.length > 0) {
    console.error(
      `npm test: missing ${missing.join('; ')}. Debian: apt-get install openjdk-17-jre-headless maven chromium kcat protobuf-compiler libprotobuf-dev postgresql (or run .ci/run)`,
    );
    process.exit(1);
  }
}

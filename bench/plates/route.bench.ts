import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { PlateRead1764600000000 } from '../../libs/persistence/src/migrations/1764600000000-plate-read';
import { PlateReadRepository } from '../../libs/vehicles/src/reads/plate-read.repository';

// Route query and storage of the plate-read table: BENCH_ROUTE_READS reads over 30 day
// partitions and 500 cameras, loaded server-side (generate_series) into a throw-away database
// made with the real migration; then one plate's 7-day route through PlateReadRepository's own
// SQL, timed per query. Prints JSON.
const READS = Number(process.env.BENCH_ROUTE_READS ?? 20_000_000);
const QUERIES = Number(process.env.BENCH_ROUTE_QUERIES ?? 2_000);
const DAYS = 30;
const CAMERAS = 500;
// about 40 reads of a car in 30 days
const PLATES = Math.max(1, Math.floor(READS / 40));
const DAY_MS = 86_400_000;
const server = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const plateSql = (n: string) =>
  `lpad(((${n}) % 1000)::text, 3, '0') || chr((65 + ((${n}) / 1000) % 26)::int) || chr((65 + ((${n}) / 26000) % 26)::int) || chr((65 + ((${n}) / 676000) % 26)::int) || '12'`;

async function main(): Promise<void> {
  const name = `kuzet_bench_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const admin = new Client({ connectionString: server });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  const db = new Client({ connectionString: url.toString() });
  await db.connect();
  try {
    await new PlateRead1764600000000().up({
      query: (sql: string) => db.query(sql),
    } as never);
    // the route joins the camera registry for names and positions
    await db.query(
      `CREATE TABLE camera (id text PRIMARY KEY, name text NOT NULL, latitude double precision, longitude double precision)`,
    );
    await db.query(
      `INSERT INTO camera SELECT 'cam-' || lpad(g::text, 4, '0'), 'camera ' || g, 43 + g / 1000.0, 51 + g / 1000.0
       FROM generate_series(0, ${CAMERAS - 1}) g`,
    );
    const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
    const first = today - (DAYS - 1) * DAY_MS;
    for (let d = 0; d < DAYS + 1; d++) {
      const from = new Date(first + d * DAY_MS);
      const to = new Date(from.getTime() + DAY_MS);
      const p = `plate_read_p${from.toISOString().slice(0, 10).replace(/-/g, '')}`;
      await db.query(
        `CREATE TABLE ${p} PARTITION OF plate_read FOR VALUES FROM ('${from.toISOString()}') TO ('${to.toISOString()}')`,
      );
    }
    const loadStart = process.hrtime.bigint();
    const CHUNK = 500_000;
    for (let start = 0; start < READS; start += CHUNK) {
      const end = Math.min(READS, start + CHUNK) - 1;
      // reads in time order, as cameras send them; plates scattered (multiplicative hash)
      await db.query(
        `INSERT INTO plate_read (read_at, event_id, confidence, direction, camera_id, plate_normalised, plate_read)
         SELECT to_timestamp(${first / 1000} + g::double precision * ${(DAYS * DAY_MS) / 1000} / ${READS}),
                gen_random_uuid(), 0.9, 1, 'cam-' || lpad((g % ${CAMERAS})::text, 4, '0'),
                ${plateSql(`(g::bigint * 2654435761) % ${PLATES}`)}, ${plateSql(`(g::bigint * 2654435761) % ${PLATES}`)}
         FROM generate_series(${start}, ${end}) g`,
      );
    }
    const loadSeconds = Number(process.hrtime.bigint() - loadStart) / 1e9;
    await db.query('VACUUM ANALYZE plate_read');
    const [size] = (
      await db.query<{ bytes: string }>(
        `SELECT sum(pg_total_relation_size(c.oid)) AS bytes FROM pg_inherits i
         JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'plate_read'::regclass`,
      )
    ).rows;
    const repository = new PlateReadRepository({
      query: async (sql: string, params: unknown[]) => (await db.query(sql, params)).rows,
    } as unknown as DataSource);
    const to = new Date(today + DAY_MS);
    const from = new Date(to.getTime() - 7 * DAY_MS);
    const times = new Float64Array(QUERIES);
    let returned = 0;
    for (let round = 0; round < 2; round++) {
      for (let q = 0; q < QUERIES; q++) {
        const n = (q * 7919 + round) % PLATES;
        const plate = `${String(n % 1000).padStart(3, '0')}${String.fromCharCode(65 + (Math.floor(n / 1000) % 26), 65 + (Math.floor(n / 26000) % 26), 65 + (Math.floor(n / 676000) % 26))}12`;
        const t = process.hrtime.bigint();
        const sightings = await repository.sightings(plate, from, to, 500);
        times[q] = Number(process.hrtime.bigint() - t) / 1e6;
        if (round === 1) returned += sightings.length;
      }
    }
    times.sort();
    const pct = (p: number) => times[Math.min(QUERIES - 1, Math.floor(p * QUERIES))]!;
    process.stdout.write(
      `${JSON.stringify(
        {
          bench: 'plates-route',
          reads: READS,
          days: DAYS,
          cameras: CAMERAS,
          plates: PLATES,
          load: { seconds: loadSeconds, readsPerSecond: READS / loadSeconds },
          storage: { bytes: Number(size!.bytes), bytesPerRead: Number(size!.bytes) / READS },
          route7d: {
            queries: QUERIES,
            meanSightings: returned / QUERIES,
            p50Ms: pct(0.5),
            p99Ms: pct(0.99),
            maxMs: times[QUERIES - 1],
            targetP99Ms: 20,
          },
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    await db.end();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

void main().catch((error) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});

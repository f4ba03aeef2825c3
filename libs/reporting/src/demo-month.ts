import { createHash } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { monthPeriod } from './monthly-report';

/** The volumes of a generated month (`kuzet demo month`, issue 20). Month figures (violations,
 * plate reads, face hits, SOS calls) are added to the month; registry figures (cameras, SOS
 * buttons) are what the registry holds afterwards, spread over the districts in the database. */
export interface DemoMonthVolumes {
  readonly month: string;
  readonly seed: number;
  readonly violations: number;
  readonly plateReads: number;
  /** Face-recognition alerts: the wanted persons' confirmed hits, the rest rejected. */
  readonly faceHits: number;
  readonly wantedIdentified: number;
  readonly wantedBroughtIn: number;
  readonly sosButtons: number;
  readonly sosCalls: number;
  readonly camerasTotal: number;
  readonly camerasConnected: number;
}

/** Mangystau, January 2026, as its police published it (../shared/CONTEXT.md); plate reads and
 * face hits are not published: plausible volumes. */
export const DEMO_MONTH_DEFAULTS: DemoMonthVolumes = {
  month: '2026-01',
  seed: 1,
  violations: 5_705,
  plateReads: 200_000,
  faceHits: 14,
  wantedIdentified: 10,
  wantedBroughtIn: 10,
  sosButtons: 25,
  sosCalls: 0,
  camerasTotal: 63_595,
  camerasConnected: 21_898,
};

/** Each flag's largest value: a month the bench and a trial need, with room. */
export const DEMO_MONTH_LIMITS = {
  seed: 2_147_483_647,
  violations: 10_000_000,
  plateReads: 50_000_000,
  faceHits: 1_000_000,
  wantedIdentified: 1_000_000,
  wantedBroughtIn: 1_000_000,
  sosButtons: 100_000,
  sosCalls: 1_000_000,
  camerasTotal: 10_000_000,
  camerasConnected: 10_000_000,
} as const satisfies Record<Exclude<keyof DemoMonthVolumes, 'month'>, number>;

/** A refused volume: the flag (as the CLI spells it), the rule, and why. */
export class DemoMonthError extends Error {
  constructor(
    readonly field: string,
    readonly rule: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'DemoMonthError';
  }
}

const flag = (key: keyof DemoMonthVolumes) =>
  `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** The rules between volumes, checked before the database is touched. */
export function checkDemoMonthVolumes(v: DemoMonthVolumes): void {
  if (!/^20\d{2}-(0[1-9]|1[0-2])$/.test(v.month))
    throw new DemoMonthError('--month', 'format', 'a month as YYYY-MM (2000-01 .. 2099-12)');
  for (const [key, max] of Object.entries(DEMO_MONTH_LIMITS) as Array<
    [keyof typeof DEMO_MONTH_LIMITS, number]
  >) {
    const value = v[key];
    if (!Number.isSafeInteger(value) || value < 0 || value > max)
      throw new DemoMonthError(flag(key), 'range', `a whole number 0 .. ${max}, got ${value}`);
  }
  const atMost = (key: keyof DemoMonthVolumes, other: keyof DemoMonthVolumes, why: string) => {
    if ((v[key] as number) > (v[other] as number))
      throw new DemoMonthError(
        flag(key),
        'at_most',
        `at most ${flag(other)} (${v[other]}): ${why}, got ${v[key]}`,
      );
  };
  atMost('wantedIdentified', 'faceHits', 'each identified person is a confirmed face hit');
  atMost('wantedBroughtIn', 'wantedIdentified', 'only an identified person is brought in');
  atMost('camerasConnected', 'camerasTotal', 'a connected camera is one of all cameras');
  if (v.sosCalls > 0 && v.sosButtons === 0)
    throw new DemoMonthError('--sos-calls', 'needs_buttons', 'calls need --sos-buttons above 0');
}

export interface DemoMonthSummary {
  readonly month: string;
  readonly seed: number;
  readonly appended: boolean;
  readonly districts: number;
  readonly cameras_added: number;
  readonly sos_buttons_added: number;
  readonly violations: number;
  readonly plate_reads: number;
  readonly face_hits: number;
  readonly sos_calls: number;
}

/** A small seeded generator (mulberry32): the same seed, the same month. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const uuidOf = (text: string) => {
  const h = createHash('md5').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

/** Spreads `total` over weights, largest remainders first: the parts add up to `total`. */
export function spread(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((s, w) => s + w, 0);
  if (weights.length === 0) return [];
  if (sum <= 0)
    return spread(
      total,
      weights.map(() => 1),
    );
  const exact = weights.map((w) => (total * w) / sum);
  const parts = exact.map(Math.floor);
  let left = total - parts.reduce((s, p) => s + p, 0);
  const order = exact
    .map((x, i) => ({ i, r: x - Math.floor(x) }))
    .sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of order) {
    if (left-- <= 0) break;
    parts[i]! += 1;
  }
  return parts;
}

const DAY_MS = 24 * 60 * 60 * 1000;

interface DistrictRow {
  id: string;
  centre_id: string;
  connected: number;
  unconnected: number;
  sos: number;
  demo_cameras: number;
  demo_sos: number;
}

/** Whether the month already holds traffic: violations, alerts or plate reads in it. */
export async function demoMonthExisting(
  manager: EntityManager | DataSource,
  month: string,
): Promise<{ violations: number; alerts: number; plate_reads: number }> {
  const { from, to } = monthPeriod(month);
  const [row] = await manager.query(
    `SELECT (SELECT count(*) FROM violation_record WHERE captured_at >= $1 AND captured_at < $2)::int AS violations,
            (SELECT count(*) FROM alert WHERE captured_at >= $1 AND captured_at < $2)::int AS alerts,
            (SELECT count(*) FROM plate_read WHERE read_at >= $1 AND read_at < $2)::int AS plate_reads`,
    [from.toISOString(), to.toISOString()],
  );
  return row;
}

/**
 * Fills the month with the volumes, deterministically (the seed; with `append`, also what the
 * month already held), in one transaction: the registry's cameras, connected cameras and SOS
 * buttons brought to the totals over the districts already in the database (new ones named
 * `demo-<district>-…`, each district's count of all cameras set); violations by code and
 * district, plate reads (the day partitions the matcher would create), face hits confirmed or
 * rejected with their decisions, each wanted person's dispatch, arrival and outcome, and SOS
 * calls. Refuses a month that already holds traffic unless `append`. No audit entry here:
 * the caller writes it.
 */
export async function generateDemoMonth(
  dataSource: DataSource,
  volumes: DemoMonthVolumes,
  options: { append?: boolean } = {},
): Promise<DemoMonthSummary> {
  checkDemoMonthVolumes(volumes);
  const v = volumes;
  return dataSource.transaction(async (m) => {
    // one generator at a time, and no matcher making partitions while we do
    await m.query(`SELECT pg_advisory_xact_lock(hashtext('kuzet.demo-month'))`);
    await m.query(`SELECT pg_advisory_xact_lock(hashtext('kuzet.plate_read.partitions'))`);
    const existing = await demoMonthExisting(m, v.month);
    const held = existing.violations + existing.alerts + existing.plate_reads;
    if (held > 0 && !options.append)
      throw new DemoMonthError(
        '--month',
        'empty',
        `the database already holds traffic of ${v.month} (${existing.violations} violations, ` +
          `${existing.alerts} alerts, ${existing.plate_reads} plate reads): --append to add to it`,
      );
    // the run: what the month held, so an appended run makes other rows than the first
    const salt = `${v.seed}:${v.month}:${held}`;
    const random = prng(
      Number.parseInt(createHash('md5').update(salt).digest('hex').slice(0, 8), 16),
    );
    const districts: DistrictRow[] = await m.query(
      `SELECT d.id, d.centre_id,
         (count(c.id) FILTER (WHERE c.status = 'active' AND c.kind = 'camera' AND c.connected))::int AS connected,
         (count(c.id) FILTER (WHERE c.status = 'active' AND c.kind = 'camera' AND NOT c.connected))::int AS unconnected,
         (count(c.id) FILTER (WHERE c.status = 'active' AND c.kind = 'sos_button'))::int AS sos,
         (count(c.id) FILTER (WHERE c.id LIKE 'demo-' || d.id || '-cam-%'))::int AS demo_cameras,
         (count(c.id) FILTER (WHERE c.id LIKE 'demo-' || d.id || '-sos-%'))::int AS demo_sos
       FROM district d LEFT JOIN camera c ON c.district_id = d.id
       GROUP BY d.id ORDER BY d.id`,
    );
    if (districts.length === 0)
      throw new DemoMonthError(
        '--month',
        'region',
        'the database holds no districts: load the region first (start kuzet once with KUZET_REGION_FILE, e.g. `npm start`)',
      );
    const sum = (f: (d: DistrictRow) => number) => districts.reduce((s, d) => s + f(d), 0);
    const needAtLeast = (field: string, target: number, floor: number, what: string) => {
      if (target < floor)
        throw new DemoMonthError(field, 'at_least', `at least ${floor} (${what}), got ${target}`);
    };
    needAtLeast(
      '--cameras-connected',
      v.camerasConnected,
      sum((d) => d.connected),
      'the connected cameras already in the registry',
    );
    needAtLeast(
      '--cameras-total',
      v.camerasTotal,
      v.camerasConnected + sum((d) => d.unconnected),
      '--cameras-connected and the unconnected cameras already in the registry',
    );
    needAtLeast(
      '--sos-buttons',
      v.sosButtons,
      sum((d) => d.sos),
      'the SOS buttons already in the registry',
    );

    // a city has more cameras than a village: the seeded weights, the first district (the
    // regional centre's city, by id order) the largest
    const weights = districts.map((_, i) => (i === 0 ? 6 : 1) + random() * 2);
    const addCameras = spread(v.camerasConnected - sum((d) => d.connected), weights);
    const addSos = spread(v.sosButtons - sum((d) => d.sos), weights);
    for (const [i, d] of districts.entries()) {
      for (const [kind, count, offset, tag] of [
        ['camera', addCameras[i]!, d.demo_cameras, 'cam'],
        ['sos_button', addSos[i]!, d.demo_sos, 'sos'],
      ] as const)
        if (count > 0)
          await m.query(
            `INSERT INTO camera (id, name, district_id, centre_id, kind, connected)
             SELECT 'demo-' || $1 || '-${tag}-' || lpad((i + $4)::text, 5, '0'),
                    $5 || ' ' || (i + $4), $1, $2, $3, true
               FROM generate_series(1, $6::int) AS i`,
            [
              d.id,
              d.centre_id,
              kind,
              offset,
              kind === 'camera' ? 'Demo camera' : 'Demo SOS button',
              count,
            ],
          );
      d.connected += addCameras[i]!;
    }
    // all cameras: the connected and unconnected ones, and the rest known by total only
    const unlisted = spread(
      v.camerasTotal - v.camerasConnected - sum((d) => d.unconnected),
      weights,
    );
    for (const [i, d] of districts.entries())
      await m.query(`UPDATE district SET cameras_total = $2 WHERE id = $1`, [
        d.id,
        d.connected + d.unconnected + unlisted[i]!,
      ]);

    const { from, to } = monthPeriod(v.month);
    const span = to.getTime() - from.getTime();
    const fromIso = from.toISOString();
    // the connected cameras, numbered: traffic where the cameras are
    await m.query(`CREATE TEMP TABLE demo_cam ON COMMIT DROP AS
      SELECT id, district_id, centre_id, (row_number() OVER (ORDER BY id) - 1)::int AS k
        FROM camera WHERE status = 'active' AND kind = 'camera' AND connected`);
    await m.query(`CREATE UNIQUE INDEX ON demo_cam (k)`);
    const [{ n: cams }] = await m.query(`SELECT count(*)::int AS n FROM demo_cam`);
    // r(name): a seeded number 0 .. 2^31-1 per row i; a time of day mostly between 07:00 and
    // 23:00 in the centres' zone
    const r = (name: string) => `(hashtext($1::text || ':${name}:' || i) & 2147483647)`;
    const days = Math.round(span / DAY_MS);
    const at = `($2::timestamptz + (${r('day')} % ${days}) * interval '1 day'
      + CASE WHEN ${r('night')} % 10 < 8 THEN interval '7 hours' + (${r('t')} % 57600) * interval '1 second'
             ELSE (${r('t')} % 86400) * interval '1 second' END)`;
    if (cams === 0 && v.violations + v.plateReads > 0)
      throw new DemoMonthError(
        '--cameras-connected',
        'at_least',
        'violations and plate reads need a connected camera',
      );
    if (v.violations > 0)
      await m.query(
        `INSERT INTO violation_record (event_id, camera_id, district_id, centre_id, code, plate,
           measured_speed_kmh, limit_speed_kmh, evidence_ref, captured_at)
         SELECT md5($1::text || ':v:' || i)::uuid, c.id, c.district_id, c.centre_id, x.code, x.plate,
                CASE WHEN x.code = 'speeding' THEN 60 + 12 + ${r('kmh')} % 60 END,
                CASE WHEN x.code = 'speeding' THEN 60 END,
                'demo://violation/' || md5($1::text || ':v:' || i), ${at}
           FROM generate_series(1, $3::int) AS i
           CROSS JOIN LATERAL (SELECT
             CASE WHEN ${r('code')} % 100 < 55 THEN 'speeding'
                  WHEN ${r('code')} % 100 < 75 THEN 'no_seat_belt'
                  WHEN ${r('code')} % 100 < 90 THEN 'red_light'
                  WHEN ${r('code')} % 100 < 97 THEN 'illegal_dumping'
                  ELSE 'wrong_way_driving' END AS code,
             lpad((${r('plate')} % 1000)::text, 3, '0')
               || chr(65 + ${r('plate')} / 1000 % 26) || chr(65 + ${r('plate')} / 26000 % 26)
               || chr(65 + ${r('plate')} / 676000 % 26) || '12' AS plate) x
           JOIN demo_cam c ON c.k = ${r('cam')} % $4`,
        [salt, fromIso, v.violations, cams],
      );
    if (v.plateReads > 0) {
      for (
        let day = Math.floor(from.getTime() / DAY_MS) * DAY_MS;
        day < to.getTime();
        day += DAY_MS
      ) {
        const d = new Date(day);
        await m.query(
          `CREATE TABLE IF NOT EXISTS plate_read_p${d.toISOString().slice(0, 10).replace(/-/g, '')}
           PARTITION OF plate_read FOR VALUES FROM ('${d.toISOString()}') TO ('${new Date(day + DAY_MS).toISOString()}')`,
        );
      }
      // a region's cars: 40,000 of them (or fewer), each read again and again along its routes
      const cars = Math.max(1, Math.min(40_000, Math.ceil(v.plateReads / 5)));
      await m.query(
        `INSERT INTO plate_read (read_at, event_id, confidence, direction, camera_id, plate_normalised, plate_read)
         SELECT ${at}, md5($1::text || ':p:' || i)::uuid, 0.8 + (${r('conf')} % 200) / 1000.0,
                (${r('dir')} % 2)::smallint, c.id, x.plate, x.plate
           FROM generate_series(1, $3::int) AS i
           CROSS JOIN LATERAL (SELECT hashtext($1::text || ':car:' || (${r('car')} % $5)) & 2147483647 AS car) y
           CROSS JOIN LATERAL (SELECT lpad((y.car % 1000)::text, 3, '0') || chr(65 + y.car / 1000 % 26)
             || chr(65 + y.car / 26000 % 26) || chr(65 + y.car / 676000 % 26) || '12' AS plate) x
           JOIN demo_cam c ON c.k = ${r('cam')} % $4`,
        [salt, fromIso, v.plateReads, cams, cars],
      );
    }

    // face hits and SOS calls: few enough to make in JS, the same way from the seed
    const cameras: Array<{ id: string; district_id: string; centre_id: string; kind: string }> =
      await m.query(
        `SELECT id, district_id, centre_id, kind FROM camera
          WHERE status = 'active' AND connected AND kind IN ('camera', 'sos_button') ORDER BY id`,
      );
    const faceCameras = cameras.filter((c) => c.kind === 'camera');
    const sosButtons = cameras.filter((c) => c.kind === 'sos_button');
    if (v.faceHits > 0 && faceCameras.length === 0)
      throw new DemoMonthError('--face-hits', 'needs_cameras', 'face hits need a connected camera');
    if (v.sosCalls > 0 && sosButtons.length === 0)
      throw new DemoMonthError('--sos-calls', 'needs_buttons', 'calls need a connected SOS button');
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
    const alerts: unknown[][] = [];
    const decisions: unknown[][] = [];
    const steps: unknown[][] = [];
    const units = ['ПА-12', 'ПА-14', 'ПА-21', 'ПА-7', 'ПА-3', 'ДПС-5'];
    const seconds = (lo: number, hi: number) => Math.round(lo + random() * (hi - lo));
    const newAlert = (
      n: number,
      kind: 'watchlist_hit' | 'alarm',
      confirmed: boolean,
      outcome?: string,
    ) => {
      const camera = pick(kind === 'alarm' ? sosButtons : faceCameras);
      const id = uuidOf(`${salt}:alert:${kind}:${n}`);
      const captured = new Date(from.getTime() + Math.floor(random() * (span - 3 * 3_600_000)));
      const decided = new Date(captured.getTime() + seconds(20, 150) * 1000);
      const face = kind === 'watchlist_hit';
      const person = face
        ? uuidOf(confirmed ? `${salt}:wanted:${n}` : `${salt}:listed:${Math.floor(random() * 500)}`)
        : null;
      alerts.push([
        id,
        kind,
        confirmed ? 'confirmed' : 'rejected',
        face ? 10 : 20,
        camera.centre_id,
        camera.district_id,
        camera.id,
        uuidOf(`${salt}:event:${kind}:${n}`),
        person,
        face ? uuidOf(`${v.seed}:watchlist`) : null,
        face
          ? Number((confirmed ? 0.55 + random() * 0.35 : 0.41 + random() * 0.1).toFixed(3))
          : null,
        face ? 0.4 : null,
        face ? null : 'SOS',
        captured.toISOString(),
        'demo.operator',
        decided.toISOString(),
      ]);
      decisions.push([
        uuidOf(`${salt}:decision:${id}`),
        id,
        confirmed ? 'confirm' : 'reject',
        confirmed ? null : 'not the person',
        decided.toISOString(),
      ]);
      if (!confirmed) return;
      const dispatched = new Date(decided.getTime() + seconds(20, 120) * 1000);
      const arrived = new Date(dispatched.getTime() + seconds(240, 780) * 1000);
      const closed = new Date(arrived.getTime() + seconds(300, 1800) * 1000);
      for (const [step, when, unit, result] of [
        ['dispatch', dispatched, pick(units), null],
        ['arrival', arrived, null, null],
        ['outcome', closed, null, outcome ?? 'other'],
      ] as const)
        steps.push([uuidOf(`${salt}:${id}:${step}`), id, step, unit, result, when.toISOString()]);
    };
    for (let n = 0; n < v.faceHits; n++) {
      const confirmed = n < v.wantedIdentified;
      newAlert(n, 'watchlist_hit', confirmed, n < v.wantedBroughtIn ? 'detained' : 'not_found');
    }
    for (let n = 0; n < v.sosCalls; n++) newAlert(n, 'alarm', true, 'other');
    const insert = async (sql: string, rows: unknown[][], columns: number) => {
      for (let i = 0; i < rows.length; i += 5_000) {
        const batch = rows.slice(i, i + 5_000);
        await m.query(
          sql,
          Array.from({ length: columns }, (_, c) => batch.map((row) => row[c])),
        );
      }
    };
    await insert(
      `INSERT INTO alert (id, kind, state, priority, centre_id, district_id, camera_id, event_id,
         person_id, watchlist_id, similarity, threshold, message, captured_at, last_seen_at,
         decided_by, decided_at)
       SELECT id, kind, state, priority, centre_id, district_id, camera_id, event_id, person_id,
              watchlist_id, similarity, threshold, message, captured_at, captured_at, decided_by, decided_at
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[],
           $8::uuid[], $9::uuid[], $10::uuid[], $11::real[], $12::real[], $13::text[],
           $14::timestamptz[], $15::text[], $16::timestamptz[])
           AS t(id, kind, state, priority, centre_id, district_id, camera_id, event_id, person_id,
                watchlist_id, similarity, threshold, message, captured_at, decided_by, decided_at)`,
      alerts,
      16,
    );
    await insert(
      `INSERT INTO alert_decision (id, alert_id, action, reason, user_id, username, decided_at)
       SELECT id, alert_id, action, reason, 'demo', 'demo.operator', decided_at
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::timestamptz[])
           AS t(id, alert_id, action, reason, decided_at)`,
      decisions,
      5,
    );
    await insert(
      `INSERT INTO alert_outcome_entry (id, alert_id, step, unit_text, outcome, occurred_at, user_id, username)
       SELECT id, alert_id, step, unit_text, outcome, occurred_at, 'demo', 'demo.operator'
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])
           AS t(id, alert_id, step, unit_text, outcome, occurred_at)`,
      steps,
      6,
    );
    return {
      month: v.month,
      seed: v.seed,
      appended: held > 0,
      districts: districts.length,
      cameras_added: addCameras.reduce((s, x) => s + x, 0),
      sos_buttons_added: addSos.reduce((s, x) => s + x, 0),
      violations: v.violations,
      plate_reads: v.plateReads,
      face_hits: v.faceHits,
      sos_calls: v.sosCalls,
    };
  });
}

import { DataSource } from 'typeorm';
import { MonthlyReport, ReportFigures } from './report.schemas';

/** All of Kazakhstan has been UTC+5 since March 2024 (Asia/Almaty, Asia/Aqtau): a month is
 * counted from midnight there. */
export const REPORT_TIME_ZONE = 'Asia/Almaty';
const UTC_OFFSET_MS = 5 * 60 * 60 * 1000;

export function monthPeriod(month: string): { from: Date; to: Date } {
  const [year, m] = month.split('-').map(Number) as [number, number];
  return {
    from: new Date(Date.UTC(year, m - 1, 1) - UTC_OFFSET_MS),
    to: new Date(Date.UTC(year, m, 1) - UTC_OFFSET_MS),
  };
}

type Params = Array<string | string[] | null>;
interface Query {
  readonly name: string;
  readonly figures: readonly (keyof ReportFigures)[];
  readonly sql: string;
}

// $1, $2: the period [from, to); $3: the centres (null: every centre and unrouted alerts)
const CAMERAS: Query = {
  name: 'cameras',
  figures: ['cameras_installed', 'cameras_connected', 'sos_buttons'],
  sql: `SELECT d.id AS district_id, d.name AS district_name, d.centre_id,
  GREATEST(COALESCE(d.cameras_total, 0),
           count(c.id) FILTER (WHERE c.status = 'active' AND c.kind = 'camera'))::int
    AS cameras_installed,
  (count(c.id) FILTER (WHERE c.status = 'active' AND c.kind = 'camera' AND c.connected))::int
    AS cameras_connected,
  (count(c.id) FILTER (WHERE c.status = 'active' AND c.kind = 'sos_button'))::int AS sos_buttons
FROM district d LEFT JOIN camera c ON c.district_id = d.id
WHERE $1::timestamptz IS NOT NULL AND $2::timestamptz IS NOT NULL
  AND ($3::text[] IS NULL OR d.centre_id = ANY($3))
GROUP BY d.id ORDER BY d.id`,
};

const VIOLATIONS: Query = {
  name: 'violations',
  figures: ['violations'],
  sql: `SELECT GROUPING(v.district_id) AS whole, v.district_id, count(*)::int AS violations
FROM violation_record v
WHERE v.captured_at >= $1 AND v.captured_at < $2
  AND ($3::text[] IS NULL OR v.centre_id = ANY($3))
GROUP BY GROUPING SETS ((v.district_id), ())`,
};

/** The current entry of each step is its latest (corrections are newer entries). */
const ALERTS: Query = {
  name: 'alerts',
  figures: [
    'alerts_confirmed',
    'response_median_s',
    'response_p90_s',
    'responses_measured',
    'outcomes',
    'wanted_persons_identified',
    'wanted_persons_brought_in',
    'vehicles_found',
    'false_alerts',
    'sos_calls',
  ],
  sql: `WITH scoped AS (
  SELECT a.id, a.kind, a.state, a.district_id, a.person_id, a.message, a.decided_at
  FROM alert a
  WHERE a.captured_at >= $1 AND a.captured_at < $2
    AND ($3::text[] IS NULL OR a.centre_id = ANY($3))
    -- a silent camera is the centre's own equipment, not an alert the public is counted by
    AND a.kind <> 'camera_offline'
), cur AS (
  SELECT DISTINCT ON (e.alert_id, e.step) e.alert_id, e.step, e.outcome, e.occurred_at
  FROM alert_outcome_entry e JOIN scoped s ON s.id = e.alert_id
  ORDER BY e.alert_id, e.step, e.recorded_at DESC, e.id DESC
), x AS (
  SELECT s.*, o.outcome, extract(epoch FROM ar.occurred_at - s.decided_at) AS response_s
  FROM scoped s
  LEFT JOIN cur o ON o.alert_id = s.id AND o.step = 'outcome'
  LEFT JOIN cur ar ON ar.alert_id = s.id AND ar.step = 'arrival'
)
SELECT GROUPING(district_id) AS whole, district_id,
  (count(*) FILTER (WHERE state = 'confirmed'))::int AS alerts_confirmed,
  round(percentile_cont(0.5) WITHIN GROUP (ORDER BY response_s)
        FILTER (WHERE state = 'confirmed' AND response_s IS NOT NULL))::int AS response_median_s,
  round(percentile_cont(0.9) WITHIN GROUP (ORDER BY response_s)
        FILTER (WHERE state = 'confirmed' AND response_s IS NOT NULL))::int AS response_p90_s,
  (count(*) FILTER (WHERE state = 'confirmed' AND response_s IS NOT NULL))::int AS responses_measured,
  (count(*) FILTER (WHERE state = 'confirmed' AND outcome = 'detained'))::int AS detained,
  (count(*) FILTER (WHERE state = 'confirmed' AND outcome = 'not_found'))::int AS not_found,
  (count(*) FILTER (WHERE state = 'confirmed' AND outcome = 'not_the_subject'))::int AS not_the_subject,
  (count(*) FILTER (WHERE state = 'confirmed' AND outcome = 'other'))::int AS other,
  (count(*) FILTER (WHERE state = 'confirmed' AND outcome IS NULL))::int AS none,
  (count(DISTINCT person_id) FILTER (WHERE kind = 'watchlist_hit' AND state = 'confirmed'))::int
    AS wanted_persons_identified,
  (count(DISTINCT person_id) FILTER (WHERE kind = 'watchlist_hit' AND state = 'confirmed'
    AND outcome = 'detained'))::int AS wanted_persons_brought_in,
  (count(DISTINCT message) FILTER (WHERE kind = 'vehicle_hit' AND state = 'confirmed'
    AND outcome = 'detained'))::int AS vehicles_found,
  (count(*) FILTER (WHERE state = 'rejected'
    OR (state = 'confirmed' AND outcome = 'not_the_subject')))::int AS false_alerts,
  (count(*) FILTER (WHERE kind = 'alarm'))::int AS sos_calls
FROM x GROUP BY GROUPING SETS ((district_id), ())`,
};

const EMPTY: ReportFigures = {
  cameras_installed: 0,
  cameras_connected: 0,
  sos_buttons: 0,
  violations: 0,
  alerts_confirmed: 0,
  response_median_s: null,
  response_p90_s: null,
  responses_measured: 0,
  outcomes: { detained: 0, not_found: 0, not_the_subject: 0, other: 0, none: 0 },
  wanted_persons_identified: 0,
  wanted_persons_brought_in: 0,
  vehicles_found: 0,
  false_alerts: 0,
  sos_calls: 0,
};

interface AlertRow {
  whole: number;
  district_id: string | null;
  alerts_confirmed: number;
  response_median_s: number | null;
  response_p90_s: number | null;
  responses_measured: number;
  detained: number;
  not_found: number;
  not_the_subject: number;
  other: number;
  none: number;
  wanted_persons_identified: number;
  wanted_persons_brought_in: number;
  vehicles_found: number;
  false_alerts: number;
  sos_calls: number;
}

function alertFigures(row: AlertRow | undefined): Partial<ReportFigures> {
  if (!row) return {};
  return {
    alerts_confirmed: row.alerts_confirmed,
    response_median_s: row.response_median_s,
    response_p90_s: row.response_p90_s,
    responses_measured: row.responses_measured,
    outcomes: {
      detained: row.detained,
      not_found: row.not_found,
      not_the_subject: row.not_the_subject,
      other: row.other,
      none: row.none,
    },
    wanted_persons_identified: row.wanted_persons_identified,
    wanted_persons_brought_in: row.wanted_persons_brought_in,
    vehicles_found: row.vehicles_found,
    false_alerts: row.false_alerts,
    sos_calls: row.sos_calls,
  };
}

/** The monthly figures per district and for the region, and the SQL of each: no access check
 * (the API checks the caller's centres; the CLI is run by the database's owner). `centres`: the
 * centres and district centres to count, null for the whole region. */
export async function computeMonthlyReport(
  dataSource: DataSource,
  month: string,
  centres: string[] | null,
  centreId: string | null,
): Promise<MonthlyReport> {
  const { from, to } = monthPeriod(month);
  const params: Params = [from.toISOString(), to.toISOString(), centres];
  const [cameras, violations, alerts] = (await Promise.all(
    [CAMERAS, VIOLATIONS, ALERTS].map((q) => dataSource.query(q.sql, params)),
  )) as [
    Array<{
      district_id: string;
      district_name: string;
      centre_id: string;
      cameras_installed: number;
      cameras_connected: number;
      sos_buttons: number;
    }>,
    Array<{ whole: number; district_id: string | null; violations: number }>,
    AlertRow[],
  ];
  const violationsOf = (id: string | null, whole: boolean) =>
    violations.find((v) => Boolean(Number(v.whole)) === whole && (whole || v.district_id === id))
      ?.violations ?? 0;
  const alertsOf = (id: string | null, whole: boolean) =>
    alerts.find((a) => Boolean(Number(a.whole)) === whole && (whole || a.district_id === id));
  const districts = cameras.map((d) => ({
    district_id: d.district_id,
    district_name: d.district_name,
    centre_id: d.centre_id,
    figures: {
      ...EMPTY,
      cameras_installed: d.cameras_installed,
      cameras_connected: d.cameras_connected,
      sos_buttons: d.sos_buttons,
      violations: violationsOf(d.district_id, false),
      ...alertFigures(alertsOf(d.district_id, false)),
    },
  }));
  const region: ReportFigures = {
    ...EMPTY,
    cameras_installed: cameras.reduce((sum, d) => sum + d.cameras_installed, 0),
    cameras_connected: cameras.reduce((sum, d) => sum + d.cameras_connected, 0),
    sos_buttons: cameras.reduce((sum, d) => sum + d.sos_buttons, 0),
    violations: violationsOf(null, true),
    ...alertFigures(alertsOf(null, true)),
  };
  return {
    month,
    centre_id: centreId,
    time_zone: REPORT_TIME_ZONE,
    period_from: from.toISOString(),
    period_to: to.toISOString(),
    generated_at: new Date().toISOString(),
    region,
    districts,
    queries: [CAMERAS, VIOLATIONS, ALERTS].map((q) => ({
      name: q.name,
      figures: [...q.figures],
      sql: q.sql,
      params,
    })),
  };
}

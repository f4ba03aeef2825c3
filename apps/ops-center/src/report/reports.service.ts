import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditLogService } from '@kuzet/audit-log';
import { centreScopeOf, StaffPrincipal } from '@kuzet/auth';
import { decodeCursor, encodeCursor, Page } from '@kuzet/http';
import { CameraRegistryService } from '@kuzet/registry';
import {
  computeMonthlyReport,
  monthPeriod,
  MonthlyReport,
  MonthlyReportHtmlQuery,
  MonthlyReportQuery,
  renderMonthlyReportHtml,
  ResponseTimesQuery,
  ResponseTimeView,
} from '@kuzet/reporting';

const RESPONSE_TIMES_SQL = `WITH cur AS (
  SELECT DISTINCT ON (e.alert_id, e.step) e.alert_id, e.step, e.outcome, e.occurred_at
  FROM alert_outcome_entry e JOIN alert a ON a.id = e.alert_id
  WHERE a.captured_at >= $1 AND a.captured_at < $2
  ORDER BY e.alert_id, e.step, e.recorded_at DESC, e.id DESC
)
SELECT a.id AS alert_id, a.kind, a.centre_id, a.district_id, a.decided_at AS confirmed_at,
  d.occurred_at AS dispatched_at, ar.occurred_at AS arrived_at, o.outcome
FROM alert a
LEFT JOIN cur d ON d.alert_id = a.id AND d.step = 'dispatch'
LEFT JOIN cur ar ON ar.alert_id = a.id AND ar.step = 'arrival'
LEFT JOIN cur o ON o.alert_id = a.id AND o.step = 'outcome'
WHERE a.state = 'confirmed' AND a.captured_at >= $1 AND a.captured_at < $2
  AND ($3::text[] IS NULL OR a.centre_id = ANY($3))
  AND ($4::timestamptz IS NULL OR (a.decided_at, a.id) > ($4::timestamptz, $5::uuid))
ORDER BY a.decided_at, a.id LIMIT $6`;

const seconds = (from: Date | null, to: Date | null) =>
  from && to ? Math.round((to.getTime() - from.getTime()) / 1000) : null;

/** The monthly regional report (issue 20) and the response times behind it. Each figure
 * comes from one of three queries, listed with the report. */
@Injectable()
export class ReportsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly registry: CameraRegistryService,
    private readonly audit: AuditLogService,
  ) {}

  /** null: the whole region (an auditor granted ALL_CENTRES); else the centres and the district
   * centres below (a regional auditor's too). */
  async centresFor(user: StaffPrincipal, centreId: string | undefined): Promise<string[] | null> {
    const parents = await this.registry.centreParents();
    const regionWide = centreScopeOf(user).allCentres;
    if (centreId !== undefined) {
      const visible =
        regionWide ||
        user.centreIds.includes(centreId) ||
        user.centreIds.includes(parents.get(centreId) ?? '');
      if (!parents.has(centreId) || !visible)
        throw new NotFoundException(`centre ${centreId} does not exist`);
    }
    const roots = centreId !== undefined ? [centreId] : regionWide ? null : user.centreIds;
    if (roots === null) return null;
    const below = [...parents].filter(([, p]) => p !== null && roots.includes(p)).map(([c]) => c);
    return [...new Set([...roots, ...below])].sort();
  }

  async monthly(user: StaffPrincipal, query: MonthlyReportQuery): Promise<MonthlyReport> {
    const centres = await this.centresFor(user, query.centre_id);
    const report = await computeMonthlyReport(
      this.dataSource,
      query.month,
      centres,
      query.centre_id ?? null,
    );
    await this.audit.append({
      actor: user.username,
      action: 'report.monthly-viewed',
      subjectType: 'report',
      subjectId: query.month,
      details: { userId: user.userId, centreId: query.centre_id ?? null },
    });
    return report;
  }

  async monthlyHtml(user: StaffPrincipal, query: MonthlyReportHtmlQuery): Promise<string> {
    return renderMonthlyReportHtml(await this.monthly(user, query), query.lang);
  }

  async responseTimes(
    user: StaffPrincipal,
    query: ResponseTimesQuery,
  ): Promise<Page<ResponseTimeView>> {
    const centres = await this.centresFor(user, query.centre_id);
    const { from, to } = monthPeriod(query.month);
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, 2);
    const rows: Array<{
      alert_id: string;
      kind: ResponseTimeView['kind'];
      centre_id: string | null;
      district_id: string | null;
      confirmed_at: Date;
      dispatched_at: Date | null;
      arrived_at: Date | null;
      outcome: ResponseTimeView['outcome'];
    }> = await this.dataSource.query(RESPONSE_TIMES_SQL, [
      from,
      to,
      centres,
      after ? String(after[0]) : null,
      after ? String(after[1]) : null,
      query.limit + 1,
    ]);
    await this.audit.append({
      actor: user.username,
      action: 'report.response-times-viewed',
      subjectType: 'report',
      subjectId: query.month,
      details: { userId: user.userId, centreId: query.centre_id ?? null },
    });
    const items = rows.slice(0, query.limit).map((r): ResponseTimeView => ({
      alert_id: r.alert_id,
      kind: r.kind,
      centre_id: r.centre_id,
      district_id: r.district_id,
      confirmed_at: r.confirmed_at.toISOString(),
      dispatched_at: r.dispatched_at?.toISOString() ?? null,
      arrived_at: r.arrived_at?.toISOString() ?? null,
      confirm_to_dispatch_s: seconds(r.confirmed_at, r.dispatched_at),
      dispatch_to_arrival_s: seconds(r.dispatched_at, r.arrived_at),
      confirm_to_arrival_s: seconds(r.confirmed_at, r.arrived_at),
      outcome: r.outcome,
    }));
    const last = items[items.length - 1];
    return {
      items,
      next_cursor:
        rows.length > query.limit && last ? encodeCursor([last.confirmed_at, last.alert_id]) : null,
    };
  }
}

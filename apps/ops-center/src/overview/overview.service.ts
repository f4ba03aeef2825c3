import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditLogService } from '@kuzet/audit-log';
import { StaffPrincipal } from '@kuzet/auth';
import { CentreScopes } from '../scope/centre-scope';
import { Overview, OverviewQuery } from './overview.dto';

/** The centre's zone: days are its days (all of Kazakhstan is UTC+5). */
export const OVERVIEW_TIME_ZONE = 'Asia/Almaty';

const num = (value: string | number | null): number | null =>
  value === null ? null : Math.round(Number(value) * 10) / 10;

/** The supervisor's figures, per centre, district and day, from the alerts and their
 * decisions: hits, confirmed, rejected, time to the first decision and to the verdict (median
 * and p90), SOS; decisions per operator; escalations still waiting. */
@Injectable()
export class OverviewService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly scopes: CentreScopes,
    private readonly audit: AuditLogService,
  ) {}

  async overview(user: StaffPrincipal, query: OverviewQuery): Promise<Overview> {
    const scope = this.scopes.of(user);
    // the window as instants: from the first day's midnight to the midnight after the last
    const params = [
      query.from,
      query.to,
      OVERVIEW_TIME_ZONE,
      scope.centreIds,
      scope.includeUnrouted,
    ];
    const inScope = `(a.centre_id = ANY($4::text[]) OR a.parent_centre_id = ANY($4::text[])
      OR ($5::boolean AND a.centre_id IS NULL))`;
    // camera offline alerts are the equipment's, not hits: counted on the camera health screen
    const window = `a.captured_at >= ($1::date)::timestamp AT TIME ZONE $3
      AND a.captured_at < ($2::date + 1)::timestamp AT TIME ZONE $3 AND a.kind <> 'camera_offline'`;
    const [rows, operators, escalations] = await Promise.all([
      this.dataSource.query<
        {
          day: string;
          centre_id: string | null;
          district_id: string | null;
          district_name: string | null;
          hits: string;
          confirmed: string;
          rejected: string;
          sos: string;
          ack_p50: number | null;
          ack_p90: number | null;
          decide_p50: number | null;
          decide_p90: number | null;
        }[]
      >(
        `WITH timed AS (
           SELECT a.id, a.centre_id, a.district_id, a.kind, a.state, a.created_at,
             to_char((a.captured_at AT TIME ZONE $3)::date, 'YYYY-MM-DD') AS day,
             (SELECT min(d.decided_at) FROM alert_decision d
               WHERE d.alert_id = a.id AND d.user_id <> 'system') AS touched_at,
             (SELECT min(d.decided_at) FROM alert_decision d
               WHERE d.alert_id = a.id AND d.action IN ('confirm', 'reject')) AS decided_at
           FROM alert a WHERE ${window} AND ${inScope})
         SELECT t.day, t.centre_id, t.district_id, dist.name AS district_name,
           count(*) AS hits,
           count(*) FILTER (WHERE t.state = 'confirmed') AS confirmed,
           count(*) FILTER (WHERE t.state = 'rejected') AS rejected,
           count(*) FILTER (WHERE t.kind = 'alarm') AS sos,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM t.touched_at - t.created_at)) AS ack_p50,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM t.touched_at - t.created_at)) AS ack_p90,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM t.decided_at - t.created_at)) AS decide_p50,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM t.decided_at - t.created_at)) AS decide_p90
         FROM timed t LEFT JOIN district dist ON dist.id = t.district_id
         GROUP BY t.day, t.centre_id, t.district_id, dist.name
         ORDER BY t.day DESC, t.centre_id NULLS LAST, t.district_id NULLS LAST`,
        params,
      ),
      this.dataSource.query<
        { day: string; username: string; decisions: string; confirmed: string; rejected: string }[]
      >(
        `SELECT to_char((d.decided_at AT TIME ZONE $3)::date, 'YYYY-MM-DD') AS day, d.username,
           count(*) AS decisions,
           count(*) FILTER (WHERE d.action = 'confirm') AS confirmed,
           count(*) FILTER (WHERE d.action = 'reject') AS rejected
         FROM alert_decision d JOIN alert a ON a.id = d.alert_id
         WHERE d.user_id <> 'system'
           AND d.decided_at >= ($1::date)::timestamp AT TIME ZONE $3
           AND d.decided_at < ($2::date + 1)::timestamp AT TIME ZONE $3
           AND ${inScope}
         GROUP BY 1, 2 ORDER BY 1 DESC, 3 DESC, 2`,
        params,
      ),
      this.dataSource.query<
        {
          id: string;
          kind: 'watchlist_hit' | 'alarm' | 'vehicle_hit' | 'analytics';
          centre_id: string | null;
          camera_id: string;
          camera_name: string | null;
          decided_at: Date | null;
          updated_at: Date;
          decided_by: string | null;
        }[]
      >(
        `SELECT a.id, a.kind, a.centre_id, a.camera_id, c.name AS camera_name, a.decided_at,
           a.updated_at, a.decided_by
         FROM alert a LEFT JOIN camera c ON c.id = a.camera_id
         WHERE a.state = 'escalated' AND ${inScope.replaceAll('$4', '$1').replaceAll('$5', '$2')}
         ORDER BY coalesce(a.decided_at, a.updated_at) ASC LIMIT 100`,
        [scope.centreIds, scope.includeUnrouted],
      ),
    ]);
    // who decided how much is about named staff: the read is on the audit log
    await this.audit.append({
      actor: user.username,
      action: 'ops.overview-viewed',
      subjectType: 'ops-overview',
      subjectId: `${query.from}/${query.to}`,
      details: { userId: user.userId, operators: operators.length },
    });
    return {
      from: query.from,
      to: query.to,
      time_zone: OVERVIEW_TIME_ZONE,
      rows: rows.map((r) => {
        const confirmed = Number(r.confirmed);
        const rejected = Number(r.rejected);
        return {
          day: r.day,
          centre_id: r.centre_id,
          district_id: r.district_id,
          district_name: r.district_name,
          hits: Number(r.hits),
          confirmed,
          rejected,
          false_alert_rate:
            confirmed + rejected === 0
              ? null
              : Math.round((rejected / (confirmed + rejected)) * 1000) / 1000,
          sos: Number(r.sos),
          acknowledge_p50_s: num(r.ack_p50),
          acknowledge_p90_s: num(r.ack_p90),
          decide_p50_s: num(r.decide_p50),
          decide_p90_s: num(r.decide_p90),
        };
      }),
      operators: operators.map((o) => ({
        day: o.day,
        username: o.username,
        decisions: Number(o.decisions),
        confirmed: Number(o.confirmed),
        rejected: Number(o.rejected),
      })),
      escalations: escalations.map((e) => ({
        alert_id: e.id,
        kind: e.kind,
        centre_id: e.centre_id,
        camera_id: e.camera_id,
        camera_name: e.camera_name,
        escalated_at: (e.decided_at ?? e.updated_at).toISOString(),
        escalated_by: e.decided_by,
      })),
    };
  }
}

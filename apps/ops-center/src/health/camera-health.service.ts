import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AuditLogService } from '@kuzet/audit-log';
import { KUZET_CONFIG, KuzetConfig } from '@kuzet/config';
import { StaffPrincipal } from '@kuzet/auth';
import { decodeCursor, encodeCursor, Page } from '@kuzet/http';
import { counter, gauge } from '@kuzet/observability';
import { scheduleEvery } from '@kuzet/platform';
import { CentreScopes } from '../scope/centre-scope';
import { CameraHealthQuery, DistrictHealth, OfflineCamera } from './camera-health.dto';

const cameras = gauge({
  name: 'kuzet_cameras',
  help: 'Active connected cameras per centre by liveness (online, offline, never_seen)',
  labelNames: ['centre', 'state'] as const,
});
const offlineAlerts = counter({
  name: 'kuzet_camera_offline_alerts_total',
  help: 'Camera offline alerts raised (raised) and cleared when the camera was back (cleared), per centre',
  labelNames: ['centre', 'event'] as const,
});

/** Below SOS alarms and the people-at-risk analytics, above dumping: a blind spot, not a crime. */
export const CAMERA_OFFLINE_PRIORITY = 45;
export const CAMERA_HEALTH_ACTOR = 'camera-health';
/** Cameras raised or cleared per pass; the next pass takes the rest. */
const BATCH = 500;

/** $1 now, $2 the SOS buttons' interval (ms, or null), $3 the global one: the time before which
 * camera c's last sign of life makes it offline (its own interval, its kind's, the global). */
const SILENT_BEFORE = `($1::timestamptz - COALESCE(c.silent_after_seconds * 1000::bigint,
       CASE WHEN c.kind = 'sos_button' THEN $2::bigint END, $3::bigint) * interval '1 millisecond')`;
const COUNTS = `count(*) FILTER (WHERE c.last_seen_at >= ${SILENT_BEFORE})::int AS online,
       count(*) FILTER (WHERE c.last_seen_at < ${SILENT_BEFORE})::int AS offline,
       count(*) FILTER (WHERE c.last_seen_at IS NULL)::int AS never_seen`;
/** Badges are carried, not mounted: off with their officer, and not counted among the cameras. */
const WATCHED = `c.status = 'active' AND c.connected AND c.kind <> 'badge'`;

class NotClaimed extends Error {}

/** Camera liveness from `camera.last_seen_at` (every accepted event and device heartbeat moves
 * it): an active connected camera silent beyond its interval (its own `silent_after_seconds`,
 * SOS_BUTTON_SILENT_AFTER_MS for SOS buttons, else CAMERA_SILENT_AFTER_MS) is offline, and
 * online again with its next event. Every CAMERA_HEALTH_INTERVAL_MS each instance raises a
 * `camera_offline` alert to the centre of each newly silent camera (the one open outage row a
 * camera may have is the claim: one alert per outage whichever instances run), resolves the
 * alerts of cameras that are back, and refreshes the gauge per centre. Counts per district and
 * the offline cameras for the console. */
@Injectable()
export class CameraHealthService implements OnApplicationBootstrap {
  private readonly logger = new Logger(CameraHealthService.name);
  private running = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly scopes: CentreScopes,
    private readonly audit: AuditLogService,
    @Inject(KUZET_CONFIG) private readonly config: Readonly<KuzetConfig>,
    private readonly scheduler: SchedulerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    const every = this.config.CAMERA_HEALTH_INTERVAL_MS;
    if (every > 0) scheduleEvery(this.scheduler, 'camera-health', every, () => this.tick());
  }

  /** One pass: clear, raise, gauge. Never two at once in one instance. */
  async tick(now: Date = new Date()): Promise<{ raised: number; cleared: number }> {
    if (this.running) return { raised: 0, cleared: 0 };
    this.running = true;
    try {
      const cleared = await this.clearReturned(now);
      const raised = await this.raiseSilent(now);
      await this.refresh(now);
      return { raised, cleared };
    } catch (error) {
      this.logger.warn({ err: String(error) }, 'camera health pass failed');
      return { raised: 0, cleared: 0 };
    } finally {
      this.running = false;
    }
  }

  /** The gauge, for every centre. */
  async refresh(now: Date = new Date()): Promise<void> {
    const rows = await this.dataSource.query<
      { centre_id: string; online: number; offline: number; never_seen: number }[]
    >(
      `SELECT c.centre_id, ${COUNTS} FROM camera c WHERE ${WATCHED} GROUP BY c.centre_id`,
      this.intervals(now),
    );
    for (const r of rows) {
      cameras.set({ centre: r.centre_id, state: 'online' }, r.online);
      cameras.set({ centre: r.centre_id, state: 'offline' }, r.offline);
      cameras.set({ centre: r.centre_id, state: 'never_seen' }, r.never_seen);
    }
  }

  /** A `camera_offline` alert for each camera silent beyond its interval with no open outage.
   * A camera never seen raises nothing: it has not been connected yet. */
  async raiseSilent(now: Date = new Date()): Promise<number> {
    const silent = await this.dataSource.query<
      {
        id: string;
        last_seen_at: Date;
        centre_id: string;
        parent_centre_id: string | null;
        district_id: string;
      }[]
    >(
      `SELECT c.id, c.last_seen_at, c.centre_id, o.parent_centre_id, c.district_id
         FROM camera c JOIN operations_centre o ON o.id = c.centre_id
        WHERE ${WATCHED} AND c.last_seen_at < ${SILENT_BEFORE}
          AND NOT EXISTS (SELECT 1 FROM camera_outage x WHERE x.camera_id = c.id AND x.cleared_at IS NULL)
        ORDER BY c.last_seen_at LIMIT ${BATCH}`,
      this.intervals(now),
    );
    let raised = 0;
    for (const camera of silent) {
      const alertId = randomUUID();
      try {
        await this.dataSource.transaction(async (manager) => {
          await manager.query(
            `INSERT INTO alert (id, kind, state, priority, centre_id, parent_centre_id, district_id,
               camera_id, event_id, sighting_count, captured_at, last_seen_at)
             VALUES ($1, 'camera_offline', 'new', $2, $3, $4, $5, $6, $1, 1, $7, $8)`,
            [
              alertId,
              CAMERA_OFFLINE_PRIORITY,
              camera.centre_id,
              camera.parent_centre_id,
              camera.district_id,
              camera.id,
              now,
              camera.last_seen_at,
            ],
          );
          // the claim: taken only while the camera is still as silent as it was read, and only
          // by one instance (the second waits on the open-outage index, then takes nothing)
          const claimed: unknown[] = await manager.query(
            `INSERT INTO camera_outage (alert_id, camera_id, silent_since, raised_at)
             SELECT $1, c.id, c.last_seen_at, $3 FROM camera c
              WHERE c.id = $2 AND date_trunc('milliseconds', c.last_seen_at) = $4 AND ${WATCHED}
             ON CONFLICT (camera_id) WHERE cleared_at IS NULL DO NOTHING
             RETURNING alert_id`,
            [alertId, camera.id, now, camera.last_seen_at],
          );
          if (claimed.length === 0) throw new NotClaimed();
          await this.audit.append(
            {
              actor: CAMERA_HEALTH_ACTOR,
              action: 'camera.offline-raised',
              subjectType: 'camera',
              subjectId: camera.id,
              details: {
                alertId,
                centreId: camera.centre_id,
                silentSince: camera.last_seen_at.toISOString(),
              },
            },
            manager,
          );
        });
        raised += 1;
        offlineAlerts.inc({ centre: camera.centre_id, event: 'raised' });
      } catch (error) {
        if (!(error instanceof NotClaimed)) throw error;
      }
    }
    if (raised > 0) this.logger.warn({ raised }, 'camera offline alerts raised');
    return raised;
  }

  /** Each open outage whose camera was seen again (or retired, or disconnected) is closed and
   * its alert resolved by kuzet, once: the outage row is taken by the first instance's update. */
  async clearReturned(now: Date = new Date()): Promise<number> {
    const open = await this.dataSource.query<{ alert_id: string }[]>(
      `SELECT x.alert_id FROM camera_outage x JOIN camera c ON c.id = x.camera_id
        WHERE x.cleared_at IS NULL
          AND (c.last_seen_at > x.silent_since OR NOT (${WATCHED}))
        ORDER BY x.raised_at LIMIT ${BATCH}`,
    );
    let cleared = 0;
    for (const { alert_id } of open) {
      const done = await this.dataSource.transaction(async (manager) => {
        // TypeORM answers an UPDATE ... RETURNING as [rows, count]
        const [rows] = await manager.query<
          [
            {
              camera_id: string;
              silent_since: Date;
              seen_again_at: Date;
              centre_id: string;
              back: boolean;
            }[],
            number,
          ]
        >(
          `UPDATE camera_outage x SET cleared_at = $2, seen_again_at = COALESCE(c.last_seen_at, x.silent_since)
             FROM camera c
            WHERE x.alert_id = $1 AND x.cleared_at IS NULL AND c.id = x.camera_id
              AND (c.last_seen_at > x.silent_since OR NOT (${WATCHED}))
           RETURNING x.camera_id, x.silent_since, x.seen_again_at, c.centre_id,
                     c.last_seen_at > x.silent_since AS back`,
          [alert_id, now],
        );
        const outage = rows[0];
        if (!outage) return false;
        const reason = outage.back ? 'camera_back_online' : 'camera_not_watched';
        // an alert a person already closed stays as they decided
        await manager.query(
          `UPDATE alert SET state = 'resolved', decided_by = $2, decided_at = $3,
                  decision_reason = $4, updated_at = now()
            WHERE id = $1 AND state IN ('new', 'acknowledged', 'escalated')`,
          [alert_id, CAMERA_HEALTH_ACTOR, now, reason],
        );
        await this.audit.append(
          {
            actor: CAMERA_HEALTH_ACTOR,
            action: 'alert.resolved',
            subjectType: 'alert',
            subjectId: alert_id,
            details: {
              kind: 'camera_offline',
              cameraId: outage.camera_id,
              reason,
              silentSince: outage.silent_since.toISOString(),
              seenAgainAt: outage.seen_again_at.toISOString(),
            },
          },
          manager,
        );
        offlineAlerts.inc({ centre: outage.centre_id, event: 'cleared' });
        return true;
      });
      if (done) cleared += 1;
    }
    return cleared;
  }

  async districts(
    user: StaffPrincipal,
    query: CameraHealthQuery,
    now: Date = new Date(),
  ): Promise<Page<DistrictHealth>> {
    const after = query.cursor === undefined ? '' : String(decodeCursor(query.cursor, 1)[0]);
    const rows = await this.dataSource.query<DistrictHealth[]>(
      `SELECT c.district_id, min(d.name) AS district_name, min(c.centre_id) AS centre_id, ${COUNTS}
         FROM camera c JOIN operations_centre o ON o.id = c.centre_id
         JOIN district d ON d.id = c.district_id
        WHERE ${WATCHED} AND c.district_id > $4
          AND (c.centre_id = ANY($5::text[]) OR o.parent_centre_id = ANY($5::text[]))
        GROUP BY c.district_id ORDER BY c.district_id LIMIT $6`,
      [...this.intervals(now), after, this.scopes.of(user).centreIds, query.limit + 1],
    );
    return page(rows, query.limit, (r) => r.district_id);
  }

  async offline(
    user: StaffPrincipal,
    query: CameraHealthQuery,
    now: Date = new Date(),
  ): Promise<Page<OfflineCamera>> {
    const after = query.cursor === undefined ? '' : String(decodeCursor(query.cursor, 1)[0]);
    const rows = await this.dataSource.query<
      (Omit<OfflineCamera, 'last_seen_at' | 'silent_seconds'> & { last_seen_at: Date })[]
    >(
      `SELECT c.id AS camera_id, c.name AS camera_name, c.district_id, d.name AS district_name,
              c.centre_id, c.last_seen_at
         FROM camera c JOIN operations_centre o ON o.id = c.centre_id
         JOIN district d ON d.id = c.district_id
        WHERE ${WATCHED} AND c.last_seen_at < ${SILENT_BEFORE} AND c.id > $4
          AND (c.centre_id = ANY($5::text[]) OR o.parent_centre_id = ANY($5::text[]))
        ORDER BY c.id LIMIT $6`,
      [...this.intervals(now), after, this.scopes.of(user).centreIds, query.limit + 1],
    );
    return page(
      rows.map((r) => ({
        ...r,
        last_seen_at: r.last_seen_at.toISOString(),
        silent_seconds: Math.floor((now.getTime() - r.last_seen_at.getTime()) / 1000),
      })),
      query.limit,
      (r) => r.camera_id,
    );
  }

  /** $1..$3 of SILENT_BEFORE. */
  private intervals(now: Date): [Date, number | null, number] {
    return [
      now,
      this.config.SOS_BUTTON_SILENT_AFTER_MS ?? null,
      this.config.CAMERA_SILENT_AFTER_MS,
    ];
  }
}

function page<T>(rows: T[], limit: number, key: (row: T) => string): Page<T> {
  const items = rows.slice(0, limit);
  return {
    items,
    next_cursor: rows.length > limit ? encodeCursor([key(items[items.length - 1]!)]) : null,
  };
}

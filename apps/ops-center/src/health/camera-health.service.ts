import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { DataSource } from 'typeorm';
import { KUZET_CONFIG, KuzetConfig } from '@kuzet/config';
import { StaffPrincipal } from '@kuzet/auth';
import { decodeCursor, encodeCursor, Page } from '@kuzet/http';
import { gauge } from '@kuzet/observability';
import { scheduleEvery } from '@kuzet/platform';
import { CentreScopes } from '../scope/centre-scope';
import { CameraHealthQuery, DistrictHealth, OfflineCamera } from './camera-health.dto';

const cameras = gauge({
  name: 'kuzet_cameras',
  help: 'Active cameras per centre by liveness (online, offline, never_seen)',
  labelNames: ['centre', 'state'] as const,
});

/** Camera liveness from `camera.last_seen_at` (every accepted event and device heartbeat moves
 * it): an active camera silent beyond CAMERA_SILENT_AFTER_MS is offline, and online again with
 * its next event. Counts per district for the dashboards, the offline cameras for the console,
 * and a gauge per centre refreshed every CAMERA_HEALTH_INTERVAL_MS. */
@Injectable()
export class CameraHealthService implements OnApplicationBootstrap {
  private readonly logger = new Logger(CameraHealthService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly scopes: CentreScopes,
    @Inject(KUZET_CONFIG) private readonly config: Readonly<KuzetConfig>,
    private readonly scheduler: SchedulerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    const every = this.config.CAMERA_HEALTH_INTERVAL_MS;
    if (every > 0) scheduleEvery(this.scheduler, 'camera-health', every, () => this.refresh());
  }

  /** The gauge, for every centre. */
  async refresh(now: Date = new Date()): Promise<void> {
    try {
      const rows = await this.dataSource.query<
        { centre_id: string; online: number; offline: number; never_seen: number }[]
      >(
        `SELECT c.centre_id, ${COUNTS} FROM camera c WHERE c.status = 'active' GROUP BY c.centre_id`,
        [this.limit(now)],
      );
      for (const r of rows) {
        cameras.set({ centre: r.centre_id, state: 'online' }, r.online);
        cameras.set({ centre: r.centre_id, state: 'offline' }, r.offline);
        cameras.set({ centre: r.centre_id, state: 'never_seen' }, r.never_seen);
      }
    } catch (error) {
      this.logger.warn({ err: String(error) }, 'camera health pass failed');
    }
  }

  async districts(
    user: StaffPrincipal,
    query: CameraHealthQuery,
    now: Date = new Date(),
  ): Promise<Page<DistrictHealth>> {
    const after = query.cursor === undefined ? '' : String(decodeCursor(query.cursor, 1)[0]);
    const rows = await this.dataSource.query<DistrictHealth[]>(
      `SELECT c.district_id, min(c.centre_id) AS centre_id, ${COUNTS}
         FROM camera c JOIN operations_centre o ON o.id = c.centre_id
        WHERE c.status = 'active' AND c.district_id > $2
          AND (c.centre_id = ANY($3::text[]) OR o.parent_centre_id = ANY($3::text[]))
        GROUP BY c.district_id ORDER BY c.district_id LIMIT $4`,
      [this.limit(now), after, this.scopes.of(user).centreIds, query.limit + 1],
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
      { camera_id: string; district_id: string; centre_id: string; last_seen_at: Date }[]
    >(
      `SELECT c.id AS camera_id, c.district_id, c.centre_id, c.last_seen_at
         FROM camera c JOIN operations_centre o ON o.id = c.centre_id
        WHERE c.status = 'active' AND c.last_seen_at < $1 AND c.id > $2
          AND (c.centre_id = ANY($3::text[]) OR o.parent_centre_id = ANY($3::text[]))
        ORDER BY c.id LIMIT $4`,
      [this.limit(now), after, this.scopes.of(user).centreIds, query.limit + 1],
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

  private limit(now: Date): Date {
    return new Date(now.getTime() - this.config.CAMERA_SILENT_AFTER_MS);
  }
}

/** $1: the time before which a camera's last sign of life makes it offline. */
const COUNTS = `count(*) FILTER (WHERE c.last_seen_at >= $1)::int AS online,
       count(*) FILTER (WHERE c.last_seen_at < $1)::int AS offline,
       count(*) FILTER (WHERE c.last_seen_at IS NULL)::int AS never_seen`;

function page<T>(rows: T[], limit: number, key: (row: T) => string): Page<T> {
  const items = rows.slice(0, limit);
  return {
    items,
    next_cursor: rows.length > limit ? encodeCursor([key(items[items.length - 1]!)]) : null,
  };
}

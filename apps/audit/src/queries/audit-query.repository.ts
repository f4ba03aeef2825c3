import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import { EntityManager } from 'typeorm';
import { CentreScope, centreScopeCondition, centreScopeParams } from '@kuzet/registry';
import { HitRecordDto } from './audit-query.schemas';

export interface HitFilter {
  /** The auditor's centres: hits routed (or, without an alert, on cameras) elsewhere are left out. */
  readonly scope: CentreScope;
  readonly from?: Date;
  readonly to?: Date;
  readonly cameraId?: string;
  readonly districtId?: string;
  readonly centreId?: string;
  readonly personId?: string;
  readonly personName?: string;
  readonly watchlistId?: string;
  readonly operator?: string;
  readonly decision?: string;
  readonly minScore?: number;
  readonly maxScore?: number;
}

/** Where the previous page ended: captured_at to the microsecond, then hit_id. */
export interface HitKey {
  readonly capturedAt: string;
  readonly hitId: string;
}

type HitTimes = 'captured_at' | 'matched_at' | 'last_seen_at' | 'decided_at' | 'has_face_crop';

export type HitRow = Omit<HitRecordDto, HitTimes> & {
  readonly captured_at: Date;
  readonly matched_at: Date;
  readonly last_seen_at: Date;
  readonly decided_at: Date | null;
  /** captured_at to the microsecond, for the paging cursor. */
  readonly captured_at_key: string;
  readonly face_crop_ref: string | null;
};

export interface SightingRow {
  readonly event_id: string;
  readonly similarity: number;
  readonly captured_at: Date;
  readonly matched_at: Date;
  readonly face_crop_ref: string | null;
}

export interface IngestedEventRow {
  readonly event_id: string;
  readonly api_key_id: string;
  readonly accepted_at: Date;
  readonly published_at: Date | null;
}

export interface AlertRow {
  readonly centre_id: string | null;
  readonly state: string;
  readonly created_at: Date;
}

export interface DecisionRow {
  readonly action: string;
  readonly username: string;
  readonly user_id: string;
  readonly reason: string | null;
  readonly decided_at: Date;
}

const HIT_COLUMNS = `
  h.hit_id, h.event_id, h.camera_id,
  COALESCE(a.district_id, c.district_id) AS district_id,
  COALESCE(a.centre_id, c.centre_id) AS centre_id,
  h.person_id, p.full_name AS person_name, h.watchlist_id, w.name AS watchlist_name,
  h.similarity, h.threshold, h.model_id, h.captured_at, h.matched_at, h.last_seen_at,
  h.sighting_count, a.state AS alert_state,
  d.action AS last_decision, d.username AS decided_by, d.decided_at, d.reason AS decision_reason,
  h.face_crop_ref,
  to_char(h.captured_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS captured_at_key`;

const HIT_SOURCES = `
  FROM watchlist_hit h
  LEFT JOIN camera c ON c.id = h.camera_id
  LEFT JOIN watchlist_person p ON p.id = h.person_id
  LEFT JOIN watchlist w ON w.id = h.watchlist_id
  LEFT JOIN alert a ON a.id = h.hit_id
  LEFT JOIN operations_centre oc ON oc.id = COALESCE(a.centre_id, c.centre_id)
  LEFT JOIN LATERAL (
    SELECT action, username, decided_at, reason FROM alert_decision
    WHERE alert_id = h.hit_id ORDER BY decided_at DESC LIMIT 1
  ) d ON true`;

/** The WHERE conditions of a hit filter, with their parameters ($1, $2, ...). */
function hitConditions(filter: HitFilter) {
  const params: unknown[] = [];
  const param = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  const [centres, unrouted] = centreScopeParams(filter.scope);
  const where: string[] = [
    centreScopeCondition(
      {
        centre: 'COALESCE(a.centre_id, c.centre_id)',
        parent: 'COALESCE(a.parent_centre_id, oc.parent_centre_id)',
      },
      { centres: param(centres), unrouted: param(unrouted) },
    ),
  ];
  if (filter.from) where.push(`h.captured_at >= ${param(filter.from)}`);
  if (filter.to) where.push(`h.captured_at < ${param(filter.to)}`);
  if (filter.cameraId) where.push(`h.camera_id = ${param(filter.cameraId)}`);
  if (filter.districtId) {
    where.push(`COALESCE(a.district_id, c.district_id) = ${param(filter.districtId)}`);
  }
  if (filter.centreId) {
    where.push(`COALESCE(a.centre_id, c.centre_id) = ${param(filter.centreId)}`);
  }
  if (filter.personId) where.push(`h.person_id = ${param(filter.personId)}`);
  if (filter.personName) {
    const pattern = `%${filter.personName.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    where.push(`p.full_name ILIKE ${param(pattern)}`);
  }
  if (filter.watchlistId) where.push(`h.watchlist_id = ${param(filter.watchlistId)}`);
  if (filter.minScore !== undefined) where.push(`h.similarity >= ${param(filter.minScore)}`);
  if (filter.maxScore !== undefined) where.push(`h.similarity <= ${param(filter.maxScore)}`);
  if (filter.operator || filter.decision) {
    const conditions = ['x.alert_id = h.hit_id'];
    if (filter.operator) conditions.push(`x.username = ${param(filter.operator)}`);
    if (filter.decision) conditions.push(`x.action = ${param(filter.decision)}`);
    where.push(`EXISTS (SELECT 1 FROM alert_decision x WHERE ${conditions.join(' AND ')})`);
  }
  return { where, params, param };
}

/** All SQL of the auditors' queries: hits with their alert and decisions, and what surrounds
 * one hit. The district is the one the alert was routed with, else the camera's current one. */
@Injectable()
export class AuditQueryRepository {
  constructor(@InjectEntityManager() private readonly em: EntityManager) {}

  /** Newest first (captured_at, then hit_id), after the key when given. */
  hits(filter: HitFilter, after: HitKey | null, limit: number): Promise<HitRow[]> {
    const { where, params, param } = hitConditions(filter);
    if (after) {
      where.push(
        `(h.captured_at, h.hit_id) < (${param(after.capturedAt)}::timestamptz, ${param(after.hitId)}::uuid)`,
      );
    }
    return this.em.query<HitRow[]>(
      `SELECT ${HIT_COLUMNS} ${HIT_SOURCES}
       WHERE ${where.join(' AND ')}
       ORDER BY h.captured_at DESC, h.hit_id DESC
       LIMIT ${param(limit)}`,
      params,
    );
  }

  /** How many hits the filter selects, counted no further than `upTo` (an export's cap). */
  async countHits(filter: HitFilter, upTo: number): Promise<number> {
    const { where, params, param } = hitConditions(filter);
    const rows = await this.em.query<{ n: string }[]>(
      `SELECT count(*) AS n FROM (SELECT 1 ${HIT_SOURCES}
       WHERE ${where.join(' AND ')}
       LIMIT ${param(upTo)}) selected`,
      params,
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** One hit, when it is within the scope (null otherwise, as for a hit that does not exist). */
  async hit(hitId: string, scope: CentreScope): Promise<HitRow | null> {
    const { where, params, param } = hitConditions({ scope });
    const rows = await this.em.query<HitRow[]>(
      `SELECT ${HIT_COLUMNS} ${HIT_SOURCES} WHERE ${where.join(' AND ')} AND h.hit_id = ${param(hitId)}`,
      params,
    );
    return rows[0] ?? null;
  }

  sightings(hitId: string): Promise<SightingRow[]> {
    return this.em.query<SightingRow[]>(
      `SELECT event_id, similarity, captured_at, matched_at, face_crop_ref
       FROM match_log WHERE hit_id = $1 ORDER BY captured_at, event_id`,
      [hitId],
    );
  }

  ingestedEvents(eventIds: readonly string[]): Promise<IngestedEventRow[]> {
    return this.em.query<IngestedEventRow[]>(
      `SELECT event_id, api_key_id, accepted_at, published_at
       FROM ingested_event WHERE event_id = ANY($1::uuid[])`,
      [eventIds],
    );
  }

  async alert(hitId: string): Promise<AlertRow | null> {
    const rows = await this.em.query<AlertRow[]>(
      'SELECT centre_id, state, created_at FROM alert WHERE id = $1',
      [hitId],
    );
    return rows[0] ?? null;
  }

  /** Every watchlist by name (archived ones too: old hits point at them), for the auditor's
   * filter: only ids and names. */
  watchlists(
    after: readonly [name: string, id: string] | undefined,
    limit: number,
  ): Promise<{ id: string; name: string }[]> {
    return this.em.query(
      `SELECT id, name FROM watchlist
       ${after === undefined ? '' : 'WHERE (name, id::text) > ($2, $3)'}
       ORDER BY name, id::text LIMIT $1`,
      after === undefined ? [limit] : [limit, after[0], after[1]],
    );
  }

  /** Every centre and its main centre (null for a main centre). */
  async centreParents(): Promise<Map<string, string | null>> {
    const rows = await this.em.query<{ id: string; parent_centre_id: string | null }[]>(
      'SELECT id, parent_centre_id FROM operations_centre',
    );
    return new Map(rows.map((r) => [r.id, r.parent_centre_id]));
  }

  decisions(hitId: string): Promise<DecisionRow[]> {
    return this.em.query<DecisionRow[]>(
      `SELECT action, username, user_id, reason, decided_at
       FROM alert_decision WHERE alert_id = $1 ORDER BY decided_at, id`,
      [hitId],
    );
  }
}

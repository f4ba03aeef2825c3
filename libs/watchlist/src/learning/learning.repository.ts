import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { CentreScope, centreScopeCondition, centreScopeParams } from '@kuzet/registry';
import { DecidedHit } from './threshold-evidence';
import { DEFAULT_SUPPRESSION_POLICY, SuppressionPolicy } from './suppression';

export interface NegativeRow {
  readonly id: string;
  readonly personId: string;
  readonly watchlistId: string;
  readonly alertId: string;
  readonly modelId: string;
  readonly similarity: number;
  readonly faceCropRef: string | null;
  readonly createdBy: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  /** pending: kept, suppresses nothing until a supervisor or list administrator approves it. */
  readonly state: 'pending' | 'approved';
  readonly approvedBy: string | null;
  readonly approvedAt: Date | null;
}

export interface NegativeEmbeddingRow {
  readonly id: string;
  readonly personId: string;
  readonly embedding: Float32Array;
  readonly modelId: string;
  readonly expiresAt: Date;
}

export interface SuppressedRow {
  readonly id: string;
  readonly eventId: string;
  readonly cameraId: string;
  readonly personId: string;
  readonly watchlistId: string;
  readonly negativeId: string;
  readonly similarity: number;
  readonly negativeSimilarity: number;
  readonly margin: number;
  readonly ceiling: number;
  readonly capturedAt: Date;
  readonly recordedAt: Date;
}

export interface ThresholdDecisionRow {
  readonly id: string;
  readonly watchlistId: string;
  readonly previousThreshold: number;
  readonly threshold: number;
  readonly targetPrecision: number | null;
  readonly reason: string;
  readonly revertsId: string | null;
  readonly decidedBy: string;
  readonly decidedAt: Date;
}

export interface ProbeRow {
  readonly embedding: Float32Array;
  readonly modelId: string;
  readonly expiresAt: Date;
}

/** The centres whose learning rows a reader sees: @kuzet/registry's centre scope. */
export type LearningScope = CentreScope;

/** Rows are keyset-paged on (time, id); `after` is the last item's key. */
export interface KeysetPage {
  readonly limit: number;
  readonly after?: readonly [string, string];
}

function float32(bytes: Buffer): Float32Array {
  const copy = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(copy.buffer).set(bytes);
  return copy;
}

function bytes(vector: Float32Array): Buffer {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
}

/* eslint-disable @typescript-eslint/no-explicit-any -- raw rows of this module's own tables */
const negativeOf = (r: any): NegativeRow => ({
  id: r.id,
  personId: r.person_id,
  watchlistId: r.watchlist_id,
  alertId: r.alert_id,
  modelId: r.model_id,
  similarity: Number(r.similarity),
  faceCropRef: r.face_crop_ref,
  createdBy: r.created_by,
  createdAt: new Date(r.created_at),
  expiresAt: new Date(r.expires_at),
  state: r.state,
  approvedBy: r.approved_by,
  approvedAt: r.approved_at ? new Date(r.approved_at) : null,
});
const suppressedOf = (r: any): SuppressedRow => ({
  id: r.id,
  eventId: r.event_id,
  cameraId: r.camera_id,
  personId: r.person_id,
  watchlistId: r.watchlist_id,
  negativeId: r.negative_id,
  similarity: Number(r.similarity),
  negativeSimilarity: Number(r.negative_similarity),
  margin: Number(r.margin),
  ceiling: Number(r.ceiling),
  capturedAt: new Date(r.captured_at),
  recordedAt: new Date(r.recorded_at),
});
const decisionOf = (r: any): ThresholdDecisionRow => ({
  id: r.id,
  watchlistId: r.watchlist_id,
  previousThreshold: Number(r.previous_threshold),
  threshold: Number(r.threshold),
  targetPrecision: r.target_precision === null ? null : Number(r.target_precision),
  reason: r.reason,
  revertsId: r.reverts_id,
  decidedBy: r.decided_by,
  decidedAt: new Date(r.decided_at),
});

/** All SQL of learning from the operators' decisions: its own tables (migration
 * LearningFromDecisions), plus reads of decided alerts and the watchlist's threshold. */
@Injectable()
export class LearningRepository {
  constructor(@InjectDataSource() readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  async policyOf(
    watchlistId: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<SuppressionPolicy & { updatedBy: string | null; updatedAt: Date | null }> {
    const rows: any[] = await manager.query(
      `SELECT * FROM watchlist_learning_policy WHERE watchlist_id = $1`,
      [watchlistId],
    );
    const row = rows[0];
    return row
      ? {
          enabled: row.suppression_enabled,
          margin: Number(row.margin),
          ceiling: Number(row.ceiling),
          updatedBy: row.updated_by,
          updatedAt: new Date(row.updated_at),
        }
      : { ...DEFAULT_SUPPRESSION_POLICY, updatedBy: null, updatedAt: null };
  }

  async policiesOf(watchlistIds: readonly string[]): Promise<Map<string, SuppressionPolicy>> {
    const out = new Map<string, SuppressionPolicy>();
    for (const id of watchlistIds) out.set(id, DEFAULT_SUPPRESSION_POLICY);
    if (watchlistIds.length === 0) return out;
    const rows: any[] = await this.dataSource.query(
      `SELECT * FROM watchlist_learning_policy WHERE watchlist_id = ANY($1::uuid[])`,
      [watchlistIds],
    );
    for (const row of rows)
      out.set(row.watchlist_id, {
        enabled: row.suppression_enabled,
        margin: Number(row.margin),
        ceiling: Number(row.ceiling),
      });
    return out;
  }

  async setPolicy(
    watchlistId: string,
    policy: SuppressionPolicy,
    actor: string,
    manager: EntityManager,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO watchlist_learning_policy
         (watchlist_id, suppression_enabled, margin, ceiling, updated_by, updated_at)
       VALUES ($1, $2, $3, $4, $5, now())
       ON CONFLICT (watchlist_id) DO UPDATE SET suppression_enabled = $2, margin = $3,
         ceiling = $4, updated_by = $5, updated_at = now()`,
      [watchlistId, policy.enabled, policy.margin, policy.ceiling, actor],
    );
  }

  /** Unexpired approved negatives of these people (what the matchers use), with their
   * embeddings, oldest first. */
  async negativesOf(
    personIds: readonly string[],
    now: Date = new Date(),
    manager: EntityManager = this.dataSource.manager,
  ): Promise<Map<string, NegativeEmbeddingRow[]>> {
    const out = new Map<string, NegativeEmbeddingRow[]>();
    if (personIds.length === 0) return out;
    const rows: any[] = await manager.query(
      `SELECT id, person_id, embedding, model_id, expires_at FROM face_negative
       WHERE person_id = ANY($1::uuid[]) AND expires_at > $2 AND state = 'approved'
       ORDER BY created_at, id`,
      [personIds, now],
    );
    for (const r of rows) {
      const list = out.get(r.person_id) ?? [];
      list.push({
        id: r.id,
        personId: r.person_id,
        embedding: float32(r.embedding),
        modelId: r.model_id,
        expiresAt: new Date(r.expires_at),
      });
      out.set(r.person_id, list);
    }
    return out;
  }

  /** A list's negatives, those of alerts within `scope` only when one is given (`only`: that
   * one negative, if it is). */
  async listNegatives(
    watchlistId: string,
    page: KeysetPage,
    scope: LearningScope | null = null,
    only?: string,
  ): Promise<NegativeRow[]> {
    const rows: any[] = await this.dataSource.query(
      `SELECT n.id, n.person_id, n.watchlist_id, n.alert_id, n.model_id, n.similarity,
              n.face_crop_ref, n.created_by, n.created_at, n.expires_at, n.state, n.approved_by,
              n.approved_at
       FROM face_negative n LEFT JOIN alert a ON a.id = n.alert_id
       WHERE n.watchlist_id = $1 AND ($7::uuid IS NULL OR n.id = $7::uuid)
         AND ($2::timestamptz IS NULL OR (n.created_at, n.id) > ($2::timestamptz, $3::uuid))
         AND ($8::boolean OR (a.id IS NOT NULL AND ${centreScopeCondition(
           { centre: 'a.centre_id', parent: 'a.parent_centre_id' },
           { centres: '$5', unrouted: '$6' },
         )}))
       ORDER BY n.created_at, n.id LIMIT $4`,
      [
        watchlistId,
        page.after?.[0] ?? null,
        page.after?.[1] ?? null,
        page.limit + 1,
        ...(scope ? centreScopeParams(scope) : [null, false]),
        only ?? null,
        scope === null,
      ],
    );
    return rows.map(negativeOf);
  }

  /** Approves a pending negative; false when it was not pending. */
  async approveNegative(id: string, actor: string, manager: EntityManager): Promise<boolean> {
    const rows: any[] = await manager.query(
      `UPDATE face_negative SET state = 'approved', approved_by = $2, approved_at = now()
       WHERE id = $1 AND state = 'pending' RETURNING id`,
      [id, actor],
    );
    const list: any[] = Array.isArray(rows[0]) ? rows[0] : rows;
    return list.length > 0;
  }

  async findNegative(id: string, manager: EntityManager): Promise<NegativeRow | null> {
    const rows: any[] = await manager.query(
      `SELECT * FROM face_negative WHERE id = $1 FOR UPDATE`,
      [id],
    );
    return rows[0] ? negativeOf(rows[0]) : null;
  }

  async deleteNegative(id: string, manager: EntityManager): Promise<void> {
    await manager.query(`DELETE FROM face_negative WHERE id = $1`, [id]);
  }

  /** False when the alert already gave its negative (a repeated decision). */
  async insertNegative(
    row: Omit<NegativeRow, 'createdAt' | 'state' | 'approvedBy' | 'approvedAt'> & {
      embedding: Float32Array;
    },
    manager: EntityManager,
  ): Promise<boolean> {
    const inserted: any[] = await manager.query(
      `INSERT INTO face_negative (id, person_id, watchlist_id, alert_id, embedding, model_id,
         similarity, face_crop_ref, created_by, expires_at, state)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending')
       ON CONFLICT (alert_id) DO NOTHING RETURNING id`,
      [
        row.id,
        row.personId,
        row.watchlistId,
        row.alertId,
        bytes(row.embedding),
        row.modelId,
        row.similarity,
        row.faceCropRef,
        row.createdBy,
        row.expiresAt,
      ],
    );
    return inserted.length > 0;
  }

  async probeOf(hitId: string, manager: EntityManager): Promise<ProbeRow | null> {
    const rows: any[] = await manager.query(
      `SELECT embedding, model_id, expires_at FROM hit_probe WHERE hit_id = $1 AND expires_at > now()`,
      [hitId],
    );
    const r = rows[0];
    return r
      ? { embedding: float32(r.embedding), modelId: r.model_id, expiresAt: new Date(r.expires_at) }
      : null;
  }

  /** A list's suppressed matches, those on cameras within `scope` only when one is given (by
   * the camera's centre and that centre's main centre, as alerts are routed). */
  async listSuppressed(
    watchlistId: string,
    page: KeysetPage,
    scope: LearningScope | null = null,
  ): Promise<SuppressedRow[]> {
    const rows: any[] = await this.dataSource.query(
      `SELECT s.* FROM suppressed_match s
         LEFT JOIN camera c ON c.id = s.camera_id
         LEFT JOIN operations_centre oc ON oc.id = c.centre_id
       WHERE s.watchlist_id = $1
         AND ($2::timestamptz IS NULL OR (s.recorded_at, s.id) < ($2::timestamptz, $3::uuid))
         AND ($7::boolean OR ${centreScopeCondition(
           { centre: 'c.centre_id', parent: 'oc.parent_centre_id' },
           { centres: '$5', unrouted: '$6' },
         )})
       ORDER BY s.recorded_at DESC, s.id DESC LIMIT $4`,
      [
        watchlistId,
        page.after?.[0] ?? null,
        page.after?.[1] ?? null,
        page.limit + 1,
        ...(scope ? centreScopeParams(scope) : [null, false]),
        scope === null,
      ],
    );
    return rows.map(suppressedOf);
  }

  /** Whether any of these centres is a main centre (one without a parent). */
  async anyMainCentre(centreIds: readonly string[]): Promise<boolean> {
    if (centreIds.length === 0) return false;
    const rows: any[] = await this.dataSource.query(
      `SELECT 1 FROM operations_centre WHERE id = ANY($1::text[]) AND parent_centre_id IS NULL
       LIMIT 1`,
      [[...centreIds]],
    );
    return rows.length > 0;
  }

  /** Bumps the version of one person (a change the matchers must take). */
  async bumpPerson(personId: string, manager: EntityManager): Promise<void> {
    await manager.query(`UPDATE watchlist_person SET version = version + 1 WHERE id = $1`, [
      personId,
    ]);
  }

  /** Bumps every person of a list; their ids, to publish. */
  async bumpList(watchlistId: string, manager: EntityManager): Promise<string[]> {
    const rows: any[] = await manager.query(
      `UPDATE watchlist_person SET version = version + 1 WHERE watchlist_id = $1 RETURNING id`,
      [watchlistId],
    );
    // UPDATE ... RETURNING through the pg driver comes back as [rows, count]
    const list: any[] = Array.isArray(rows[0]) ? rows[0] : rows;
    return list.map((r) => r.id as string);
  }

  async lockThreshold(watchlistId: string, manager: EntityManager): Promise<number | null> {
    const rows: any[] = await manager.query(
      `SELECT similarity_threshold FROM watchlist WHERE id = $1 FOR UPDATE`,
      [watchlistId],
    );
    return rows[0] ? Number(rows[0].similarity_threshold) : null;
  }

  async setThreshold(watchlistId: string, threshold: number, manager: EntityManager) {
    await manager.query(
      `UPDATE watchlist SET similarity_threshold = $2, updated_at = now() WHERE id = $1`,
      [watchlistId, threshold],
    );
  }

  async insertThresholdDecision(row: ThresholdDecisionRow, manager: EntityManager) {
    await manager.query(
      `INSERT INTO threshold_decision (id, watchlist_id, previous_threshold, threshold,
         target_precision, reason, reverts_id, decided_by, decided_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        row.id,
        row.watchlistId,
        row.previousThreshold,
        row.threshold,
        row.targetPrecision,
        row.reason,
        row.revertsId,
        row.decidedBy,
        row.decidedAt,
      ],
    );
  }

  async findThresholdDecision(
    watchlistId: string,
    id: string,
    manager: EntityManager,
  ): Promise<ThresholdDecisionRow | null> {
    const rows: any[] = await manager.query(
      `SELECT * FROM threshold_decision WHERE watchlist_id = $1 AND id = $2`,
      [watchlistId, id],
    );
    return rows[0] ? decisionOf(rows[0]) : null;
  }

  async thresholdDecisions(watchlistId: string, page: KeysetPage): Promise<ThresholdDecisionRow[]> {
    const rows: any[] = await this.dataSource.query(
      `SELECT * FROM threshold_decision WHERE watchlist_id = $1
         AND ($2::timestamptz IS NULL OR (decided_at, id) < ($2::timestamptz, $3::uuid))
       ORDER BY decided_at DESC, id DESC LIMIT $4`,
      [watchlistId, page.after?.[0] ?? null, page.after?.[1] ?? null, page.limit + 1],
    );
    return rows.map(decisionOf);
  }

  /** The list's face hits captured since `since`: the decided ones (confirmed or rejected) with
   * their similarity, every similarity, and the lowest threshold any was raised at. */
  async hitsOf(
    watchlistId: string,
    since: Date,
  ): Promise<{ decided: DecidedHit[]; similarities: number[]; lowestThreshold: number | null }> {
    const rows: any[] = await this.dataSource.query(
      `SELECT state, similarity, threshold FROM alert
       WHERE kind = 'watchlist_hit' AND watchlist_id = $1 AND captured_at >= $2
         AND similarity IS NOT NULL`,
      [watchlistId, since],
    );
    const decided: DecidedHit[] = [];
    const similarities: number[] = [];
    let lowestThreshold: number | null = null;
    for (const r of rows) {
      const similarity = Number(r.similarity);
      similarities.push(similarity);
      if (r.state === 'confirmed' || r.state === 'rejected')
        decided.push({ similarity, confirmed: r.state === 'confirmed' });
      if (r.threshold !== null) {
        const t = Number(r.threshold);
        if (lowestThreshold === null || t < lowestThreshold) lowestThreshold = t;
      }
    }
    return { decided, similarities, lowestThreshold };
  }
}
/* eslint-enable @typescript-eslint/no-explicit-any */

import { HttpStatus, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { AuditLogService } from '@kuzet/audit-log';
import { centreScopeOf, StaffPrincipal } from '@kuzet/auth';
import { decodeCursor, encodeCursor, FieldErrorsException, Page, pageOf } from '@kuzet/http';
import { WatchlistEntity } from '@kuzet/persistence';
import { ListThresholds, ThresholdChoice } from './list-thresholds';
import {
  ApplyThresholdRequest,
  LearningListView,
  LearningPageQuery,
  NegativeView,
  SuppressionPolicyRequest,
  SuppressionPolicyView,
  SuppressionView,
  ThresholdDecisionView,
  ThresholdEvidenceQuery,
  ThresholdEvidenceView,
} from './learning.dto';
import {
  KeysetPage,
  LearningRepository,
  LearningScope,
  NegativeRow,
  SuppressedRow,
  ThresholdDecisionRow,
} from './learning.repository';
import { candidateThresholds, ThresholdPoint, thresholdEvidence } from './threshold-evidence';

const DAY_MS = 86_400_000;

/** The part of a rejected face alert a negative example is made from. */
export interface RejectedFaceHit {
  readonly id: string;
  readonly kind: string;
  readonly personId: string | null;
  readonly watchlistId: string | null;
  readonly similarity: number | null;
  readonly faceCropRef: string | null;
}

/** Learning from the operators' decisions: "not this person" rejections become negative
 * examples of that person, and each list's threshold is set from its decided hits. Every change
 * is attributed and audited, and reaches every matcher through the watchlist change topic. */
@Injectable()
export class LearningService {
  private readonly logger = new Logger(LearningService.name);

  constructor(
    private readonly repository: LearningRepository,
    private readonly thresholds: ListThresholds,
    private readonly audit: AuditLogService,
  ) {}

  /** Inside the rejection's transaction: keeps the hit's probe embedding as a negative of its
   * person. Returns the person to republish after the commit, or null when there is nothing to
   * keep (not a face hit, no probe kept, or the probe is past its retention). */
  async negativeFromRejection(
    alert: RejectedFaceHit,
    actor: string,
    manager: EntityManager,
  ): Promise<string | null> {
    if (alert.kind !== 'watchlist_hit' || !alert.personId || !alert.watchlistId) return null;
    const probe = await this.repository.probeOf(alert.id, manager);
    if (!probe) {
      this.logger.warn({ alertId: alert.id }, 'no probe embedding kept for this hit: no negative');
      return null;
    }
    const id = randomUUID();
    const inserted = await this.repository.insertNegative(
      {
        id,
        personId: alert.personId,
        watchlistId: alert.watchlistId,
        alertId: alert.id,
        embedding: probe.embedding,
        modelId: probe.modelId,
        similarity: alert.similarity ?? 0,
        faceCropRef: alert.faceCropRef,
        createdBy: actor,
        expiresAt: probe.expiresAt,
      },
      manager,
    );
    if (!inserted) return null;
    await this.repository.bumpPerson(alert.personId, manager);
    await this.audit.append(
      {
        actor,
        action: 'watchlist.negative-added',
        subjectType: 'person',
        subjectId: alert.personId,
        details: {
          negativeId: id,
          alertId: alert.id,
          watchlistId: alert.watchlistId,
          similarity: alert.similarity,
          faceCropRef: alert.faceCropRef,
          expiresAt: probe.expiresAt.toISOString(),
        },
      },
      manager,
    );
    return alert.personId;
  }

  /** A supervisor sees the negatives of their centres' alerts; see learningScopeOf. */
  async listNegatives(
    watchlistId: string,
    query: LearningPageQuery,
    reader: StaffPrincipal,
  ): Promise<Page<NegativeView>> {
    await this.list(watchlistId);
    const scope = learningScopeOf(reader);
    const rows = await this.repository.listNegatives(watchlistId, keyset(query), scope);
    const page = paged(rows, query.limit, (r) => [r.createdAt.toISOString(), r.id]);
    await this.audit.append({
      actor: reader.username,
      action: 'watchlist.negatives-listed',
      subjectType: 'watchlist',
      subjectId: watchlistId,
      details: { negativeIds: page.items.map((r) => r.id), centreIds: scope?.centreIds ?? null },
    });
    return { items: page.items.map(negativeView), next_cursor: page.next_cursor };
  }

  /** A negative suppresses only once approved (four eyes: never by its author), by a supervisor
   * whose centres its alert was routed to, or by a watchlist administrator; audited, and the
   * person republished so the matchers take it. */
  async approveNegative(
    watchlistId: string,
    negativeId: string,
    user: StaffPrincipal,
  ): Promise<NegativeView> {
    const missing = () =>
      new NotFoundException(`negative ${negativeId} of watchlist ${watchlistId} does not exist`);
    const [visible] = await this.repository.listNegatives(
      watchlistId,
      { limit: 1 },
      learningScopeOf(user),
      negativeId,
    );
    if (!visible) throw missing();
    if (visible.createdBy === user.username)
      throw new FieldErrorsException(HttpStatus.FORBIDDEN, [
        {
          field: '$',
          rule: 'four_eyes',
          message: 'a negative is approved by someone other than the one who gave it',
        },
      ]);
    const approved = await this.repository.transaction(async (manager) => {
      const negative = await this.repository.findNegative(negativeId, manager);
      if (!negative || negative.watchlistId !== watchlistId) throw missing();
      if (!(await this.repository.approveNegative(negativeId, user.username, manager))) {
        const message = `negative ${negativeId} is ${negative.state}, not pending`;
        throw new FieldErrorsException(
          HttpStatus.CONFLICT,
          [{ field: '$', rule: 'state_conflict', message, params: { state: negative.state } }],
          message,
        );
      }
      await this.repository.bumpPerson(negative.personId, manager);
      await this.audit.append(
        {
          actor: user.username,
          action: 'watchlist.negative-approved',
          subjectType: 'person',
          subjectId: negative.personId,
          details: {
            negativeId,
            watchlistId,
            alertId: negative.alertId,
            createdBy: negative.createdBy,
          },
        },
        manager,
      );
      return (await this.repository.findNegative(negativeId, manager))!;
    });
    await this.republish([approved.personId]);
    return negativeView(approved);
  }

  async removeNegative(watchlistId: string, negativeId: string, actor: string) {
    const removed = await this.repository.transaction(async (manager) => {
      const negative = await this.repository.findNegative(negativeId, manager);
      if (!negative || negative.watchlistId !== watchlistId)
        throw new NotFoundException(
          `negative ${negativeId} of watchlist ${watchlistId} does not exist`,
        );
      await this.repository.deleteNegative(negativeId, manager);
      await this.repository.bumpPerson(negative.personId, manager);
      await this.audit.append(
        {
          actor,
          action: 'watchlist.negative-removed',
          subjectType: 'person',
          subjectId: negative.personId,
          details: { negativeId, watchlistId, alertId: negative.alertId },
        },
        manager,
      );
      return negative;
    });
    await this.republish([removed.personId]);
    return negativeView(removed);
  }

  /** A supervisor sees the suppressions on their centres' cameras; see learningScopeOf. */
  async listSuppressions(
    watchlistId: string,
    query: LearningPageQuery,
    reader: StaffPrincipal,
  ): Promise<Page<SuppressionView>> {
    await this.list(watchlistId);
    const scope = learningScopeOf(reader);
    const rows = await this.repository.listSuppressed(watchlistId, keyset(query), scope);
    const page = paged(rows, query.limit, (r) => [r.recordedAt.toISOString(), r.id]);
    await this.audit.append({
      actor: reader.username,
      action: 'watchlist.suppressions-listed',
      subjectType: 'watchlist',
      subjectId: watchlistId,
      details: {
        suppressionIds: page.items.map((r) => r.id),
        centreIds: scope?.centreIds ?? null,
      },
    });
    return { items: page.items.map(suppressionView), next_cursor: page.next_cursor };
  }

  /** Every list with its threshold and suppression policy: what the supervisor's screen picks
   * from (no person data). */
  async lists(query: LearningPageQuery): Promise<Page<LearningListView>> {
    const lists = await this.repository.dataSource.getRepository(WatchlistEntity).find();
    const policies = await this.repository.policiesOf(lists.map((l) => l.id));
    const views = lists.map((l): LearningListView => {
      const policy = policies.get(l.id)!;
      return {
        watchlist_id: l.id,
        name: l.name,
        category: l.category,
        threshold: Math.round(l.similarityThreshold * 1e6) / 1e6,
        suppression_enabled: policy.enabled,
        margin: policy.margin,
        ceiling: policy.ceiling,
      };
    });
    return pageOf(views, (v) => `${v.name}\u0000${v.watchlist_id}`, query);
  }

  async policy(watchlistId: string): Promise<SuppressionPolicyView> {
    await this.list(watchlistId);
    return policyView(watchlistId, await this.repository.policyOf(watchlistId));
  }

  async setPolicy(
    watchlistId: string,
    request: SuppressionPolicyRequest,
    user: StaffPrincipal,
  ): Promise<SuppressionPolicyView> {
    await this.mayChangeRegion(user);
    const list = await this.list(watchlistId);
    const actor = user.username;
    if (request.ceiling <= list.similarityThreshold)
      throw new FieldErrorsException(HttpStatus.BAD_REQUEST, [
        {
          field: 'ceiling',
          rule: 'above_threshold',
          message: `must be above the list's threshold ${list.similarityThreshold}`,
          params: { threshold: list.similarityThreshold },
        },
      ]);
    const people = await this.repository.transaction(async (manager) => {
      const before = await this.repository.policyOf(watchlistId, manager);
      await this.repository.setPolicy(watchlistId, request, actor, manager);
      const bumped = await this.repository.bumpList(watchlistId, manager);
      await this.audit.append(
        {
          actor,
          action: 'watchlist.suppression-policy-set',
          subjectType: 'watchlist',
          subjectId: watchlistId,
          details: {
            before: { enabled: before.enabled, margin: before.margin, ceiling: before.ceiling },
            after: { ...request },
          },
        },
        manager,
      );
      return bumped;
    });
    await this.republish(people);
    return this.policy(watchlistId);
  }

  async thresholdEvidence(
    watchlistId: string,
    query: ThresholdEvidenceQuery,
    now: Date = new Date(),
  ): Promise<ThresholdEvidenceView> {
    const list = await this.list(watchlistId);
    // thresholds and similarities are float4 columns: 0.45 reads back as 0.4499999881
    const current = Math.round(list.similarityThreshold * 1e6) / 1e6;
    const hits = await this.repository.hitsOf(
      watchlistId,
      new Date(now.getTime() - query.days * DAY_MS),
    );
    const evidence = thresholdEvidence({
      current,
      decided: hits.decided,
      hitSimilarities: hits.similarities,
      days: query.days,
      targetPrecision: query.target_precision,
      candidates: candidateThresholds(Math.min(hits.lowestThreshold ?? current, current)),
    });
    return {
      watchlist_id: watchlistId,
      days: query.days,
      target_precision: query.target_precision,
      current: pointView(evidence.current),
      candidates: evidence.candidates.map(pointView),
      suggested_threshold: evidence.suggested,
      decided_hits: hits.decided.length,
      hits: hits.similarities.length,
    };
  }

  async thresholdDecisions(
    watchlistId: string,
    query: LearningPageQuery,
  ): Promise<Page<ThresholdDecisionView>> {
    await this.list(watchlistId);
    const rows = await this.repository.thresholdDecisions(watchlistId, keyset(query));
    const page = paged(rows, query.limit, (r) => [r.decidedAt.toISOString(), r.id]);
    return { items: page.items.map(decisionView), next_cursor: page.next_cursor };
  }

  async applyThreshold(
    watchlistId: string,
    request: ApplyThresholdRequest,
    user: StaffPrincipal,
  ): Promise<ThresholdDecisionView> {
    await this.mayChangeRegion(user);
    return this.decideThreshold(watchlistId, user.username, async () => ({
      threshold: request.threshold,
      reason: request.reason,
      targetPrecision: request.target_precision ?? null,
      revertsId: null,
    }));
  }

  /** Puts back the threshold a decision replaced, as a decision of its own; only while that
   * decision's threshold is still the list's (a later change is reverted first). */
  async revertThreshold(
    watchlistId: string,
    decisionId: string,
    reason: string,
    user: StaffPrincipal,
  ): Promise<ThresholdDecisionView> {
    await this.mayChangeRegion(user);
    return this.decideThreshold(watchlistId, user.username, async (manager, current) => {
      const decision = await this.repository.findThresholdDecision(
        watchlistId,
        decisionId,
        manager,
      );
      if (!decision)
        throw new NotFoundException(
          `threshold decision ${decisionId} of ${watchlistId} does not exist`,
        );
      if (Math.abs(decision.threshold - current) > 1e-6) {
        const message = `the list's threshold is ${current} now, not the ${decision.threshold} this decision set`;
        throw new FieldErrorsException(
          HttpStatus.CONFLICT,
          [
            {
              field: '$',
              rule: 'state_conflict',
              message,
              params: { current, decided: decision.threshold },
            },
          ],
          message,
        );
      }
      return {
        threshold: decision.previousThreshold,
        reason,
        targetPrecision: null,
        revertsId: decision.id,
      };
    });
  }

  private async decideThreshold(
    watchlistId: string,
    actor: string,
    choose: (manager: EntityManager, current: number) => Promise<ThresholdChoice>,
  ): Promise<ThresholdDecisionView> {
    const { decision, people } = await this.repository.transaction((manager) =>
      this.thresholds.decide(manager, watchlistId, actor, (current) => choose(manager, current)),
    );
    await this.republish(people);
    return decisionView(decision);
  }

  /** Publishes the current snapshot of each person (after the commit that changed them). */
  republish(personIds: readonly string[]): Promise<void> {
    return this.thresholds.republish(personIds);
  }

  /** A list's threshold and suppression policy apply in every centre of the region: only a
   * watchlist administrator or a supervisor of a main centre (one without a parent) changes
   * them; a district centre's supervisor is refused. */
  private async mayChangeRegion(user: StaffPrincipal): Promise<void> {
    if (user.roles.includes('watchlist-admin')) return;
    if (user.roles.includes('supervisor') && (await this.repository.anyMainCentre(user.centreIds)))
      return;
    throw new FieldErrorsException(HttpStatus.FORBIDDEN, [
      {
        field: '$',
        rule: 'main_centre_supervisor',
        message:
          "a list's threshold and suppression policy change alerting region-wide: only a watchlist administrator or a supervisor of a main centre may change them",
      },
    ]);
  }

  private async list(watchlistId: string): Promise<WatchlistEntity> {
    const list = await this.repository.dataSource
      .getRepository(WatchlistEntity)
      .findOneBy({ id: watchlistId });
    if (!list) throw new NotFoundException(`watchlist ${watchlistId} does not exist`);
    return list;
  }
}

/** Whose learning rows a reader sees: a watchlist administrator (who manages the lists
 * region-wide) every centre's; anyone else by their centre scope (@kuzet/auth's centreScopeOf:
 * a supervisor their centres and what no centre owns, an auditor their centres, or every
 * centre with the ALL_CENTRES grant). */
export function learningScopeOf(user: StaffPrincipal): LearningScope | null {
  if (user.roles.includes('watchlist-admin')) return null;
  return centreScopeOf(user);
}

function keyset(query: LearningPageQuery): KeysetPage {
  if (query.cursor === undefined) return { limit: query.limit };
  const [at, id] = decodeCursor(query.cursor, 2);
  return { limit: query.limit, after: [String(at), String(id)] };
}

function paged<T>(rows: readonly T[], limit: number, keyOf: (row: T) => [string, string]) {
  const items = rows.slice(0, limit);
  return {
    items,
    next_cursor: rows.length > limit ? encodeCursor(keyOf(items[items.length - 1]!)) : null,
  };
}

function negativeView(r: NegativeRow): NegativeView {
  return {
    id: r.id,
    person_id: r.personId,
    watchlist_id: r.watchlistId,
    alert_id: r.alertId,
    similarity: r.similarity,
    face_crop_ref: r.faceCropRef,
    model_id: r.modelId,
    created_by: r.createdBy,
    created_at: r.createdAt.toISOString(),
    expires_at: r.expiresAt.toISOString(),
    state: r.state,
    approved_by: r.approvedBy,
    approved_at: r.approvedAt?.toISOString() ?? null,
  };
}

function suppressionView(r: SuppressedRow): SuppressionView {
  return {
    id: r.id,
    event_id: r.eventId,
    camera_id: r.cameraId,
    person_id: r.personId,
    watchlist_id: r.watchlistId,
    negative_id: r.negativeId,
    similarity: r.similarity,
    negative_similarity: r.negativeSimilarity,
    margin: r.margin,
    ceiling: r.ceiling,
    captured_at: r.capturedAt.toISOString(),
    recorded_at: r.recordedAt.toISOString(),
  };
}

function policyView(
  watchlistId: string,
  p: Awaited<ReturnType<LearningRepository['policyOf']>>,
): SuppressionPolicyView {
  return {
    watchlist_id: watchlistId,
    enabled: p.enabled,
    margin: p.margin,
    ceiling: p.ceiling,
    updated_by: p.updatedBy,
    updated_at: p.updatedAt?.toISOString() ?? null,
  };
}

function pointView(p: ThresholdPoint) {
  return {
    threshold: p.threshold,
    confirmed: p.confirmed,
    rejected: p.rejected,
    precision: p.precision,
    precision_low: p.interval?.low ?? null,
    precision_high: p.interval?.high ?? null,
    alerts_per_day: p.alertsPerDay,
  };
}

function decisionView(r: ThresholdDecisionRow): ThresholdDecisionView {
  return {
    id: r.id,
    watchlist_id: r.watchlistId,
    previous_threshold: r.previousThreshold,
    threshold: r.threshold,
    target_precision: r.targetPrecision,
    reason: r.reason,
    reverts_id: r.revertsId,
    decided_by: r.decidedBy,
    decided_at: r.decidedAt.toISOString(),
  };
}

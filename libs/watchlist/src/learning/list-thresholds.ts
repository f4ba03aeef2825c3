import { HttpStatus, Injectable, NotFoundException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { AuditLogService } from '@kuzet/audit-log';
import { FieldErrorsException } from '@kuzet/http';
import { EnrolledFaceEntity, WatchlistEntity, WatchlistPersonEntity } from '@kuzet/persistence';
import { WatchlistChangePublisher } from '../changes/watchlist-change.publisher';
import { LearningRepository, ThresholdDecisionRow } from './learning.repository';

/** A threshold a list is to get, and why. */
export type ThresholdChoice = Pick<
  ThresholdDecisionRow,
  'threshold' | 'reason' | 'targetPrecision' | 'revertsId'
>;

/** The one path by which a list's threshold changes, whoever changes it (a watchlist
 * administrator's PATCH of the list, a supervisor's decision from evidence or its reversal):
 * checked against the list's suppression ceiling, written with a threshold decision (so every
 * change is in the list's history and can be reverted), audited, and every person of the list
 * given a new version, republished to the matchers after the commit. */
@Injectable()
export class ListThresholds {
  constructor(
    private readonly repository: LearningRepository,
    private readonly audit: AuditLogService,
    private readonly changes: WatchlistChangePublisher,
  ) {}

  /** In the caller's transaction: locks the list, asks `choose` for the threshold given the
   * current one, and records it. `field` names the request field a refusal points at. Returns
   * the decision and the people to `republish` once the transaction has committed. */
  async decide(
    manager: EntityManager,
    watchlistId: string,
    actor: string,
    choose: (current: number) => Promise<ThresholdChoice>,
    field = 'threshold',
  ): Promise<{ decision: ThresholdDecisionRow; people: string[] }> {
    const current = await this.repository.lockThreshold(watchlistId, manager);
    if (current === null) throw new NotFoundException(`watchlist ${watchlistId} does not exist`);
    const chosen = await choose(current);
    const policy = await this.repository.policyOf(watchlistId, manager);
    if (chosen.threshold >= policy.ceiling)
      throw new FieldErrorsException(HttpStatus.BAD_REQUEST, [
        {
          field,
          rule: 'below_ceiling',
          message: `must be below the list's suppression ceiling ${policy.ceiling}`,
          params: { ceiling: policy.ceiling },
        },
      ]);
    const decision: ThresholdDecisionRow = {
      id: randomUUID(),
      watchlistId,
      previousThreshold: current,
      ...chosen,
      decidedBy: actor,
      decidedAt: new Date(),
    };
    await this.repository.setThreshold(watchlistId, decision.threshold, manager);
    await this.repository.insertThresholdDecision(decision, manager);
    const people = await this.repository.bumpList(watchlistId, manager);
    await this.audit.append(
      {
        actor,
        action: decision.revertsId ? 'watchlist.threshold-reverted' : 'watchlist.threshold-applied',
        subjectType: 'watchlist',
        subjectId: watchlistId,
        details: {
          decisionId: decision.id,
          previousThreshold: decision.previousThreshold,
          threshold: decision.threshold,
          targetPrecision: decision.targetPrecision,
          reason: decision.reason,
          revertsId: decision.revertsId,
        },
      },
      manager,
    );
    return { decision, people };
  }

  /** Publishes the current snapshot of each person (after the commit that changed them). */
  async republish(personIds: readonly string[]): Promise<void> {
    const manager = this.repository.dataSource.manager;
    for (const personId of personIds) {
      const person = await manager.getRepository(WatchlistPersonEntity).findOneBy({ id: personId });
      if (!person || person.status === 'pending') continue;
      const list = await manager
        .getRepository(WatchlistEntity)
        .findOneByOrFail({ id: person.watchlistId });
      const faces = await manager
        .getRepository(EnrolledFaceEntity)
        .find({ where: { personId }, order: { createdAt: 'ASC' } });
      await this.changes.publish(person, list, faces);
    }
  }
}

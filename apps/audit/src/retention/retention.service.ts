import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { AuditLogService } from '@kuzet/audit-log';
import { KUZET_CONFIG, KuzetConfig } from '@kuzet/config';
import { scheduleEvery } from '@kuzet/platform';
import { SchedulerRegistry } from '@nestjs/schedule';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
// the disk store's files live under KUZET_DATA_DIR: purged here where that directory is shared
import { DiskEvidenceStore } from '@kuzet/evidence';
import { RetentionRepository } from './retention.repository';

const BATCH = 1_000;
const DAY_MS = 24 * 3600 * 1000;

export interface PurgeReport {
  readonly purgeId: string;
  /** Face crops deleted, by id (hit_evidence rows and disk files). */
  readonly evidence: number;
  /** Records of camera events deleted. */
  readonly events: number;
  /** First-content fingerprints of camera events (CameraEventGate) deleted, unaudited: an
   * event id and a hash, kept as long as the records of events taken over HTTP. */
  readonly fingerprints: number;
  /** Probe embeddings of hits and "not this person" negatives past the evidence retention
   * (matchers already ignore an expired negative: its expiry rides on the change topic), and
   * suppressed matches and "not this car" rejected reads older than EVIDENCE_RETENTION_DAYS. */
  readonly learning: number;
}

/** Deletes what has outlived its retention period: face crops at their expires_at (set by
 * the matcher from EVIDENCE_RETENTION_DAYS), the learning records (probes, negatives at their
 * expiry; suppressed matches and rejected reads after EVIDENCE_RETENTION_DAYS) and camera
 * event records after EVENT_RETENTION_DAYS. Runs every RETENTION_PURGE_INTERVAL_MS (0: never); every batch it
 * deletes is written to the audit log in the same transaction. Audit rows are never purged. */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RetentionService.name);
  private running?: Promise<PurgeReport>;

  constructor(
    private readonly repository: RetentionRepository,
    private readonly disk: DiskEvidenceStore,
    private readonly audit: AuditLogService,
    @Inject(KUZET_CONFIG) private readonly config: Readonly<KuzetConfig>,
    private readonly scheduler: SchedulerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    scheduleEvery(this.scheduler, 'retention-purge', this.config.RETENTION_PURGE_INTERVAL_MS, () =>
      this.purgeOnSchedule(),
    );
  }

  /** The scheduler has cleared the interval by now: a purge under way is waited for. */
  async onApplicationShutdown(): Promise<void> {
    await this.running?.catch(() => undefined);
  }

  /** One purge; a call while one runs waits for that one. */
  purgeExpired(now: Date = new Date()): Promise<PurgeReport> {
    this.running ??= this.purge(now).finally(() => (this.running = undefined));
    return this.running;
  }

  private async purgeOnSchedule(): Promise<void> {
    try {
      const report = await this.purgeExpired();
      if (report.evidence + report.events + report.learning > 0)
        this.logger.log(report, 'retention purge');
    } catch (error) {
      this.logger.error({ err: error }, 'retention purge failed; retrying on schedule');
    }
  }

  private async purge(now: Date): Promise<PurgeReport> {
    const purgeId = randomUUID();
    const eventCutoff = new Date(now.getTime() - this.config.EVENT_RETENTION_DAYS * DAY_MS);
    const evidence =
      (await this.inBatches(
        (manager) => this.repository.deleteExpiredEvidence(now, BATCH, manager),
        {
          purgeId,
          subjectType: 'hit-evidence',
          details: { store: 'postgres', expiredBy: now.toISOString() },
        },
      )) + (await this.purgeDiskEvidence(purgeId, now));
    const events = await this.inBatches(
      (manager) => this.repository.deleteOldIngestedEvents(eventCutoff, BATCH, manager),
      {
        purgeId,
        subjectType: 'ingested-event',
        details: {
          acceptedBefore: eventCutoff.toISOString(),
          retentionDays: this.config.EVENT_RETENTION_DAYS,
        },
      },
    );
    let learning = 0;
    for (const table of ['hit_probe', 'face_negative'] as const)
      learning += await this.inBatches(
        (manager) => this.repository.deleteExpiredLearning(table, now, BATCH, manager),
        { purgeId, subjectType: table, details: { expiredBy: now.toISOString() } },
      );
    const evidenceCutoff = new Date(now.getTime() - this.config.EVIDENCE_RETENTION_DAYS * DAY_MS);
    for (const table of ['suppressed_match', 'vehicle_rejected_read'] as const)
      learning += await this.inBatches(
        (manager) =>
          this.repository.deleteOldLearningRecords(table, evidenceCutoff, BATCH, manager),
        {
          purgeId,
          subjectType: table,
          details: {
            recordedBefore: evidenceCutoff.toISOString(),
            retentionDays: this.config.EVIDENCE_RETENTION_DAYS,
          },
        },
      );
    let fingerprints = 0;
    for (let batch = BATCH; batch === BATCH; fingerprints += batch) {
      batch = await this.repository.transaction((manager) =>
        this.repository.deleteOldFingerprints(eventCutoff, BATCH, manager),
      );
    }
    return { purgeId, evidence, events, fingerprints, learning };
  }

  /** Deletes batch after batch, each with its audit entry in the same transaction. */
  private async inBatches(
    deleteBatch: (manager: EntityManager) => Promise<string[]>,
    entry: { purgeId: string; subjectType: string; details: Record<string, unknown> },
  ): Promise<number> {
    let total = 0;
    for (;;) {
      const purged = await this.repository.transaction(async (manager) => {
        const ids = await deleteBatch(manager);
        if (ids.length > 0) await this.appendPurged(entry, ids, manager);
        return ids.length;
      });
      total += purged;
      if (purged < BATCH) return total;
    }
  }

  /** Files cannot roll back: the audit entry goes first, so a crash between the two leaves
   * an entry for files that are then purged again, never a deletion without one. */
  private async purgeDiskEvidence(purgeId: string, now: Date): Promise<number> {
    const ids = await this.disk.expiredIds(now);
    for (let start = 0; start < ids.length; start += BATCH) {
      const batch = ids.slice(start, start + BATCH);
      await this.appendPurged(
        {
          purgeId,
          subjectType: 'hit-evidence',
          details: { store: 'disk', expiredBy: now.toISOString() },
        },
        batch,
      );
      for (const id of batch) await this.disk.remove(id);
    }
    return ids.length;
  }

  private appendPurged(
    entry: { purgeId: string; subjectType: string; details: Record<string, unknown> },
    ids: readonly string[],
    manager?: EntityManager,
  ): Promise<void> {
    return this.audit.append(
      {
        actor: 'retention',
        action: 'retention.purged',
        subjectType: entry.subjectType,
        subjectId: entry.purgeId,
        details: { ...entry.details, count: ids.length, ids },
      },
      manager,
    );
  }
}

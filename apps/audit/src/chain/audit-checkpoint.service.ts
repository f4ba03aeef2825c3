import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import {
  appendCheckpoint,
  AuditCheckpoint,
  AuditLogService,
  ChainVerification,
  checkpointFile,
  readCheckpointFile,
} from '@kuzet/audit-log';
import { KUZET_CONFIG, KuzetConfig } from '@kuzet/config';
import { scheduleEvery } from '@kuzet/platform';
import { SchedulerRegistry } from '@nestjs/schedule';
import { existsSync } from 'node:fs';

/** Takes the audit chain's head out of the database every AUDIT_CHECKPOINT_INTERVAL_MS (0:
 * only when verified) and after each verification: one JSON line appended to
 * AUDIT_CHECKPOINT_FILE (standalone: under KUZET_DATA_DIR) and one structured log line. An
 * auditor keeps either; `kuzet audit verify --checkpoints FILE` then finds rows rewritten or
 * removed up to the latest one. */
@Injectable()
export class AuditCheckpointService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('AuditCheckpoint');
  private readonly file: string | undefined;
  private running?: Promise<AuditCheckpoint | null>;
  private lastSeq = 0;

  constructor(
    private readonly audit: AuditLogService,
    @Inject(KUZET_CONFIG) private readonly config: Readonly<KuzetConfig>,
    private readonly scheduler: SchedulerRegistry,
  ) {
    this.file = checkpointFile(config);
  }

  onApplicationBootstrap(): void {
    scheduleEvery(
      this.scheduler,
      'audit-checkpoint',
      this.config.AUDIT_CHECKPOINT_INTERVAL_MS,
      () => this.onSchedule(),
    );
  }

  /** The scheduler has cleared the interval by now: a checkpoint under way is waited for. */
  async onApplicationShutdown(): Promise<void> {
    await this.running?.catch(() => undefined);
  }

  /** Records the current head, after checking its hash and MAC; null when there are no rows
   * or the head was already recorded by this instance. */
  takeCheckpoint(): Promise<AuditCheckpoint | null> {
    this.running ??= this.audit
      .checkpoint()
      .then((head) => (head ? this.record(head) : null))
      .finally(() => (this.running = undefined));
    return this.running;
  }

  /** The whole chain against the checkpoints this instance's file holds; the head is
   * recorded when it passes. */
  async verifyAndRecord(): Promise<ChainVerification> {
    const checkpoints =
      this.file && existsSync(this.file) ? readCheckpointFile(this.file) : undefined;
    const result = await this.audit.verifyChain({ checkpoints });
    if (result.ok && result.head) this.record(result.head);
    return result;
  }

  private record(head: AuditCheckpoint): AuditCheckpoint | null {
    if (head.seq === this.lastSeq) return null;
    if (this.file) appendCheckpoint(this.file, head);
    this.lastSeq = head.seq;
    this.logger.log({ checkpoint: head, file: this.file ?? null }, 'audit chain checkpoint');
    return head;
  }

  private async onSchedule(): Promise<void> {
    try {
      await this.takeCheckpoint();
    } catch (error) {
      this.logger.error({ err: error }, 'audit chain checkpoint failed; retrying on schedule');
    }
  }
}

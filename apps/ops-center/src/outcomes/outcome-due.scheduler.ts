import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { KUZET_CONFIG, KuzetConfig } from '@kuzet/config';
import { scheduleEvery } from '@kuzet/platform';
import { OutcomesService } from './outcomes.service';

/** Confirmed alerts with no outcome within OPS_OUTCOME_DUE_AFTER_MS are flagged to the
 * supervisors (on the alert, in the live feed, and in GET /v1/outcomes/overdue). */
@Injectable()
export class OutcomeDueScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(OutcomeDueScheduler.name);
  private running = false;

  constructor(
    private readonly outcomes: OutcomesService,
    @Inject(KUZET_CONFIG) private readonly config: KuzetConfig,
    private readonly scheduler: SchedulerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    const every = Math.max(1_000, Math.min(60_000, this.config.OPS_OUTCOME_DUE_AFTER_MS / 4));
    scheduleEvery(this.scheduler, 'alert-outcome-due', every, () => this.tick());
  }

  async tick(now: Date = new Date()): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    try {
      return await this.outcomes.flagOverdue(
        new Date(now.getTime() - this.config.OPS_OUTCOME_DUE_AFTER_MS),
      );
    } catch (error) {
      this.logger.error({ err: String(error) }, 'outcome-due pass failed');
      return 0;
    } finally {
      this.running = false;
    }
  }
}

import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { KUZET_CONFIG, KuzetConfig } from '@kuzet/config';
import { scheduleEvery } from '@kuzet/platform';
import { AlertsService } from '../alerts/alerts.service';

/** Alerts nobody acknowledged within OPS_ESCALATE_AFTER_MS go to the supervisors. */
@Injectable()
export class EscalationScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(EscalationScheduler.name);
  private running = false;

  constructor(
    private readonly alerts: AlertsService,
    @Inject(KUZET_CONFIG) private readonly config: KuzetConfig,
    private readonly scheduler: SchedulerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    const every = Math.max(1_000, Math.min(10_000, this.config.OPS_ESCALATE_AFTER_MS / 4));
    scheduleEvery(this.scheduler, 'alert-escalation', every, () => this.tick());
  }

  async tick(now: Date = new Date()): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    try {
      return await this.alerts.escalateOverdue(
        new Date(now.getTime() - this.config.OPS_ESCALATE_AFTER_MS),
      );
    } catch (error) {
      this.logger.error({ err: String(error) }, 'escalation pass failed');
      return 0;
    } finally {
      this.running = false;
    }
  }
}

import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { KUZET_CONFIG, KuzetConfig } from '@kuzet/config';
import { AlertsService } from '../alerts/alerts.service';

/** Alerts nobody acknowledged within OPS_ESCALATE_AFTER_MS go to the supervisors. */
@Injectable()
export class EscalationScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(EscalationScheduler.name);
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly alerts: AlertsService,
    @Inject(KUZET_CONFIG) private readonly config: KuzetConfig,
  ) {}

  onApplicationBootstrap(): void {
    const every = Math.max(1_000, Math.min(10_000, this.config.OPS_ESCALATE_AFTER_MS / 4));
    this.timer = setInterval(() => void this.tick(), every);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
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

import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { KUZET_CONFIG, KuzetConfig } from '@kuzet/config';
import { ConsumerGroupStatus, MESSAGE_BUS, MessageBus } from '@kuzet/messaging';

@Injectable()
export class MessagingHealthIndicator {
  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(KUZET_CONFIG) private readonly config: Readonly<KuzetConfig>,
    private readonly indicators: HealthIndicatorService,
  ) {}

  async check(key = 'messaging'): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check(key);
    try {
      await withTimeout(this.bus.checkHealth(), 3_000);
      return indicator.up({ transport: this.bus.transport });
    } catch (error) {
      return indicator.down({
        transport: this.bus.transport,
        message: error instanceof Error ? error.message : String(error),
      });
    }
  }

  /** One indicator per consumer group, keyed `consumer:<group>`: down once the group has been
   * other than running for longer than KAFKA_CONSUMER_DOWN_GRACE_MS (a rebalance or a broker
   * restart passes within it). */
  consumerGroupChecks(now = Date.now()): (() => HealthIndicatorResult)[] {
    const grace = this.config.KAFKA_CONSUMER_DOWN_GRACE_MS;
    return this.bus.consumerGroups().map((group) => () => {
      const indicator = this.indicators.check(`consumer:${group.groupId}`);
      const details = describe(group, now);
      const down = group.state !== 'running' && now - group.since > grace;
      return down ? indicator.down(details) : indicator.up(details);
    });
  }
}

function describe(group: ConsumerGroupStatus, now: number): Record<string, unknown> {
  return {
    topic: group.topic,
    state: group.state,
    forMs: now - group.since,
    restarts: group.restarts,
    lag: group.lag,
    ...(group.state === 'running' || group.lastError === undefined
      ? {}
      : { lastError: group.lastError }),
  };
}

function withTimeout(work: Promise<void>, ms: number): Promise<void> {
  return Promise.race([
    work,
    new Promise<void>((_, reject) =>
      setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref(),
    ),
  ]);
}

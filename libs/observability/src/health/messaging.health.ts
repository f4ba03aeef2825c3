import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { MESSAGE_BUS, MessageBus } from '@kuzet/messaging/message-bus';

@Injectable()
export class MessagingHealthIndicator {
  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
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
}

function withTimeout(work: Promise<void>, ms: number): Promise<void> {
  return Promise.race([
    work,
    new Promise<void>((_, reject) =>
      setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref(),
    ),
  ]);
}

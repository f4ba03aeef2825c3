import { counter, gauge } from '@kuzet/observability';

/** Where a subscription's consumer is:
 * - starting: joining its group for the first time;
 * - running: a member of its group, fetching;
 * - restarting: it failed and is being started again (by kafkajs or by the supervisor);
 * - crashed: it failed and kafkajs gave up; the supervisor restarts it after a back-off. */
export type ConsumerState = 'starting' | 'running' | 'restarting' | 'crashed';

export const CONSUMER_STATES: readonly ConsumerState[] = [
  'starting',
  'running',
  'restarting',
  'crashed',
];

export interface ConsumerGroupStatus {
  readonly groupId: string;
  readonly topic: string;
  readonly state: ConsumerState;
  /** When the state last changed (epoch ms). */
  readonly since: number;
  /** Restarts after a crash since the subscription began. */
  readonly restarts: number;
  /** Records on the topic not yet committed by the group; null until first measured. */
  readonly lag: number | null;
  readonly lastError?: string;
}

const restartsTotal = counter({
  name: 'kuzet_consumer_restarts_total',
  help: 'Consumers restarted after a crash, by consumer group',
  labelNames: ['group'] as const,
});
const stateGauge = gauge({
  name: 'kuzet_consumer_state',
  help: 'A consumer group subscription is in this state (1) or not (0)',
  labelNames: ['group', 'state'] as const,
});
const lagGauge = gauge({
  name: 'kuzet_consumer_lag',
  help: 'Records on the topic the consumer group has not committed yet',
  labelNames: ['group', 'topic'] as const,
});

/** One subscription's state, mirrored into the metrics as it changes. */
export class ConsumerStatusTracker {
  private state: ConsumerState = 'starting';
  private since = Date.now();
  private restarts = 0;
  private lag: number | null = null;
  private lastError?: string;

  constructor(
    readonly groupId: string,
    readonly topic: string,
  ) {
    this.publishState();
  }

  get current(): ConsumerState {
    return this.state;
  }

  set(state: ConsumerState, error?: unknown): void {
    if (error !== undefined)
      this.lastError = error instanceof Error ? error.message : String(error);
    if (state === this.state) return;
    this.state = state;
    this.since = Date.now();
    this.publishState();
  }

  restarted(): void {
    this.restarts += 1;
    restartsTotal.inc({ group: this.groupId });
  }

  setLag(lag: number): void {
    this.lag = lag;
    lagGauge.set({ group: this.groupId, topic: this.topic }, lag);
  }

  status(): ConsumerGroupStatus {
    return {
      groupId: this.groupId,
      topic: this.topic,
      state: this.state,
      since: this.since,
      restarts: this.restarts,
      lag: this.lag,
      ...(this.lastError === undefined ? {} : { lastError: this.lastError }),
    };
  }

  /** The subscription ended: its series leave /metrics (a per-instance group would otherwise
   * keep one series per start). */
  remove(): void {
    for (const state of CONSUMER_STATES) stateGauge.remove({ group: this.groupId, state });
    lagGauge.remove({ group: this.groupId, topic: this.topic });
  }

  private publishState(): void {
    for (const state of CONSUMER_STATES) {
      stateGauge.set({ group: this.groupId, state }, state === this.state ? 1 : 0);
    }
  }
}

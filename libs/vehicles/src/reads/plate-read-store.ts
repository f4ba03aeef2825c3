import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { randomUUID } from 'node:crypto';
import { AuditLogService } from '@kuzet/audit-log';
import { KUZET_CONFIG, KuzetConfig } from '@kuzet/config';
import { DayPartition, PlateReadRepository, PlateReadRow, utcDay } from './plate-read.repository';

const DAY_MS = 86_400_000;
/** Partitions exist from yesterday to this many days ahead, so midnight never finds none. */
export const PARTITION_DAYS_AHEAD = 2;

export interface StoreResult {
  readonly stored: number;
  /** Reads older than the retention: they would be dropped at once, so they are not kept. */
  readonly expired: number;
  /** Reads dated beyond the partitions ahead (a camera clock days fast). */
  readonly future: number;
}

export interface DroppedPartition {
  readonly partition: string;
  readonly day: string;
  readonly rows: number;
}

/**
 * The plate-read table's life: reads stored in bulk into day partitions, partitions created
 * ahead, and partitions older than PLATE_READ_RETENTION_DAYS dropped whole (no mass DELETE),
 * each drop on the audit log as `retention.purged` in the drop's own transaction. Runs where
 * the reads are taken in (the matcher): at start, before any consumer, then every
 * PLATE_READ_PARTITION_INTERVAL_MS.
 */
@Injectable()
export class PlateReadStore implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(PlateReadStore.name);
  private readonly known = new Set<number>();
  private running?: Promise<DroppedPartition[]>;

  constructor(
    private readonly repository: PlateReadRepository,
    private readonly audit: AuditLogService,
    @Inject(KUZET_CONFIG) private readonly config: Readonly<KuzetConfig>,
    private readonly scheduler: SchedulerRegistry,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.maintain();
    const interval = this.config.PLATE_READ_PARTITION_INTERVAL_MS;
    if (interval === 0) return;
    // on @nestjs/schedule like every periodic job (libs/platform's scheduleEvery, a layer up)
    const timer = setInterval(() => void this.maintainOnSchedule(), interval);
    timer.unref();
    this.scheduler.addInterval('plate-read-partitions', timer);
  }

  /** The scheduler has cleared the interval by now: maintenance under way is waited for. */
  async onApplicationShutdown(): Promise<void> {
    await this.running?.catch(() => undefined);
  }

  /** Creates the partitions ahead and drops expired ones; a call while one runs waits for it. */
  maintain(now: Date = new Date()): Promise<DroppedPartition[]> {
    this.running ??= (async () => {
      const today = utcDay(now).getTime();
      const days: number[] = [];
      for (let d = -1; d <= PARTITION_DAYS_AHEAD; d++) days.push(today + d * DAY_MS);
      await this.ensure(days.filter((day) => day + DAY_MS > this.cutoff(now).getTime()));
      return this.dropExpired(now);
    })().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Stores the reads that fall within the retention and the partitions ahead. */
  async store(rows: readonly PlateReadRow[], now: Date = new Date()): Promise<StoreResult> {
    const cutoff = this.cutoff(now).getTime();
    const end = utcDay(now).getTime() + (PARTITION_DAYS_AHEAD + 1) * DAY_MS;
    const kept: PlateReadRow[] = [];
    let expired = 0;
    let future = 0;
    for (const row of rows) {
      const at = row.readAt.getTime();
      if (at < cutoff) expired++;
      else if (at >= end) future++;
      else kept.push(row);
    }
    // a late read may belong to a day before yesterday: its partition is made on demand
    await this.ensure([...new Set(kept.map((r) => utcDay(r.readAt).getTime()))]);
    const stored = await this.repository.insert(kept);
    return { stored, expired, future };
  }

  private cutoff(now: Date): Date {
    return new Date(now.getTime() - this.config.PLATE_READ_RETENTION_DAYS * DAY_MS);
  }

  private async ensure(days: readonly number[]): Promise<void> {
    const missing = days.filter((day) => !this.known.has(day));
    if (missing.length === 0) return;
    await this.repository.transaction(async (manager) => {
      await this.repository.lockPartitions(manager);
      for (const day of missing) await this.repository.createPartition(new Date(day), manager);
    });
    for (const day of missing) this.known.add(day);
  }

  private async dropExpired(now: Date): Promise<DroppedPartition[]> {
    const cutoff = this.cutoff(now).getTime();
    const expired = (await this.repository.partitions()).filter(
      (p) => p.day.getTime() + DAY_MS <= cutoff,
    );
    const dropped: DroppedPartition[] = [];
    for (const partition of expired) {
      const done = await this.drop(partition, now);
      if (done) dropped.push(done);
    }
    if (dropped.length > 0) this.logger.log({ dropped }, 'plate-read partitions dropped');
    return dropped;
  }

  private drop(partition: DayPartition, now: Date): Promise<DroppedPartition | null> {
    return this.repository.transaction(async (manager) => {
      await this.repository.lockPartitions(manager);
      // another instance may have dropped it while this one waited for the lock
      const still = await this.repository.partitions(manager);
      if (!still.some((p) => p.name === partition.name)) return null;
      const rows = await this.repository.countRows(partition, manager);
      const day = partition.day.toISOString().slice(0, 10);
      await this.audit.append(
        {
          actor: 'retention',
          action: 'retention.purged',
          subjectType: 'plate-read-partition',
          subjectId: randomUUID(),
          details: {
            partition: partition.name,
            day,
            count: rows,
            retentionDays: this.config.PLATE_READ_RETENTION_DAYS,
            droppedAt: now.toISOString(),
          },
        },
        manager,
      );
      await this.repository.dropPartition(partition, manager);
      this.known.delete(partition.day.getTime());
      return { partition: partition.name, day, rows };
    });
  }

  private async maintainOnSchedule(): Promise<void> {
    try {
      await this.maintain();
    } catch (error) {
      this.logger.error({ err: error }, 'plate-read partition upkeep failed; retrying on schedule');
    }
  }
}

import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
  OnModuleInit,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  decodeVehicleListChange,
  timestampMs,
  VehicleListChangeKind,
  VehicleMatchPolicy,
} from '@kuzet/contracts';
import {
  InboundMessage,
  MESSAGE_BUS,
  MessageBus,
  RejectedMessageError,
  Subscription,
  TOPICS,
} from '@kuzet/messaging';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { MatchPolicy, PlateIndex, rejectedReadsOf, VehicleListRepository } from '@kuzet/vehicles';

const REBUILD_PAGE = 5_000;
const POLICY: Record<number, MatchPolicy> = {
  [VehicleMatchPolicy.EXACT]: 'exact',
  [VehicleMatchPolicy.CONFUSION]: 'confusion',
  [VehicleMatchPolicy.EDIT]: 'edit',
};

/** Keeps this matcher's plate index equal to PostgreSQL: rebuilt before any read is matched
 * (onModuleInit runs before the consumers subscribe), then every change from the compacted
 * topic, in a consumer group of its own so every matcher sees every change. */
@Injectable()
export class PlateIndexSync implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(PlateIndexSync.name);
  private readonly versions = new Map<string, number>();
  private subscription?: Subscription;

  constructor(
    private readonly index: PlateIndex,
    private readonly repository: VehicleListRepository,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async onModuleInit(): Promise<void> {
    const lists = new Map((await this.repository.lists()).map((l) => [l.id, l]));
    let afterId: string | null = null;
    for (;;) {
      const page = await this.repository.activePage(afterId, REBUILD_PAGE);
      if (page.length === 0) break;
      const rejected = await rejectedReadsOf(
        this.dataSource.manager,
        page.map((e) => e.id),
      );
      for (const entry of page) {
        const list = lists.get(entry.listId);
        if (!list) continue;
        const expires = [entry.expiresAt, list.expiresAt].filter((d): d is Date => d !== null);
        this.versions.set(entry.id, entry.version);
        this.index.upsert({
          entryId: entry.id,
          listId: list.id,
          plate: entry.plate,
          policy: list.matchPolicy,
          category: list.category,
          priority: list.priority,
          expiresAtMs: expires.length ? Math.min(...expires.map((d) => d.getTime())) : null,
          rejectedReads: rejected.has(entry.id) ? new Set(rejected.get(entry.id)) : undefined,
        });
      }
      afterId = page[page.length - 1]!.id;
    }
    this.logger.log({ entries: this.index.size }, 'plate index ready');
  }

  async onApplicationBootstrap(): Promise<void> {
    this.subscription = await this.bus.subscribe({
      topic: TOPICS.vehicleListChanges,
      groupId: `kuzet-matcher-plates.${hostname()}.${process.pid}.${randomUUID().slice(0, 8)}`,
      handler: (message) => this.apply(message),
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.subscription?.close();
  }

  private async apply(message: InboundMessage): Promise<void> {
    if (message.value.length === 0 && message.key) {
      this.index.remove(message.key);
      return;
    }
    const decoded = decodeVehicleListChange(message.value);
    if (!decoded.ok) throw new RejectedMessageError('invalid_vehicle_list_change', decoded.errors);
    const change = decoded.value;
    const version = Number(change.version);
    // the topic replays old snapshots: only a newer one is applied
    if ((this.versions.get(change.entryId) ?? 0) >= version) return;
    this.versions.set(change.entryId, version);
    if (change.kind === VehicleListChangeKind.REMOVED) {
      this.index.remove(change.entryId);
      return;
    }
    this.index.upsert({
      entryId: change.entryId,
      listId: change.listId,
      plate: change.plate,
      policy: POLICY[change.matchPolicy] ?? 'exact',
      category: change.category,
      priority: change.priority,
      expiresAtMs: change.expiresAt ? timestampMs(change.expiresAt) : null,
      rejectedReads: change.rejectedReads.length > 0 ? new Set(change.rejectedReads) : undefined,
    });
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  create,
  encodeVehicleListChange,
  timestampFromDate,
  VehicleListChangeKind,
  VehicleListChangeSchema,
  VehicleMatchPolicy,
  MAX_REJECTED_READS,
} from '@kuzet/contracts';
import { MESSAGE_BUS, MessageBus, TOPICS } from '@kuzet/messaging';
import { earliestExpiry } from '@kuzet/persistence';
import type { MatchPolicy } from '../matching/plate-index';
import type { VehicleEntryRow, VehicleListRow } from './vehicle-list.repository';
import { rejectedReadsOf } from './rejected-reads.query';

export const POLICY_TO_PROTO: Record<MatchPolicy, VehicleMatchPolicy> = {
  exact: VehicleMatchPolicy.EXACT,
  confusion: VehicleMatchPolicy.CONFUSION,
  edit: VehicleMatchPolicy.EDIT,
};

/** Every entry change goes to the compacted topic keyed by entry, as a full snapshot, so
 * running matchers apply it within moments; PostgreSQL stays the source of truth. */
@Injectable()
export class VehicleListChangePublisher {
  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async publish(entry: VehicleEntryRow, list: VehicleListRow): Promise<void> {
    // an archived list's plates leave every matcher's index like removed ones
    const removed = entry.status !== 'active' || list.archivedAt !== null;
    const expiresAt = earliestExpiry(entry.expiresAt, list.expiresAt);
    // "not this car" reads ride on every snapshot, so no other change drops them
    const rejectedReads = removed
      ? []
      : ((await rejectedReadsOf(this.dataSource.manager, [entry.id])).get(entry.id) ?? []).slice(
          -MAX_REJECTED_READS,
        );
    const change = create(VehicleListChangeSchema, {
      entryId: entry.id,
      kind: removed ? VehicleListChangeKind.REMOVED : VehicleListChangeKind.UPSERTED,
      listId: list.id,
      plate: removed ? '' : entry.plate,
      category: removed ? '' : list.category,
      priority: list.priority,
      matchPolicy: POLICY_TO_PROTO[list.matchPolicy],
      caseReference: removed ? '' : (entry.caseReference ?? ''),
      description: removed ? '' : (entry.description ?? ''),
      version: BigInt(entry.version),
      occurredAt: timestampFromDate(new Date()),
      expiresAt: expiresAt ? timestampFromDate(expiresAt) : undefined,
      rejectedReads,
    });
    await this.bus.publish(TOPICS.vehicleListChanges, [
      { key: entry.id, value: encodeVehicleListChange(change) },
    ]);
  }
}

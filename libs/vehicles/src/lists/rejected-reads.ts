import { Injectable, Logger, Module } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditLogService } from '@kuzet/audit-log';
import { VehicleListChangePublisher } from './vehicle-list-change.publisher';
import { VehicleListRepository } from './vehicle-list.repository';
export { rejectedReadsOf } from './rejected-reads.query';

/** "Not this car": a rejected confusion or edit hit stops that read matching that entry on
 * every matcher (through the vehicle list change topic). An exact read is the listed plate
 * itself: its rejection is recorded on the alert, and the entry keeps matching. */
@Injectable()
export class VehicleRejections {
  private readonly logger = new Logger(VehicleRejections.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly lists: VehicleListRepository,
    private readonly publisher: VehicleListChangePublisher,
    private readonly audit: AuditLogService,
  ) {}

  /** Inside the rejection's transaction; the entry to republish after the commit, or null. */
  async rejectFromHit(alertId: string, actor: string, manager: EntityManager) {
    const [hit]: { entry_id: string; plate_normalised: string; match_kind: string }[] =
      await manager.query(
        `SELECT entry_id, plate_normalised, match_kind FROM vehicle_hit WHERE id = $1`,
        [alertId],
      );
    if (!hit || hit.match_kind === 'exact') return null;
    const inserted: unknown[] = await manager.query(
      `INSERT INTO vehicle_rejected_read (entry_id, plate, alert_id, created_by)
       VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING plate`,
      [hit.entry_id, hit.plate_normalised, alertId, actor],
    );
    if (inserted.length === 0) return null;
    await manager.query(`UPDATE vehicle_list_entry SET version = version + 1 WHERE id = $1`, [
      hit.entry_id,
    ]);
    await this.audit.append(
      {
        actor,
        action: 'vehicle-list.read-rejected',
        subjectType: 'vehicle-list-entry',
        subjectId: hit.entry_id,
        details: { alertId, plateRead: hit.plate_normalised, matchKind: hit.match_kind },
      },
      manager,
    );
    return hit.entry_id;
  }

  async republish(entryId: string): Promise<void> {
    const entry = await this.lists.entry(entryId);
    const list = entry ? await this.lists.list(entry.listId) : null;
    if (!entry || !list) return;
    await this.publisher.publish(entry, list);
    this.logger.log({ entryId }, 'vehicle entry republished with a rejected read');
  }
}

/** What the alert decisions need of vehicle lists ("not this car"); no REST of its own. */
@Module({
  providers: [VehicleListRepository, VehicleListChangePublisher, VehicleRejections],
  exports: [VehicleRejections],
})
export class VehicleRejectionsModule {}

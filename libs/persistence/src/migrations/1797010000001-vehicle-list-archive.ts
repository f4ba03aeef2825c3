import { MigrationInterface, QueryRunner } from 'typeorm';

/** A vehicle list can be archived with a reason: no longer matched, its entries and hits kept. */
export class VehicleListArchive1797010000001 implements MigrationInterface {
  name = 'VehicleListArchive1797010000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE vehicle_list
        ADD COLUMN archived_at timestamptz,
        ADD COLUMN archived_by text,
        ADD COLUMN archive_reason text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE vehicle_list DROP COLUMN archive_reason, DROP COLUMN archived_by,
        DROP COLUMN archived_at`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/** Each centre may turn analytics detection types off: their detections raise no alert there. */
export class CentreAnalyticsOff1796435228338 implements MigrationInterface {
  name = 'CentreAnalyticsOff1796435228338';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE operations_centre ADD COLUMN analytics_off text[] NOT NULL DEFAULT '{}'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE operations_centre DROP COLUMN analytics_off`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/** The retention purge deletes suppressed matches and "not this car" rejected reads older than
 * the evidence retention: indexes on the times it selects them by. */
export class LearningRetentionIndexes1796436669103 implements MigrationInterface {
  name = 'LearningRetentionIndexes1796436669103';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX suppressed_match_recorded_idx ON suppressed_match (recorded_at)`,
    );
    await queryRunner.query(
      `CREATE INDEX vehicle_rejected_read_created_idx ON vehicle_rejected_read (created_at)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX vehicle_rejected_read_created_idx`);
    await queryRunner.query(`DROP INDEX suppressed_match_recorded_idx`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The console pages the violation log newest first by (logged_at, event_id). logged_at kept
 * microseconds when the database filled it in, so the feed ordered by date_trunc('milliseconds',
 * logged_at) to match the millisecond cursor it hands out; an expression like that (STABLE on a
 * timestamptz) cannot be indexed, so every page sorted every row in scope. Stored at millisecond
 * precision, the column itself orders exactly: one index serves a busy scope's pages from the
 * newest down, the other a centre with few violations.
 *
 * Changing the column's precision rewrites the table under an exclusive lock, and the indexes
 * are not built concurrently: on a large log, run this in a maintenance window (the violation
 * consumer waits meanwhile; nothing is lost).
 */
export class ViolationFeedPaging1764200000000 implements MigrationInterface {
  name = 'ViolationFeedPaging1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE violation_record ALTER COLUMN logged_at TYPE timestamptz(3)`,
    );
    await queryRunner.query(
      `CREATE INDEX violation_record_logged_idx ON violation_record (logged_at, event_id)`,
    );
    await queryRunner.query(
      `CREATE INDEX violation_record_centre_idx ON violation_record (centre_id, logged_at, event_id)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX violation_record_centre_idx`);
    await queryRunner.query(`DROP INDEX violation_record_logged_idx`);
    await queryRunner.query(`ALTER TABLE violation_record ALTER COLUMN logged_at TYPE timestamptz`);
  }
}

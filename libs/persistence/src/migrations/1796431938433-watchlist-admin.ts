import { MigrationInterface, QueryRunner } from 'typeorm';

/** What the watchlist administrator's screens need: a list's colour (the console marks its
 * hits with it), and persons found by case number and by name within a list. */
export class WatchlistAdmin1796431938433 implements MigrationInterface {
  name = 'WatchlistAdmin1796431938433';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE watchlist
        ADD COLUMN colour text CHECK (colour IS NULL OR colour ~ '^#[0-9a-f]{6}$')`);
    await queryRunner.query(`
      CREATE INDEX watchlist_person_case_reference ON watchlist_person (lower(case_reference))`);
    await queryRunner.query(`
      CREATE INDEX watchlist_person_by_name ON watchlist_person (watchlist_id, lower(full_name), id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX watchlist_person_by_name`);
    await queryRunner.query(`DROP INDEX watchlist_person_case_reference`);
    await queryRunner.query(`ALTER TABLE watchlist DROP COLUMN colour`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/** Per-person instructions (issue 19 item 5): what an officer must do about this person,
 * answered to badges and shown to operators instead of the list's when set. */
export class PersonInstructions1797011000000 implements MigrationInterface {
  name = 'PersonInstructions1797011000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE watchlist_person ADD COLUMN instructions text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE watchlist_person DROP COLUMN instructions`);
  }
}

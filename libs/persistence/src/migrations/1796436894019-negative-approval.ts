import { MigrationInterface, QueryRunner } from 'typeorm';

/** A "not this person" negative suppresses nothing until a supervisor or a watchlist
 * administrator approves it: face_negative gets a state (pending, approved) and who approved it
 * when. Negatives kept before this were never approved: they start pending too. */
export class NegativeApproval1796436894019 implements MigrationInterface {
  name = 'NegativeApproval1796436894019';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE face_negative
        ADD COLUMN state text NOT NULL DEFAULT 'pending'
          CONSTRAINT face_negative_state_check CHECK (state IN ('pending', 'approved')),
        ADD COLUMN approved_by text,
        ADD COLUMN approved_at timestamptz`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE face_negative DROP COLUMN approved_at, DROP COLUMN approved_by,
        DROP COLUMN state`);
  }
}

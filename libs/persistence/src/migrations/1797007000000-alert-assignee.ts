import { MigrationInterface, QueryRunner } from 'typeorm';

/** Who has an alert: the operator who took it (acknowledged it) or to whom a supervisor gave
 * it, and who gave it when. An escalation hands the alert up and clears it. Alerts taken before
 * this were taken by whoever acknowledged them last. */
export class AlertAssignee1797007000000 implements MigrationInterface {
  name = 'AlertAssignee1797007000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE alert
        ADD COLUMN assignee_id uuid,
        ADD COLUMN assignee text,
        ADD COLUMN assigned_by text,
        ADD COLUMN assigned_at timestamptz`);
    await queryRunner.query(`
      UPDATE alert a SET assignee_id = u.id, assignee = u.username, assigned_by = u.username,
          assigned_at = a.decided_at
        FROM staff_user u
       WHERE a.state = 'acknowledged' AND u.username = a.decided_by`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE alert DROP COLUMN assigned_at, DROP COLUMN assigned_by, DROP COLUMN assignee,
        DROP COLUMN assignee_id`);
  }
}

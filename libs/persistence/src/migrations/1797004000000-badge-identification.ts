import { MigrationInterface, QueryRunner } from 'typeorm';

/** Smart badges (issue 19 item 5): a badge is a registry device of kind 'badge' (its district
 * names the officer's centre, and it is not counted among the cameras); an integrator key may
 * identify faces only when issued with `identify` (default deny); a list may carry the
 * instructions answered to an officer with its hits; an identification with hits reaches the
 * centre as an alert of kind 'badge_identification'. */
export class BadgeIdentification1797004000000 implements MigrationInterface {
  name = 'BadgeIdentification1797004000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE integrator_api_key ADD COLUMN may_identify boolean NOT NULL DEFAULT false`,
    );
    await queryRunner.query(`ALTER TABLE watchlist ADD COLUMN instructions text`);
    await queryRunner.query(`ALTER TABLE camera DROP CONSTRAINT camera_kind_check`);
    await queryRunner.query(
      `ALTER TABLE camera ADD CONSTRAINT camera_kind_check CHECK (kind IN ('camera', 'sos_button', 'badge'))`,
    );
    await queryRunner.query(`ALTER TABLE alert DROP CONSTRAINT alert_kind_check`);
    await queryRunner.query(
      `ALTER TABLE alert ADD CONSTRAINT alert_kind_check CHECK (kind IN ('watchlist_hit', 'alarm', 'vehicle_hit', 'analytics', 'badge_identification'))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM alert WHERE kind = 'badge_identification'`);
    await queryRunner.query(`ALTER TABLE alert DROP CONSTRAINT alert_kind_check`);
    await queryRunner.query(
      `ALTER TABLE alert ADD CONSTRAINT alert_kind_check CHECK (kind IN ('watchlist_hit', 'alarm', 'vehicle_hit', 'analytics'))`,
    );
    await queryRunner.query(`UPDATE camera SET status = 'retired' WHERE kind = 'badge'`);
    await queryRunner.query(`ALTER TABLE camera DROP CONSTRAINT camera_kind_check`);
    await queryRunner.query(`UPDATE camera SET kind = 'camera' WHERE kind = 'badge'`);
    await queryRunner.query(
      `ALTER TABLE camera ADD CONSTRAINT camera_kind_check CHECK (kind IN ('camera', 'sos_button'))`,
    );
    await queryRunner.query(`ALTER TABLE watchlist DROP COLUMN instructions`);
    await queryRunner.query(`ALTER TABLE integrator_api_key DROP COLUMN may_identify`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/** Camera health (issue 19 item 6): each camera may carry its own expected interval between
 * signs of life; a camera silent beyond it raises a `camera_offline` alert, one per outage
 * (claimed by the one open outage row a camera may have, whichever instance gets there first),
 * and the alert is `resolved` when its events return. */
export class CameraOfflineAlerts1797006000000 implements MigrationInterface {
  name = 'CameraOfflineAlerts1797006000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE camera ADD COLUMN silent_after_seconds integer
         CHECK (silent_after_seconds BETWEEN 15 AND 604800)`,
    );
    await queryRunner.query(`ALTER TABLE alert DROP CONSTRAINT alert_kind_check`);
    await queryRunner.query(
      `ALTER TABLE alert ADD CONSTRAINT alert_kind_check
         CHECK (kind IN ('watchlist_hit', 'alarm', 'vehicle_hit', 'analytics', 'badge_identification', 'camera_offline'))`,
    );
    await queryRunner.query(`ALTER TABLE alert DROP CONSTRAINT alert_state_check`);
    await queryRunner.query(
      `ALTER TABLE alert ADD CONSTRAINT alert_state_check
         CHECK (state IN ('new', 'acknowledged', 'confirmed', 'rejected', 'escalated', 'resolved'))`,
    );
    await queryRunner.query(`
      CREATE TABLE camera_outage (
        alert_id uuid PRIMARY KEY REFERENCES alert (id) ON DELETE CASCADE,
        camera_id text NOT NULL,
        silent_since timestamptz NOT NULL,
        raised_at timestamptz NOT NULL,
        cleared_at timestamptz,
        seen_again_at timestamptz,
        CHECK ((cleared_at IS NULL) = (seen_again_at IS NULL))
      )`);
    // at most one open outage per camera: the claim that makes the alert once per outage
    await queryRunner.query(
      `CREATE UNIQUE INDEX camera_outage_open_idx ON camera_outage (camera_id) WHERE cleared_at IS NULL`,
    );
    await queryRunner.query(`CREATE INDEX camera_outage_camera_idx ON camera_outage (camera_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE camera_outage`);
    await queryRunner.query(`DELETE FROM alert WHERE kind = 'camera_offline'`);
    await queryRunner.query(`UPDATE alert SET state = 'confirmed' WHERE state = 'resolved'`);
    await queryRunner.query(`ALTER TABLE alert DROP CONSTRAINT alert_state_check`);
    await queryRunner.query(
      `ALTER TABLE alert ADD CONSTRAINT alert_state_check
         CHECK (state IN ('new', 'acknowledged', 'confirmed', 'rejected', 'escalated'))`,
    );
    await queryRunner.query(`ALTER TABLE alert DROP CONSTRAINT alert_kind_check`);
    await queryRunner.query(
      `ALTER TABLE alert ADD CONSTRAINT alert_kind_check
         CHECK (kind IN ('watchlist_hit', 'alarm', 'vehicle_hit', 'analytics', 'badge_identification'))`,
    );
    await queryRunner.query(`ALTER TABLE camera DROP COLUMN silent_after_seconds`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/** Devices that push their own formats (Hikvision ISAPI alerts, DeepStream sensors) name
 * themselves by serial, MAC or IP and channel: each (device, channel) is at most one camera. */
export class CameraDeviceChannel1764700000000 implements MigrationInterface {
  name = 'CameraDeviceChannel1764700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // scene-analytics detections (dumping, crowds...) are a kind of alert
    await queryRunner.query(`ALTER TABLE alert DROP CONSTRAINT alert_kind_check`);
    await queryRunner.query(
      `ALTER TABLE alert ADD CONSTRAINT alert_kind_check CHECK (kind IN ('watchlist_hit', 'alarm', 'vehicle_hit', 'analytics'))`,
    );
    await queryRunner.query(
      `ALTER TABLE camera ADD COLUMN device_id text, ADD COLUMN device_channel integer, ADD COLUMN last_seen_at timestamptz`,
    );
    await queryRunner.query(
      `ALTER TABLE camera ADD CONSTRAINT camera_device_both CHECK ((device_id IS NULL) = (device_channel IS NULL))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX camera_device_channel_idx ON camera (device_id, device_channel) WHERE device_id IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM alert WHERE kind = 'analytics'`);
    await queryRunner.query(`ALTER TABLE alert DROP CONSTRAINT alert_kind_check`);
    await queryRunner.query(
      `ALTER TABLE alert ADD CONSTRAINT alert_kind_check CHECK (kind IN ('watchlist_hit', 'alarm', 'vehicle_hit'))`,
    );
    await queryRunner.query(`DROP INDEX camera_device_channel_idx`);
    await queryRunner.query(
      `ALTER TABLE camera DROP COLUMN device_id, DROP COLUMN device_channel, DROP COLUMN last_seen_at`,
    );
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The first content seen for each event_id on kuzet.camera-events.v1, whichever consumer group
 * saw it first: a later record with the same id and other content is a conflict (HTTP: 409) in
 * every group alike, because they all compare with this one row.
 */
export class CameraEventFingerprints1764400000000 implements MigrationInterface {
  name = 'CameraEventFingerprints1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE camera_event_fingerprint (
        event_id uuid PRIMARY KEY,
        sha256 bytea NOT NULL CHECK (octet_length(sha256) = 32),
        first_seen_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX camera_event_fingerprint_seen_idx ON camera_event_fingerprint (first_seen_at)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE camera_event_fingerprint');
  }
}

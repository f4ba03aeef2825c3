import { MigrationInterface, QueryRunner } from 'typeorm';

export class IngestedEvents1763800100000 implements MigrationInterface {
  name = 'IngestedEvents1763800100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE ingested_event (
        event_id uuid PRIMARY KEY,
        camera_id text NOT NULL,
        payload_sha256 bytea NOT NULL CHECK (length(payload_sha256) = 32),
        api_key_id text NOT NULL,
        accepted_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz
      )`);
    await queryRunner.query(
      `CREATE INDEX ingested_event_pending_idx ON ingested_event (accepted_at) WHERE published_at IS NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ingested_event`);
  }
}

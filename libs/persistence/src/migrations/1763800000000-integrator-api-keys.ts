import { MigrationInterface, QueryRunner } from 'typeorm';

export class IntegratorApiKeys1763800000000 implements MigrationInterface {
  name = 'IntegratorApiKeys1763800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE integrator_api_key (
        id text PRIMARY KEY CHECK (id ~ '^[a-z0-9]{12,32}$'),
        integrator_id text NOT NULL CHECK (length(integrator_id) BETWEEN 1 AND 128),
        label text NOT NULL CHECK (length(label) BETWEEN 1 AND 200),
        secret_sha256 bytea NOT NULL CHECK (length(secret_sha256) = 32),
        camera_ids text[] NOT NULL DEFAULT '{}',
        district_ids text[] NOT NULL DEFAULT '{}',
        rate_limit_per_minute integer CHECK (rate_limit_per_minute > 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      )`);
    await queryRunner.query(
      `CREATE INDEX integrator_api_key_integrator_idx ON integrator_api_key (integrator_id)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE integrator_api_key`);
  }
}

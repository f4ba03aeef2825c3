import { MigrationInterface, QueryRunner } from 'typeorm';

export class CameraRegistry1763769600000 implements MigrationInterface {
  name = 'CameraRegistry1763769600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE operations_centre (
        id text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{0,63}$'),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        kind text NOT NULL CHECK (kind IN ('main', 'district')),
        parent_centre_id text REFERENCES operations_centre (id) ON DELETE RESTRICT,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK (kind = 'district' OR parent_centre_id IS NULL)
      )`);
    await queryRunner.query(`
      CREATE TABLE district (
        id text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{0,63}$'),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        centre_id text NOT NULL REFERENCES operations_centre (id) ON DELETE RESTRICT,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE camera (
        id text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 128),
        name text NOT NULL,
        district_id text NOT NULL REFERENCES district (id) ON DELETE RESTRICT,
        centre_id text NOT NULL REFERENCES operations_centre (id) ON DELETE RESTRICT,
        latitude double precision CHECK (latitude BETWEEN -90 AND 90),
        longitude double precision CHECK (longitude BETWEEN -180 AND 180),
        address text,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX camera_district_idx ON camera (district_id)`);
    await queryRunner.query(`CREATE INDEX camera_centre_idx ON camera (centre_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE camera`);
    await queryRunner.query(`DROP TABLE district`);
    await queryRunner.query(`DROP TABLE operations_centre`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/** Vehicle lists (stolen, wanted, ...) and their entries, the vehicle match log, and vehicle
 * hits as a kind of alert. */
export class VehicleListsAndHits1764500000000 implements MigrationInterface {
  name = 'VehicleListsAndHits1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE vehicle_list (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        category text NOT NULL,
        priority integer NOT NULL CHECK (priority BETWEEN 0 AND 100),
        match_policy text NOT NULL CHECK (match_policy IN ('exact', 'confusion', 'edit')),
        expires_at timestamptz,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE vehicle_list_entry (
        id uuid PRIMARY KEY,
        list_id uuid NOT NULL REFERENCES vehicle_list (id) ON DELETE RESTRICT,
        plate text NOT NULL,
        plate_as_listed text NOT NULL,
        case_reference text,
        description text,
        expires_at timestamptz,
        status text NOT NULL CHECK (status IN ('active', 'removed')),
        version integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX vehicle_list_entry_plate_idx ON vehicle_list_entry (list_id, plate) WHERE status = 'active'`,
    );
    await queryRunner.query(`
      CREATE TABLE vehicle_hit (
        id uuid PRIMARY KEY,
        event_id uuid NOT NULL,
        camera_id text NOT NULL,
        entry_id uuid NOT NULL,
        list_id uuid NOT NULL,
        plate_read text NOT NULL,
        plate_normalised text NOT NULL,
        plate_listed text NOT NULL,
        match_kind text NOT NULL CHECK (match_kind IN ('exact', 'confusion', 'edit')),
        position integer,
        confidence real NOT NULL,
        direction text,
        plate_crop_ref text,
        overview_ref text,
        sighting_count integer NOT NULL DEFAULT 1,
        captured_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL,
        matched_at timestamptz NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX vehicle_hit_dedup_idx ON vehicle_hit (entry_id, camera_id, last_seen_at DESC)`,
    );
    // one row per read and entry: a redelivered read is recognised, not counted twice
    await queryRunner.query(`
      CREATE TABLE vehicle_hit_sighting (
        event_id uuid NOT NULL,
        entry_id uuid NOT NULL,
        hit_id uuid NOT NULL REFERENCES vehicle_hit (id) ON DELETE CASCADE,
        PRIMARY KEY (event_id, entry_id)
      )`);
    await queryRunner.query(`
      CREATE TABLE vehicle_evidence (
        id text PRIMARY KEY,
        content bytea NOT NULL,
        expires_at timestamptz NOT NULL
      )`);
    await queryRunner.query(`ALTER TABLE alert DROP CONSTRAINT alert_kind_check`);
    await queryRunner.query(
      `ALTER TABLE alert ADD CONSTRAINT alert_kind_check CHECK (kind IN ('watchlist_hit', 'alarm', 'vehicle_hit'))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM alert WHERE kind = 'vehicle_hit'`);
    await queryRunner.query(`ALTER TABLE alert DROP CONSTRAINT alert_kind_check`);
    await queryRunner.query(
      `ALTER TABLE alert ADD CONSTRAINT alert_kind_check CHECK (kind IN ('watchlist_hit', 'alarm'))`,
    );
    await queryRunner.query(`DROP TABLE vehicle_evidence`);
    await queryRunner.query(`DROP TABLE vehicle_hit_sighting`);
    await queryRunner.query(`DROP TABLE vehicle_hit`);
    await queryRunner.query(`DROP TABLE vehicle_list_entry`);
    await queryRunner.query(`DROP TABLE vehicle_list`);
  }
}

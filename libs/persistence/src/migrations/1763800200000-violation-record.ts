import { MigrationInterface, QueryRunner } from 'typeorm';

export class ViolationRecord1763800200000 implements MigrationInterface {
  name = 'ViolationRecord1763800200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE violation_record (
        event_id uuid PRIMARY KEY,
        camera_id text NOT NULL,
        district_id text,
        centre_id text,
        code text NOT NULL CHECK (code IN ('speeding', 'red_light', 'illegal_dumping', 'no_seat_belt', 'wrong_way_driving')),
        plate text NOT NULL,
        measured_speed_kmh double precision,
        limit_speed_kmh double precision,
        evidence_ref text NOT NULL,
        lane integer,
        source_id text,
        captured_at timestamptz NOT NULL,
        logged_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX violation_record_captured_idx ON violation_record (captured_at, event_id)`,
    );
    await queryRunner.query(
      `CREATE INDEX violation_record_district_idx ON violation_record (district_id, captured_at)`,
    );
    await queryRunner.query(
      `CREATE INDEX violation_record_code_idx ON violation_record (code, captured_at)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE violation_record`);
  }
}

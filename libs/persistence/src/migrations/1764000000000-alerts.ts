import { MigrationInterface, QueryRunner } from 'typeorm';

export class Alerts1764000000000 implements MigrationInterface {
  name = 'Alerts1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE SEQUENCE alert_seq`);
    await queryRunner.query(`
      CREATE TABLE alert (
        id uuid PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('watchlist_hit', 'alarm')),
        state text NOT NULL CHECK (state IN ('new', 'acknowledged', 'confirmed', 'rejected', 'escalated')),
        priority integer NOT NULL,
        centre_id text,
        parent_centre_id text,
        district_id text,
        camera_id text NOT NULL,
        event_id uuid NOT NULL,
        person_id uuid,
        watchlist_id uuid,
        similarity real,
        threshold real,
        face_crop_ref text,
        message text,
        sighting_count integer NOT NULL DEFAULT 1,
        captured_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL,
        decided_by text,
        decided_at timestamptz,
        decision_reason text,
        seq bigint NOT NULL DEFAULT nextval('alert_seq'),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // every change moves the alert to the end of the feed consoles catch up from
    await queryRunner.query(`
      CREATE FUNCTION alert_bump_seq() RETURNS trigger AS $$
      BEGIN
        NEW.seq := nextval('alert_seq');
        RETURN NEW;
      END;
      $$ LANGUAGE plpgsql`);
    await queryRunner.query(
      `CREATE TRIGGER alert_bump_seq BEFORE UPDATE ON alert FOR EACH ROW EXECUTE FUNCTION alert_bump_seq()`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX alert_seq_idx ON alert (seq)`);
    await queryRunner.query(`CREATE INDEX alert_centre_idx ON alert (centre_id, captured_at DESC)`);
    await queryRunner.query(
      `CREATE INDEX alert_parent_centre_idx ON alert (parent_centre_id, captured_at DESC)`,
    );
    await queryRunner.query(`CREATE INDEX alert_person_idx ON alert (person_id, captured_at DESC)`);
    await queryRunner.query(
      `CREATE INDEX alert_open_idx ON alert (state, created_at) WHERE state = 'new'`,
    );
    await queryRunner.query(`
      CREATE TABLE alert_decision (
        id uuid PRIMARY KEY,
        alert_id uuid NOT NULL REFERENCES alert (id) ON DELETE RESTRICT,
        action text NOT NULL CHECK (action IN ('acknowledge', 'confirm', 'reject', 'escalate')),
        reason text,
        user_id text NOT NULL,
        username text NOT NULL,
        decided_at timestamptz NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX alert_decision_alert_idx ON alert_decision (alert_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE alert_decision`);
    await queryRunner.query(`DROP TABLE alert`);
    await queryRunner.query(`DROP FUNCTION alert_bump_seq`);
    await queryRunner.query(`DROP SEQUENCE alert_seq`);
  }
}

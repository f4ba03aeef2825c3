import { MigrationInterface, QueryRunner } from 'typeorm';

/** From alert to outcome (issue 20): each centre's patrol units; what happened after an
 * operator confirmed an alert (dispatch, arrival, outcome), one append-only row per step, a
 * correction being a newer row that names the one it corrects; the flag on a confirmed alert
 * still without an outcome; and the registry totals the monthly report needs (a camera that
 * exists but is not connected to a centre, a district's count of all its cameras where only a
 * total is known). */
export class AlertOutcomes1796431943912 implements MigrationInterface {
  name = 'AlertOutcomes1796431943912';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE patrol_unit (
        id uuid PRIMARY KEY,
        centre_id text NOT NULL REFERENCES operations_centre (id) ON DELETE RESTRICT,
        call_sign text NOT NULL,
        active boolean NOT NULL DEFAULT true,
        created_by text NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        UNIQUE (centre_id, call_sign)
      )`);
    await queryRunner.query(`
      CREATE TABLE alert_outcome_entry (
        id uuid PRIMARY KEY,
        alert_id uuid NOT NULL REFERENCES alert (id) ON DELETE CASCADE,
        step text NOT NULL CHECK (step IN ('dispatch', 'arrival', 'outcome')),
        unit_id uuid REFERENCES patrol_unit (id) ON DELETE RESTRICT,
        unit_text text,
        outcome text CHECK (outcome IN ('detained', 'not_found', 'not_the_subject', 'other')),
        note text,
        occurred_at timestamptz(3) NOT NULL,
        recorded_at timestamptz(3) NOT NULL DEFAULT clock_timestamp(),
        user_id text NOT NULL,
        username text NOT NULL,
        corrects uuid REFERENCES alert_outcome_entry (id) ON DELETE CASCADE,
        CHECK ((step = 'dispatch') = (unit_id IS NOT NULL OR unit_text IS NOT NULL)),
        CHECK ((step = 'outcome') = (outcome IS NOT NULL))
      )`);
    await queryRunner.query(
      `CREATE INDEX alert_outcome_entry_alert_idx ON alert_outcome_entry (alert_id, step, recorded_at)`,
    );
    // corrections are new rows, never edits: the table refuses UPDATE (a deleted alert takes
    // its rows with it)
    await queryRunner.query(`
      CREATE FUNCTION alert_outcome_entry_append_only() RETURNS trigger AS $$
      BEGIN
        RAISE EXCEPTION 'alert_outcome_entry is append-only: record a correction instead';
      END
      $$ LANGUAGE plpgsql`);
    await queryRunner.query(
      `CREATE TRIGGER alert_outcome_entry_append_only BEFORE UPDATE ON alert_outcome_entry
       FOR EACH ROW EXECUTE FUNCTION alert_outcome_entry_append_only()`,
    );
    await queryRunner.query(`
      CREATE TABLE alert_outcome_flag (
        alert_id uuid PRIMARY KEY REFERENCES alert (id) ON DELETE CASCADE,
        flagged_at timestamptz(3) NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX alert_confirmed_idx ON alert (decided_at) WHERE state = 'confirmed'`,
    );
    await queryRunner.query(`CREATE INDEX alert_captured_idx ON alert (captured_at)`);
    await queryRunner.query(
      `ALTER TABLE camera ADD COLUMN connected boolean NOT NULL DEFAULT true`,
    );
    await queryRunner.query(
      `ALTER TABLE camera ADD COLUMN kind text NOT NULL DEFAULT 'camera' CHECK (kind IN ('camera', 'sos_button'))`,
    );
    await queryRunner.query(
      `ALTER TABLE district ADD COLUMN cameras_total integer CHECK (cameras_total >= 0)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE district DROP COLUMN cameras_total`);
    await queryRunner.query(`ALTER TABLE camera DROP COLUMN kind`);
    await queryRunner.query(`ALTER TABLE camera DROP COLUMN connected`);
    await queryRunner.query(`DROP INDEX alert_captured_idx`);
    await queryRunner.query(`DROP INDEX alert_confirmed_idx`);
    await queryRunner.query(`DROP TABLE alert_outcome_flag`);
    await queryRunner.query(`DROP TABLE alert_outcome_entry`);
    await queryRunner.query(`DROP FUNCTION alert_outcome_entry_append_only`);
    await queryRunner.query(`DROP TABLE patrol_unit`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/** Learning from the operators (issue 21), in tables of its own:
 * - hit_probe: the probe embedding of each face hit, kept under the evidence retention, so a
 *   "not this person" rejection can keep it as a negative example;
 * - face_negative: those negative examples, per person;
 * - suppressed_match: probes a negative kept from alerting, with the negative that did;
 * - watchlist_learning_policy: per list, whether negatives suppress, the margin and the ceiling;
 * - threshold_decision: every threshold a supervisor applied from evidence, and its reversal;
 * - vehicle_rejected_read: reads rejected as "not this car" for a vehicle list entry, no longer a
 *   confusion or edit match of it. */
export class LearningFromDecisions1796431969816 implements MigrationInterface {
  name = 'LearningFromDecisions1796431969816';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE hit_probe (
        hit_id uuid PRIMARY KEY,
        embedding bytea NOT NULL,
        model_id text NOT NULL,
        expires_at timestamptz NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX hit_probe_expires_idx ON hit_probe (expires_at)`);
    await queryRunner.query(`
      CREATE TABLE face_negative (
        id uuid PRIMARY KEY,
        person_id uuid NOT NULL,
        watchlist_id uuid NOT NULL,
        alert_id uuid NOT NULL UNIQUE,
        embedding bytea NOT NULL,
        model_id text NOT NULL,
        similarity real NOT NULL,
        face_crop_ref text,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX face_negative_person_idx ON face_negative (person_id)`);
    await queryRunner.query(
      `CREATE INDEX face_negative_list_idx ON face_negative (watchlist_id, created_at, id)`,
    );
    await queryRunner.query(`
      CREATE TABLE suppressed_match (
        id uuid PRIMARY KEY,
        event_id uuid NOT NULL,
        camera_id text NOT NULL,
        person_id uuid NOT NULL,
        watchlist_id uuid NOT NULL,
        negative_id uuid NOT NULL,
        similarity real NOT NULL,
        negative_similarity real NOT NULL,
        margin real NOT NULL,
        ceiling real NOT NULL,
        captured_at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (event_id, person_id)
      )`);
    await queryRunner.query(
      `CREATE INDEX suppressed_match_list_idx ON suppressed_match (watchlist_id, recorded_at DESC, id)`,
    );
    await queryRunner.query(`
      CREATE TABLE watchlist_learning_policy (
        watchlist_id uuid PRIMARY KEY,
        suppression_enabled boolean NOT NULL,
        margin real NOT NULL,
        ceiling real NOT NULL,
        updated_by text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE threshold_decision (
        id uuid PRIMARY KEY,
        watchlist_id uuid NOT NULL,
        previous_threshold real NOT NULL,
        threshold real NOT NULL,
        target_precision real,
        reason text NOT NULL,
        reverts_id uuid,
        decided_by text NOT NULL,
        decided_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX threshold_decision_list_idx ON threshold_decision (watchlist_id, decided_at DESC)`,
    );
    await queryRunner.query(`
      CREATE TABLE vehicle_rejected_read (
        entry_id uuid NOT NULL,
        plate text NOT NULL,
        alert_id uuid NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (entry_id, plate)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'vehicle_rejected_read',
      'threshold_decision',
      'watchlist_learning_policy',
      'suppressed_match',
      'face_negative',
      'hit_probe',
    ])
      await queryRunner.query(`DROP TABLE ${table}`);
  }
}

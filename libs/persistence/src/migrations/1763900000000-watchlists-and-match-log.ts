import { MigrationInterface, QueryRunner } from 'typeorm';

export class WatchlistsAndMatchLog1763900000000 implements MigrationInterface {
  name = 'WatchlistsAndMatchLog1763900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE watchlist (
        id uuid PRIMARY KEY,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        category text NOT NULL CHECK (category IN ('wanted', 'missing', 'other')),
        similarity_threshold real NOT NULL CHECK (similarity_threshold > 0 AND similarity_threshold <= 1),
        priority integer NOT NULL DEFAULT 0,
        expires_at timestamptz,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE watchlist_person (
        id uuid PRIMARY KEY,
        watchlist_id uuid NOT NULL REFERENCES watchlist (id) ON DELETE RESTRICT,
        full_name text NOT NULL CHECK (length(full_name) BETWEEN 1 AND 300),
        case_reference text,
        notes text,
        status text NOT NULL CHECK (status IN ('pending', 'active', 'expired', 'removed')),
        expires_at timestamptz,
        version bigint NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX watchlist_person_list_idx ON watchlist_person (watchlist_id)`,
    );
    await queryRunner.query(`
      CREATE TABLE enrolled_face (
        id uuid PRIMARY KEY,
        person_id uuid NOT NULL REFERENCES watchlist_person (id) ON DELETE CASCADE,
        embedding bytea NOT NULL CHECK (length(embedding) = 2048),
        model_id text NOT NULL,
        quality real NOT NULL,
        thumbnail bytea NOT NULL,
        source_name text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX enrolled_face_person_idx ON enrolled_face (person_id)`);
    await queryRunner.query(`
      CREATE TABLE watchlist_hit (
        hit_id uuid PRIMARY KEY,
        event_id uuid NOT NULL,
        camera_id text NOT NULL,
        person_id uuid NOT NULL REFERENCES watchlist_person (id) ON DELETE RESTRICT,
        watchlist_id uuid NOT NULL REFERENCES watchlist (id) ON DELETE RESTRICT,
        similarity real NOT NULL,
        threshold real NOT NULL,
        margin real,
        model_id text NOT NULL,
        face_crop_ref text,
        captured_at timestamptz NOT NULL,
        matched_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL,
        sighting_count integer NOT NULL CHECK (sighting_count >= 1)
      )`);
    await queryRunner.query(
      `CREATE INDEX watchlist_hit_open_idx ON watchlist_hit (camera_id, person_id, last_seen_at DESC)`,
    );
    await queryRunner.query(`CREATE INDEX watchlist_hit_matched_idx ON watchlist_hit (matched_at)`);
    await queryRunner.query(`
      CREATE TABLE match_log (
        event_id uuid NOT NULL,
        person_id uuid NOT NULL REFERENCES watchlist_person (id) ON DELETE RESTRICT,
        hit_id uuid NOT NULL REFERENCES watchlist_hit (hit_id) ON DELETE RESTRICT,
        camera_id text NOT NULL,
        watchlist_id uuid NOT NULL,
        similarity real NOT NULL,
        threshold real NOT NULL,
        margin real,
        model_id text NOT NULL,
        face_crop_ref text,
        captured_at timestamptz NOT NULL,
        matched_at timestamptz NOT NULL,
        PRIMARY KEY (event_id, person_id)
      )`);
    await queryRunner.query(`CREATE INDEX match_log_hit_idx ON match_log (hit_id)`);
    await queryRunner.query(`CREATE INDEX match_log_captured_idx ON match_log (captured_at)`);
    await queryRunner.query(`
      CREATE TABLE hit_evidence (
        id uuid PRIMARY KEY,
        content_type text NOT NULL,
        content bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX hit_evidence_expiry_idx ON hit_evidence (expires_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'hit_evidence',
      'match_log',
      'watchlist_hit',
      'enrolled_face',
      'watchlist_person',
      'watchlist',
    ]) {
      await queryRunner.query(`DROP TABLE ${table}`);
    }
  }
}

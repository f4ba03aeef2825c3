import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sign-in attempts are counted here, not in each instance's memory, so that the count is taken
 * atomically before the password is checked and every instance sees it: parallel guesses
 * cannot all pass the check before the first failure is counted.
 *
 * Each sign-in is a session row; a token names its session, and signing out ends it for
 * every instance (within AUTH_SESSION_CACHE_TTL_MS).
 */
export class SignInAttemptsAndSessions1764310000000 implements MigrationInterface {
  name = 'SignInAttemptsAndSessions1764310000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE sign_in_attempt (
        username text NOT NULL,
        client_ip text NOT NULL,
        attempts integer NOT NULL CHECK (attempts > 0),
        window_ends_at timestamptz NOT NULL,
        PRIMARY KEY (username, client_ip)
      )`);
    await queryRunner.query(
      `CREATE INDEX sign_in_attempt_window_idx ON sign_in_attempt (window_ends_at)`,
    );
    await queryRunner.query(`
      CREATE TABLE staff_session (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES staff_user (id),
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        ended_at timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX staff_session_expires_idx ON staff_session (expires_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE staff_session`);
    await queryRunner.query(`DROP TABLE sign_in_attempt`);
  }
}

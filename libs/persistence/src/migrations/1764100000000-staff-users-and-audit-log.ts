import { MigrationInterface, QueryRunner } from 'typeorm';

/** Staff users, and the audit log: append-only for everyone. UPDATE, DELETE and TRUNCATE
 * are revoked from every role but the owner (so an application role that is not the owner
 * can only read and append), and a trigger refuses them for the owner and superusers too.
 * Audit rows are never purged. */
export class StaffUsersAndAuditLog1764100000000 implements MigrationInterface {
  name = 'StaffUsersAndAuditLog1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE staff_user (
        id uuid PRIMARY KEY,
        username text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9][a-z0-9._-]{1,63}$'),
        password_hash text NOT NULL,
        roles text[] NOT NULL CHECK (
          cardinality(roles) > 0
          AND roles <@ ARRAY['operator', 'supervisor', 'watchlist-admin', 'auditor', 'system-admin']
        ),
        centre_ids text[] NOT NULL DEFAULT '{}',
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
        token_version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE audit_log (
        seq bigint PRIMARY KEY CHECK (seq > 0),
        occurred_at timestamptz NOT NULL,
        actor text NOT NULL,
        action text NOT NULL,
        subject_type text NOT NULL,
        subject_id text NOT NULL,
        details jsonb NOT NULL DEFAULT '{}',
        prev_hash bytea NOT NULL CHECK (length(prev_hash) = 32),
        hash bytea NOT NULL CHECK (length(hash) = 32)
      )`);
    await queryRunner.query(`CREATE INDEX audit_log_occurred_idx ON audit_log (occurred_at)`);
    await queryRunner.query(`CREATE INDEX audit_log_subject_idx ON audit_log (subject_id, seq)`);
    await queryRunner.query(`CREATE INDEX audit_log_actor_idx ON audit_log (actor, seq)`);
    await queryRunner.query(`
      CREATE FUNCTION audit_log_refuse_change() RETURNS trigger AS $$
      BEGIN
        RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END;
      $$ LANGUAGE plpgsql`);
    await queryRunner.query(`
      CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
      FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()`);
    await queryRunner.query(`
      CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()`);
    await queryRunner.query(`REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM PUBLIC`);
    // roles given everything on new tables (ALTER DEFAULT PRIVILEGES) lose the right to change rows
    await queryRunner.query(`
      DO $$
      DECLARE grantee_role text;
      BEGIN
        FOR grantee_role IN
          SELECT DISTINCT acl.grantee::regrole::text
          FROM pg_class c, aclexplode(c.relacl) acl
          WHERE c.oid = 'audit_log'::regclass
            AND acl.grantee <> 0
            AND acl.grantee <> c.relowner
            AND acl.privilege_type IN ('UPDATE', 'DELETE', 'TRUNCATE')
        LOOP
          EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM %s', grantee_role);
        END LOOP;
      END;
      $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE audit_log`);
    await queryRunner.query(`DROP FUNCTION audit_log_refuse_change`);
    await queryRunner.query(`DROP TABLE staff_user`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Audit rows are signed: key_id names the key (AUDIT_CHAIN_KEYS, never in the database) and
 * mac = HMAC-SHA256 over the key id and the row's chain hash. Rows written before this stay
 * unsigned (both null); `kuzet audit verify` accepts them only up to AUDIT_CHAIN_LEGACY_ROWS.
 *
 * Also leaves every role but the owner only SELECT and INSERT on audit_log: a service account
 * given ALL by default privileges kept TRIGGER (and could attach a trigger to the table that
 * broke every append), REFERENCES and, from PostgreSQL 17, MAINTAIN.
 */
export class AuditChainKeys1764300000000 implements MigrationInterface {
  name = 'AuditChainKeys1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE audit_log
        ADD COLUMN key_id text CHECK (key_id ~ '^[A-Za-z0-9._-]{1,32}$'),
        ADD COLUMN mac bytea CHECK (length(mac) = 32),
        ADD CONSTRAINT audit_log_signed_whole CHECK ((key_id IS NULL) = (mac IS NULL))`);
    await queryRunner.query(`
      DO $$
      DECLARE grant_row record;
      BEGIN
        FOR grant_row IN
          SELECT DISTINCT
            CASE WHEN acl.grantee = 0 THEN 'PUBLIC' ELSE acl.grantee::regrole::text END AS grantee,
            acl.privilege_type
          FROM pg_class c, aclexplode(c.relacl) acl
          WHERE c.oid = 'audit_log'::regclass
            AND acl.grantee <> c.relowner
            AND acl.privilege_type NOT IN ('SELECT', 'INSERT')
        LOOP
          EXECUTE format('REVOKE %s ON audit_log FROM %s', grant_row.privilege_type, grant_row.grantee);
        END LOOP;
      END;
      $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE audit_log
        DROP CONSTRAINT audit_log_signed_whole, DROP COLUMN mac, DROP COLUMN key_id`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A counter bumped in the same transaction as every change of what the camera map shows (a camera's
 * place, scope, name, kind, status; a centre's parent; a district's name), so a cached map is
 * rebuilt exactly when it is stale. `max(updated_at)` could miss a change: a transaction that
 * commits after a later-stamped one leaves the maximum as it was. Heartbeats (`last_seen_at`) do
 * not count: they change nothing on the map.
 */
export class CameraRegistryVersion1797013000000 implements MigrationInterface {
  name = 'CameraRegistryVersion1797013000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE registry_version (
        name text PRIMARY KEY,
        version bigint NOT NULL DEFAULT 0
      )`);
    await queryRunner.query(`INSERT INTO registry_version (name) VALUES ('camera-map')`);
    await queryRunner.query(`
      CREATE FUNCTION bump_camera_map_version() RETURNS trigger AS $$
      BEGIN
        UPDATE registry_version SET version = version + 1 WHERE name = 'camera-map';
        RETURN NULL;
      END
      $$ LANGUAGE plpgsql`);
    await queryRunner.query(`
      CREATE TRIGGER camera_map_version AFTER INSERT OR DELETE OR TRUNCATE
        OR UPDATE OF name, district_id, centre_id, kind, status, connected, latitude, longitude
        ON camera FOR EACH STATEMENT EXECUTE FUNCTION bump_camera_map_version()`);
    await queryRunner.query(`
      CREATE TRIGGER camera_map_version AFTER UPDATE OF parent_centre_id
        ON operations_centre FOR EACH STATEMENT EXECUTE FUNCTION bump_camera_map_version()`);
    await queryRunner.query(`
      CREATE TRIGGER camera_map_version AFTER UPDATE OF name
        ON district FOR EACH STATEMENT EXECUTE FUNCTION bump_camera_map_version()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER camera_map_version ON district`);
    await queryRunner.query(`DROP TRIGGER camera_map_version ON operations_centre`);
    await queryRunner.query(`DROP TRIGGER camera_map_version ON camera`);
    await queryRunner.query(`DROP FUNCTION bump_camera_map_version()`);
    await queryRunner.query(`DROP TABLE registry_version`);
  }
}

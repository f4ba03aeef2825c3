import { MigrationInterface, QueryRunner } from 'typeorm';

/** Devices that cannot do HTTP Basic authenticate with Digest (RFC 7616), which needs H(user:
 * realm:password) on the server: kept per key for MD5 and SHA-256, computed when the key is
 * issued (keys issued before have none and authenticate with Basic or X-Api-Key only). */
export class ApiKeyDigest1796433148531 implements MigrationInterface {
  name = 'ApiKeyDigest1796433148531';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE integrator_api_key ADD COLUMN digest_ha1_md5 bytea, ADD COLUMN digest_ha1_sha256 bytea`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE integrator_api_key DROP COLUMN digest_ha1_md5, DROP COLUMN digest_ha1_sha256`,
    );
  }
}

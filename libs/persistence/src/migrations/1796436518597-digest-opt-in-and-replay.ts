import { MigrationInterface, QueryRunner } from 'typeorm';

/** HTTP Digest becomes opt-in per key (a key issued with `digest: true` keeps its SHA-256 H(A1),
 * with `digest_md5: true` also its MD5 one), so a database reader no longer holds a
 * password-equivalent of every integrator key: the H(A1)s kept for every key issued since
 * 1796433148531 are dropped (a device using Digest needs a key issued with `digest: true`).
 * digest_nonce_use holds each (key, nonce, nc) taken, so a request cannot be replayed while its
 * nonce is valid; rows past expires_at are swept. */
export class DigestOptInAndReplay1796436518597 implements MigrationInterface {
  name = 'DigestOptInAndReplay1796436518597';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `UPDATE integrator_api_key SET digest_ha1_md5 = NULL, digest_ha1_sha256 = NULL`,
    );
    await queryRunner.query(
      `CREATE TABLE digest_nonce_use (
        key_id text NOT NULL,
        nonce text NOT NULL,
        nc text NOT NULL,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (key_id, nonce, nc)
      )`,
    );
    await queryRunner.query(
      `CREATE INDEX digest_nonce_use_expires ON digest_nonce_use (expires_at)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // the dropped H(A1)s cannot come back: those keys stay without Digest
    await queryRunner.query(`DROP TABLE digest_nonce_use`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/** Auditors are now scoped to centres like operators and supervisors, and no centres means
 * nothing (default deny). Auditors who had none saw every centre until now: they keep that
 * as the explicit grant of every centre ('*', ALL_CENTRES), which a system administrator can
 * narrow; their sessions end (token_version) so the next sign-in carries the grant. */
export class AuditorCentres1797010000000 implements MigrationInterface {
  name = 'AuditorCentres1797010000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      UPDATE staff_user SET centre_ids = ARRAY['*'], token_version = token_version + 1
       WHERE 'auditor' = ANY(roles) AND cardinality(centre_ids) = 0
         AND NOT roles && ARRAY['operator', 'supervisor']`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      UPDATE staff_user SET centre_ids = '{}', token_version = token_version + 1
       WHERE centre_ids = ARRAY['*']`);
  }
}

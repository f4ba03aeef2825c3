import { MigrationInterface, QueryRunner } from 'typeorm';

/** A camera's smallest face to look for in its scene frames (null: the face engine's default): a
 * camera whose faces are never small is searched with fewer pyramid levels. */
export class CameraMinFaceSize1797005000000 implements MigrationInterface {
  name = 'CameraMinFaceSize1797005000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE camera ADD COLUMN min_face_px integer
         CONSTRAINT camera_min_face_px_range CHECK (min_face_px BETWEEN 16 AND 4096)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE camera DROP COLUMN min_face_px`);
  }
}

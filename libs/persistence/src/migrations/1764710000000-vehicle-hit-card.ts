import { MigrationInterface, QueryRunner } from 'typeorm';

/** What the console's vehicle card shows beside a hit: lane, speed and the vehicle as the
 * camera described it. Vehicle images move from their own table (which no retention purged and
 * no evidence endpoint read) into hit_evidence, under ids derived from the old ones
 * (md5(old id) as a uuid, as the matcher now names them), so the evidence retention purges them
 * with an audit entry like face crops and the evidence reader serves them. */
export class VehicleHitCard1764710000000 implements MigrationInterface {
  name = 'VehicleHitCard1764710000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE vehicle_hit
        ADD COLUMN lane smallint,
        ADD COLUMN speed_kmh real,
        ADD COLUMN vehicle_type text,
        ADD COLUMN vehicle_colour text,
        ADD COLUMN vehicle_make text`);
    await queryRunner.query(`
      INSERT INTO hit_evidence (id, content_type, content, expires_at)
      SELECT md5(id)::uuid, 'image/jpeg', content, expires_at FROM vehicle_evidence
      ON CONFLICT (id) DO NOTHING`);
    for (const column of ['plate_crop_ref', 'overview_ref'])
      await queryRunner.query(
        `UPDATE vehicle_hit SET ${column} = 'pg:' || md5(substr(${column}, length('pg:vehicle-evidence/') + 1))::uuid
         WHERE ${column} LIKE 'pg:vehicle-evidence/%'`,
      );
    await queryRunner.query(`DROP TABLE vehicle_evidence`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE vehicle_evidence (
        id text PRIMARY KEY,
        content bytea NOT NULL,
        expires_at timestamptz NOT NULL
      )`);
    await queryRunner.query(`
      ALTER TABLE vehicle_hit
        DROP COLUMN lane, DROP COLUMN speed_kmh, DROP COLUMN vehicle_type,
        DROP COLUMN vehicle_colour, DROP COLUMN vehicle_make`);
  }
}

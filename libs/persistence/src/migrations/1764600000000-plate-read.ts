import { MigrationInterface, QueryRunner } from 'typeorm';

/** Every plate read, partitioned by day of read_at so that retention drops whole partitions
 * (PLATE_READ_RETENTION_DAYS) instead of deleting rows. The partitions themselves are created
 * ahead and dropped by the matcher (libs/vehicles PlateReadPartitions). No images here: images
 * of listed cars are hit evidence; those of other cars are never stored. */
export class PlateRead1764600000000 implements MigrationInterface {
  name = 'PlateRead1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // fixed-width columns first: no alignment padding between them
    await queryRunner.query(`
      CREATE TABLE plate_read (
        read_at timestamptz NOT NULL,
        event_id uuid NOT NULL,
        confidence real NOT NULL,
        direction smallint NOT NULL,
        camera_id text NOT NULL,
        plate_normalised text NOT NULL,
        plate_read text NOT NULL,
        PRIMARY KEY (read_at, event_id)
      ) PARTITION BY RANGE (read_at)`);
    await queryRunner.query(
      `CREATE INDEX plate_read_route_idx ON plate_read (plate_normalised, read_at)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE plate_read`);
  }
}

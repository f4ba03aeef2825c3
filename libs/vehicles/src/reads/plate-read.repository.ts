import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

/** One stored plate read: no images (see the plate_read migration). */
export interface PlateReadRow {
  readonly readAt: Date;
  readonly eventId: string;
  readonly cameraId: string;
  readonly plateNormalised: string;
  readonly plateRead: string;
  readonly confidence: number;
  /** VehicleDirection of the contract (0: unspecified). */
  readonly direction: number;
}

export interface Sighting {
  readonly eventId: string;
  readonly cameraId: string;
  readonly cameraName: string | null;
  readonly latitude: number | null;
  readonly longitude: number | null;
  readonly readAt: Date;
  readonly direction: number;
}

export interface DayPartition {
  readonly name: string;
  /** Midnight UTC of the partition's day; it holds [day, day + 1 day). */
  readonly day: Date;
}

const DAY_MS = 86_400_000;
const PARTITION_NAME = /^plate_read_p(\d{4})(\d{2})(\d{2})$/;

export function partitionName(day: Date): string {
  return `plate_read_p${day.toISOString().slice(0, 10).replace(/-/g, '')}`;
}

export function utcDay(at: Date | number): Date {
  const ms = typeof at === 'number' ? at : at.getTime();
  return new Date(Math.floor(ms / DAY_MS) * DAY_MS);
}

/** All SQL of the plate-read table: bulk intake, the route query and its day partitions. */
@Injectable()
export class PlateReadRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** One statement for the whole batch; a redelivered read (same read_at and event_id) is
   * skipped, so intake is idempotent. Returns how many rows were new. */
  async insert(rows: readonly PlateReadRow[]): Promise<number> {
    if (rows.length === 0) return 0;
    const result = await this.dataSource.query<[unknown[], number]>(
      `INSERT INTO plate_read
         (read_at, event_id, confidence, direction, camera_id, plate_normalised, plate_read)
       SELECT * FROM unnest($1::timestamptz[], $2::uuid[], $3::real[], $4::smallint[],
         $5::text[], $6::text[], $7::text[])
       ON CONFLICT DO NOTHING`,
      [
        rows.map((r) => r.readAt.toISOString()),
        rows.map((r) => r.eventId),
        rows.map((r) => r.confidence),
        rows.map((r) => r.direction),
        rows.map((r) => r.cameraId),
        rows.map((r) => r.plateNormalised),
        rows.map((r) => r.plateRead),
      ],
    );
    return result[1];
  }

  /** The newest `limit` reads of one plate in [from, to), oldest first, with the cameras. */
  async sightings(plate: string, from: Date, to: Date, limit: number): Promise<Sighting[]> {
    const rows = await this.dataSource.query<
      {
        event_id: string;
        camera_id: string;
        read_at: Date;
        direction: number;
        name: string | null;
        latitude: number | null;
        longitude: number | null;
      }[]
    >(
      `SELECT r.event_id, r.camera_id, r.read_at, r.direction, c.name, c.latitude, c.longitude
       FROM (SELECT event_id, camera_id, read_at, direction FROM plate_read
             WHERE plate_normalised = $1 AND read_at >= $2 AND read_at < $3
             ORDER BY read_at DESC LIMIT $4) r
       LEFT JOIN camera c ON c.id = r.camera_id
       ORDER BY r.read_at, r.event_id`,
      [plate, from, to, limit],
    );
    return rows.map((r) => ({
      eventId: r.event_id,
      cameraId: r.camera_id,
      cameraName: r.name,
      latitude: r.latitude,
      longitude: r.longitude,
      readAt: r.read_at,
      direction: r.direction,
    }));
  }

  /** Whether the normalised plate is on an active list entry that has not expired. */
  async isListed(plate: string, now: Date): Promise<boolean> {
    const [row] = await this.dataSource.query<{ listed: boolean }[]>(
      `SELECT EXISTS (
         SELECT 1 FROM vehicle_list_entry e JOIN vehicle_list l ON l.id = e.list_id
         WHERE e.plate = $1 AND e.status = 'active'
           AND (e.expires_at IS NULL OR e.expires_at > $2)
           AND (l.expires_at IS NULL OR l.expires_at > $2)) AS listed`,
      [plate, now],
    );
    return row?.listed === true;
  }

  /** Serialises partition maintenance across instances for the transaction. */
  async lockPartitions(manager: EntityManager): Promise<void> {
    await manager.query(`SELECT pg_advisory_xact_lock(hashtext('kuzet.plate_read.partitions'))`);
  }

  async partitions(manager?: EntityManager): Promise<DayPartition[]> {
    const rows = await (manager ?? this.dataSource).query<{ name: string }[]>(
      `SELECT c.relname AS name FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid
       JOIN pg_class p ON p.oid = i.inhparent
       WHERE p.relname = 'plate_read' AND p.relnamespace = current_schema()::regnamespace
       ORDER BY c.relname`,
    );
    return rows.flatMap(({ name }) => {
      const m = PARTITION_NAME.exec(name);
      return m ? [{ name, day: new Date(`${m[1]}-${m[2]}-${m[3]}T00:00:00Z`) }] : [];
    });
  }

  async createPartition(day: Date, manager: EntityManager): Promise<void> {
    const from = utcDay(day);
    const to = new Date(from.getTime() + DAY_MS);
    await manager.query(
      `CREATE TABLE IF NOT EXISTS ${partitionName(from)} PARTITION OF plate_read
       FOR VALUES FROM ('${from.toISOString()}') TO ('${to.toISOString()}')`,
    );
  }

  async countRows(partition: DayPartition, manager: EntityManager): Promise<number> {
    const [row] = await manager.query<{ n: string }[]>(
      `SELECT count(*) AS n FROM ${partition.name}`,
    );
    return Number(row?.n ?? 0);
  }

  async dropPartition(partition: DayPartition, manager: EntityManager): Promise<void> {
    await manager.query(`DROP TABLE ${partition.name}`);
  }
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { MatchKind } from '@kuzet/vehicles';

export interface VehicleHitRecord {
  readonly eventId: string;
  readonly cameraId: string;
  readonly entryId: string;
  readonly listId: string;
  readonly plateRead: string;
  readonly plateNormalised: string;
  readonly plateListed: string;
  readonly matchKind: MatchKind;
  readonly position: number | null;
  readonly confidence: number;
  readonly direction: string | null;
  readonly lane: number | null;
  readonly speedKmh: number | null;
  readonly vehicleType: string | null;
  readonly vehicleColour: string | null;
  readonly vehicleMake: string | null;
  readonly plateCropRef: string | null;
  readonly overviewRef: string | null;
  readonly capturedAt: Date;
}

export interface VehicleHitRow extends VehicleHitRecord {
  readonly id: string;
  readonly sightingCount: number;
  readonly lastSeenAt: Date;
  readonly matchedAt: Date;
}

const COLUMNS = `id, event_id AS "eventId", camera_id AS "cameraId", entry_id AS "entryId",
  list_id AS "listId", plate_read AS "plateRead", plate_normalised AS "plateNormalised",
  plate_listed AS "plateListed", match_kind AS "matchKind", position, confidence, direction,
  lane, speed_kmh AS "speedKmh", vehicle_type AS "vehicleType", vehicle_colour AS "vehicleColour",
  vehicle_make AS "vehicleMake", plate_crop_ref AS "plateCropRef", overview_ref AS "overviewRef", sighting_count AS "sightingCount",
  captured_at AS "capturedAt", last_seen_at AS "lastSeenAt", matched_at AS "matchedAt"`;

/** The vehicle match log. One hit per plate entry and camera within the window: later reads
 * raise its count; a redelivered read (same event) changes nothing. */
@Injectable()
export class VehicleHitRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  record(hit: VehicleHitRecord, windowMs: number): Promise<VehicleHitRow> {
    return this.dataSource.transaction(async (manager) => {
      const [seen] = await manager.query<{ hit_id: string }[]>(
        `SELECT hit_id FROM vehicle_hit_sighting WHERE event_id = $1 AND entry_id = $2`,
        [hit.eventId, hit.entryId],
      );
      if (seen) return (await this.byId(seen.hit_id, manager))!;
      const [open] = await manager.query<{ id: string }[]>(
        `SELECT id FROM vehicle_hit WHERE entry_id = $1 AND camera_id = $2
           AND last_seen_at >= $3::timestamptz - make_interval(secs => $4::double precision / 1000)
         ORDER BY last_seen_at DESC LIMIT 1 FOR UPDATE`,
        [hit.entryId, hit.cameraId, hit.capturedAt, windowMs],
      );
      let id: string;
      if (open) {
        id = open.id;
        await manager.query(
          `UPDATE vehicle_hit SET sighting_count = sighting_count + 1, event_id = $2,
             last_seen_at = GREATEST(last_seen_at, $3), matched_at = now() WHERE id = $1`,
          [id, hit.eventId, hit.capturedAt],
        );
      } else {
        id = randomUUID();
        await manager.query(
          `INSERT INTO vehicle_hit (id, event_id, camera_id, entry_id, list_id, plate_read,
             plate_normalised, plate_listed, match_kind, position, confidence, direction,
             plate_crop_ref, overview_ref, captured_at, last_seen_at, matched_at,
             lane, speed_kmh, vehicle_type, vehicle_colour, vehicle_make)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15, now(),
             $16, $17, $18, $19, $20)`,
          [
            id,
            hit.eventId,
            hit.cameraId,
            hit.entryId,
            hit.listId,
            hit.plateRead,
            hit.plateNormalised,
            hit.plateListed,
            hit.matchKind,
            hit.position,
            hit.confidence,
            hit.direction,
            hit.plateCropRef,
            hit.overviewRef,
            hit.capturedAt,
            hit.lane,
            hit.speedKmh,
            hit.vehicleType,
            hit.vehicleColour,
            hit.vehicleMake,
          ],
        );
      }
      await manager.query(
        `INSERT INTO vehicle_hit_sighting (event_id, entry_id, hit_id) VALUES ($1, $2, $3)`,
        [hit.eventId, hit.entryId, id],
      );
      return (await this.byId(id, manager))!;
    });
  }

  private async byId(
    id: string,
    manager: { query: DataSource['query'] },
  ): Promise<VehicleHitRow | null> {
    const [row] = await manager.query<VehicleHitRow[]>(
      `SELECT ${COLUMNS} FROM vehicle_hit WHERE id = $1`,
      [id],
    );
    return row ?? null;
  }
}

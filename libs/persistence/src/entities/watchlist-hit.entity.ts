import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One alert: the first sighting of a person at a camera, plus the repeat sightings folded
 * into it within the de-duplication window. */
@Entity({ name: 'watchlist_hit' })
@Index(['cameraId', 'personId', 'lastSeenAt'])
export class WatchlistHitEntity {
  @PrimaryColumn({ name: 'hit_id', type: 'uuid' })
  hitId!: string;

  @Column({ name: 'event_id', type: 'uuid' })
  eventId!: string;

  @Column({ name: 'camera_id', type: 'text' })
  cameraId!: string;

  @Column({ name: 'person_id', type: 'uuid' })
  personId!: string;

  @Column({ name: 'watchlist_id', type: 'uuid' })
  watchlistId!: string;

  @Column({ type: 'real' })
  similarity!: number;

  @Column({ type: 'real' })
  threshold!: number;

  @Column({ type: 'real', nullable: true })
  margin!: number | null;

  @Column({ name: 'model_id', type: 'text' })
  modelId!: string;

  @Column({ name: 'face_crop_ref', type: 'text', nullable: true })
  faceCropRef!: string | null;

  @Column({ name: 'captured_at', type: 'timestamptz' })
  capturedAt!: Date;

  @Column({ name: 'matched_at', type: 'timestamptz' })
  matchedAt!: Date;

  @Column({ name: 'last_seen_at', type: 'timestamptz' })
  lastSeenAt!: Date;

  @Column({ name: 'sighting_count', type: 'integer' })
  sightingCount!: number;
}

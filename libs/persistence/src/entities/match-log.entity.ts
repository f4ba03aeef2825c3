import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** The match log: one row per (camera event, person) that reached a list's threshold;
 * its primary key is what makes a redelivered event idempotent. */
@Entity({ name: 'match_log' })
export class MatchLogEntity {
  @PrimaryColumn({ name: 'event_id', type: 'uuid' })
  eventId!: string;

  @PrimaryColumn({ name: 'person_id', type: 'uuid' })
  personId!: string;

  @Index()
  @Column({ name: 'hit_id', type: 'uuid' })
  hitId!: string;

  @Column({ name: 'camera_id', type: 'text' })
  cameraId!: string;

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
}

import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One logged administrative violation. district_id and centre_id are the camera's at the
 * time it was logged (null when the camera was not in the registry then), so statistics do
 * not move when a camera is later reassigned. */
@Entity({ name: 'violation_record' })
@Index(['capturedAt', 'eventId'])
@Index(['districtId', 'capturedAt'])
@Index(['code', 'capturedAt'])
@Index(['loggedAt', 'eventId'])
@Index(['centreId', 'loggedAt', 'eventId'])
export class ViolationRecordEntity {
  @PrimaryColumn({ name: 'event_id', type: 'uuid' })
  eventId!: string;

  @Column({ name: 'camera_id', type: 'text' })
  cameraId!: string;

  @Column({ name: 'district_id', type: 'text', nullable: true })
  districtId!: string | null;

  @Column({ name: 'centre_id', type: 'text', nullable: true })
  centreId!: string | null;

  /** A ViolationCodeName of @kuzet/contracts (the one naming of codes). */
  @Column({ type: 'text' })
  code!: string;

  @Column({ type: 'text' })
  plate!: string;

  @Column({ name: 'measured_speed_kmh', type: 'double precision', nullable: true })
  measuredSpeedKmh!: number | null;

  @Column({ name: 'limit_speed_kmh', type: 'double precision', nullable: true })
  limitSpeedKmh!: number | null;

  @Column({ name: 'evidence_ref', type: 'text' })
  evidenceRef!: string;

  @Column({ type: 'integer', nullable: true })
  lane!: number | null;

  @Column({ name: 'source_id', type: 'text', nullable: true })
  sourceId!: string | null;

  @Column({ name: 'captured_at', type: 'timestamptz' })
  capturedAt!: Date;

  /** Milliseconds, like the feed's cursor, so the column orders pages exactly. */
  @Column({ name: 'logged_at', type: 'timestamptz', precision: 3 })
  loggedAt!: Date;
}

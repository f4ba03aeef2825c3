import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export const ALERT_KINDS = [
  'watchlist_hit',
  'alarm',
  'vehicle_hit',
  'analytics',
  'camera_offline',
  'badge_identification',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];
/** `resolved`: closed by the system, not a person (a camera offline alert whose camera is back). */
export const ALERT_STATES = [
  'new',
  'acknowledged',
  'confirmed',
  'rejected',
  'escalated',
  'resolved',
] as const;
export type AlertState = (typeof ALERT_STATES)[number];
/** Decided for good: no decision, assignment or folded detection changes them. */
export const TERMINAL_ALERT_STATES: readonly AlertState[] = ['confirmed', 'rejected', 'resolved'];

const bigintAsNumber = {
  to: (v: number) => v,
  from: (v: string | null) => (v === null ? 0 : Number(v)),
};

/** What operations-centre staff see and decide: a watchlist hit or an SOS alarm, routed to
 * the centre that owns the camera. `seq` grows on every change, so a console that
 * reconnects asks for everything after the last seq it saw and misses nothing. */
@Entity({ name: 'alert' })
export class AlertEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'text' })
  kind!: AlertKind;

  @Column({ type: 'text' })
  state!: AlertState;

  @Column({ type: 'integer' })
  priority!: number;

  @Column({ name: 'centre_id', type: 'text', nullable: true })
  centreId!: string | null;

  @Column({ name: 'parent_centre_id', type: 'text', nullable: true })
  parentCentreId!: string | null;

  @Column({ name: 'district_id', type: 'text', nullable: true })
  districtId!: string | null;

  @Column({ name: 'camera_id', type: 'text' })
  cameraId!: string;

  @Column({ name: 'event_id', type: 'uuid' })
  eventId!: string;

  @Column({ name: 'person_id', type: 'uuid', nullable: true })
  personId!: string | null;

  @Column({ name: 'watchlist_id', type: 'uuid', nullable: true })
  watchlistId!: string | null;

  @Column({ type: 'real', nullable: true })
  similarity!: number | null;

  @Column({ type: 'real', nullable: true })
  threshold!: number | null;

  @Column({ name: 'face_crop_ref', type: 'text', nullable: true })
  faceCropRef!: string | null;

  @Column({ type: 'text', nullable: true })
  message!: string | null;

  @Column({ name: 'sighting_count', type: 'integer', default: 1 })
  sightingCount!: number;

  @Column({ name: 'captured_at', type: 'timestamptz' })
  capturedAt!: Date;

  @Column({ name: 'last_seen_at', type: 'timestamptz' })
  lastSeenAt!: Date;

  @Column({ name: 'decided_by', type: 'text', nullable: true })
  decidedBy!: string | null;

  @Column({ name: 'decided_at', type: 'timestamptz', nullable: true })
  decidedAt!: Date | null;

  @Column({ name: 'decision_reason', type: 'text', nullable: true })
  decisionReason!: string | null;

  /** The staff user who has the alert (took it, or was given it by a supervisor). */
  @Column({ name: 'assignee_id', type: 'uuid', nullable: true })
  assigneeId!: string | null;

  @Column({ type: 'text', nullable: true })
  assignee!: string | null;

  @Column({ name: 'assigned_by', type: 'text', nullable: true })
  assignedBy!: string | null;

  @Column({ name: 'assigned_at', type: 'timestamptz', nullable: true })
  assignedAt!: Date | null;

  @Column({ type: 'bigint', insert: false, update: false, transformer: bigintAsNumber })
  seq!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

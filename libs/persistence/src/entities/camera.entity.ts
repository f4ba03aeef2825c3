import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  UpdateDateColumn,
} from 'typeorm';
import { DistrictEntity } from './district.entity';
import { OperationsCentreEntity } from './operations-centre.entity';

export type CameraStatus = 'active' | 'retired';
export type CameraKind = 'camera' | 'sos_button' | 'badge';

@Entity({ name: 'camera' })
export class CameraEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  @Index()
  @Column({ name: 'district_id', type: 'text' })
  districtId!: string;

  @ManyToOne(() => DistrictEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'district_id' })
  district?: DistrictEntity;

  @Index()
  @Column({ name: 'centre_id', type: 'text' })
  centreId!: string;

  @ManyToOne(() => OperationsCentreEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'centre_id' })
  centre?: OperationsCentreEntity;

  @Column({ type: 'double precision', nullable: true })
  latitude!: number | null;

  @Column({ type: 'double precision', nullable: true })
  longitude!: number | null;

  @Column({ type: 'text', nullable: true })
  address!: string | null;

  @Column({ type: 'text', default: 'active' })
  status!: CameraStatus;

  /** Installed and connected to an operations centre; false for a camera that exists (and is
   * counted among the district's installed cameras) but sends nothing to kuzet. */
  @Column({ type: 'boolean', default: true })
  connected!: boolean;

  /** A camera, an SOS alarm button in a public place (counted apart in the reports), or an
   * officer's smart badge (identifies faces on request; not counted among the cameras). */
  @Column({ type: 'text', default: 'camera' })
  kind!: CameraKind;

  /** The device that pushes this camera's events in its own format (a Hikvision camera or NVR):
   * its serial, MAC (lowercase, colons) or IP, with device_channel. Null for cameras whose
   * events come through the contract. */
  @Column({ name: 'device_id', type: 'text', nullable: true })
  deviceId!: string | null;

  /** When the camera (or its device) last sent an event or heartbeat through a device adapter. */
  @Column({ name: 'last_seen_at', type: 'timestamptz', nullable: true })
  lastSeenAt!: Date | null;

  /** How long this camera may stay silent before it counts as offline (null: its kind's
   * interval, else CAMERA_SILENT_AFTER_MS). */
  @Column({ name: 'silent_after_seconds', type: 'integer', nullable: true })
  silentAfterSeconds!: number | null;

  /** The device's channel (1..4096) that is this camera. */
  @Column({ name: 'device_channel', type: 'integer', nullable: true })
  deviceChannel!: number | null;

  /** The smallest face (pixels wide) the matcher looks for in this camera's scene frames; null: the
   * face engine's default (40). Sets how many pyramid levels a frame costs. */
  @Column({ name: 'min_face_px', type: 'integer', nullable: true })
  minFacePx!: number | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

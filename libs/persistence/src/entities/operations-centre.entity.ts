import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';

export type CentreKind = 'main' | 'district';

/** An operations centre receives the alerts of the cameras it owns; a district centre's
 * alerts are also visible to its parent main centre. */
@Entity({ name: 'operations_centre' })
export class OperationsCentreEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  kind!: CentreKind;

  @Column({ name: 'parent_centre_id', type: 'text', nullable: true })
  parentCentreId!: string | null;

  @ManyToOne(() => OperationsCentreEntity, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'parent_centre_id' })
  parentCentre?: OperationsCentreEntity | null;

  /** Analytics detection types (lower-case names, `other` for unnamed ones) whose detections
   * raise no alert in this centre. */
  @Column({ name: 'analytics_off', type: 'text', array: true, default: () => "'{}'" })
  analyticsOff!: string[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

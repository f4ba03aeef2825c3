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

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

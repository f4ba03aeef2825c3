import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { OperationsCentreEntity } from './operations-centre.entity';

@Entity({ name: 'district' })
export class DistrictEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ name: 'centre_id', type: 'text' })
  centreId!: string;

  /** How many cameras the district has in all, where only a total is known (the registry
   * then holds fewer rows than that); null: the registered cameras are all there are. */
  @Column({ name: 'cameras_total', type: 'integer', nullable: true })
  camerasTotal!: number | null;

  @ManyToOne(() => OperationsCentreEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'centre_id' })
  centre?: OperationsCentreEntity;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

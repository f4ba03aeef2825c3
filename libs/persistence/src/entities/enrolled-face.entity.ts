import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';
import { float32Bytes } from './bytea-float32.transformer';

@Entity({ name: 'enrolled_face' })
export class EnrolledFaceEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Index()
  @Column({ name: 'person_id', type: 'uuid' })
  personId!: string;

  @Column({ type: 'bytea', transformer: float32Bytes })
  embedding!: Float32Array;

  @Column({ name: 'model_id', type: 'text' })
  modelId!: string;

  /** Detector score of the enrolled face, 0..1. */
  @Column({ type: 'real' })
  quality!: number;

  /** The aligned 112x112 crop as JPEG, shown beside the probe face in the console. */
  @Column({ type: 'bytea' })
  thumbnail!: Buffer;

  @Column({ name: 'source_name', type: 'text', nullable: true })
  sourceName!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

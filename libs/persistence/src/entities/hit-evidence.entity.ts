import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** Probe face crops of hits; purged after the retention period. */
@Entity({ name: 'hit_evidence' })
export class HitEvidenceEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'content_type', type: 'text' })
  contentType!: string;

  @Column({ type: 'bytea' })
  content!: Buffer;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Index()
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;
}

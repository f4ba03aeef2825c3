import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export type WatchlistCategory = 'wanted' | 'missing' | 'other';
export type WatchlistStatus = 'active' | 'archived';

@Entity({ name: 'watchlist' })
export class WatchlistEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  category!: WatchlistCategory;

  /** Cosine similarity at or above which a face is a hit for this list. */
  @Column({ name: 'similarity_threshold', type: 'real' })
  similarityThreshold!: number;

  /** Higher first in the operators' console. */
  @Column({ type: 'integer', default: 0 })
  priority!: number;

  /** #rrggbb the console marks this list's hits with; null: the category's colour. */
  @Column({ type: 'text', nullable: true })
  colour!: string | null;

  /** What an officer who meets a person of this list must do; answered to badges with a hit. */
  @Column({ type: 'text', nullable: true })
  instructions!: string | null;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;

  @Column({ type: 'text', default: 'active' })
  status!: WatchlistStatus;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

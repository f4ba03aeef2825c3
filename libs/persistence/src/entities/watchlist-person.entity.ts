import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** pending: enrolled without a usable photo, never searched; removed: kept for the audit trail. */
export type PersonStatus = 'pending' | 'active' | 'expired' | 'removed';

@Entity({ name: 'watchlist_person' })
export class WatchlistPersonEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Index()
  @Column({ name: 'watchlist_id', type: 'uuid' })
  watchlistId!: string;

  @Column({ name: 'full_name', type: 'text' })
  fullName!: string;

  @Column({ name: 'case_reference', type: 'text', nullable: true })
  caseReference!: string | null;

  @Column({ type: 'text', nullable: true })
  notes!: string | null;

  /** What an officer who meets this person must do; null: the list's instructions apply. */
  @Column({ type: 'text', nullable: true })
  instructions!: string | null;

  @Column({ type: 'text' })
  status!: PersonStatus;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;

  /** Bumped on every change; matchers ignore a change older than what they hold. */
  @Column({
    type: 'bigint',
    default: 1,
    transformer: { to: (v: number) => v, from: (v: string) => Number(v) },
  })
  version!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

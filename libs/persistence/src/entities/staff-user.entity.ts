import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export type StaffUserStatus = 'active' | 'disabled';

/** A person who signs in to kuzet. Only the argon2id hash of the password is kept;
 * token_version is bumped on every change of roles, centres, password or status, which
 * ends the sessions issued before it. */
@Entity({ name: 'staff_user' })
export class StaffUserEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'text', unique: true })
  username!: string;

  @Column({ name: 'password_hash', type: 'text' })
  passwordHash!: string;

  @Column({ type: 'text', array: true })
  roles!: string[];

  @Column({ name: 'centre_ids', type: 'text', array: true })
  centreIds!: string[];

  @Column({ type: 'text', default: 'active' })
  status!: StaffUserStatus;

  @Column({ name: 'token_version', type: 'integer', default: 1 })
  tokenVersion!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

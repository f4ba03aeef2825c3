import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import { StaffUserEntity } from '@kuzet/persistence';
import { EntityManager } from 'typeorm';

export type NewStaffUser = Pick<
  StaffUserEntity,
  'id' | 'username' | 'passwordHash' | 'roles' | 'centreIds'
>;

export type StaffUserChange = Partial<
  Pick<StaffUserEntity, 'passwordHash' | 'roles' | 'centreIds' | 'status'>
>;

/** All SQL of staff users. */
@Injectable()
export class StaffUserRepository {
  constructor(@InjectEntityManager() private readonly em: EntityManager) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.em.transaction(work);
  }

  /** Inserts unless the username is taken; null when it is. */
  async insert(
    user: NewStaffUser,
    manager: EntityManager = this.em,
  ): Promise<StaffUserEntity | null> {
    const result = await manager
      .createQueryBuilder()
      .insert()
      .into(StaffUserEntity)
      .values(user)
      .orIgnore()
      .returning('id')
      .execute();
    // the rows RETURNING gave back: none when the username was taken
    if ((result.raw as unknown[]).length === 0) return null;
    return manager.findOneByOrFail(StaffUserEntity, { id: user.id });
  }

  findById(id: string, manager: EntityManager = this.em): Promise<StaffUserEntity | null> {
    return manager.findOneBy(StaffUserEntity, { id });
  }

  async isSessionOpen(sessionId: string, userId: string): Promise<boolean> {
    const rows = (await this.em.query(
      `SELECT 1 FROM staff_session
       WHERE id = $1 AND user_id = $2 AND ended_at IS NULL AND expires_at > now()`,
      [sessionId, userId],
    )) as unknown[];
    return rows.length > 0;
  }

  findByUsername(username: string): Promise<StaffUserEntity | null> {
    return this.em.findOneBy(StaffUserEntity, { username });
  }

  list(): Promise<StaffUserEntity[]> {
    return this.em.find(StaffUserEntity, { order: { username: 'ASC' } });
  }

  /** Applies the change and bumps token_version, which ends the user's earlier sessions. */
  async update(
    id: string,
    change: StaffUserChange,
    manager: EntityManager,
  ): Promise<StaffUserEntity | null> {
    await manager
      .createQueryBuilder()
      .update(StaffUserEntity)
      .set({ ...change, tokenVersion: () => 'token_version + 1' })
      .where('id = :id', { id })
      .execute();
    return this.findById(id, manager);
  }
}

import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import { IntegratorApiKeyEntity } from '@kuzet/persistence';
import { EntityManager, IsNull } from 'typeorm';

export type NewApiKey = Omit<IntegratorApiKeyEntity, 'createdAt' | 'revokedAt'>;

/** All SQL of integrator API keys. */
@Injectable()
export class ApiKeyRepository {
  constructor(@InjectEntityManager() private readonly em: EntityManager) {}

  async insert(key: NewApiKey): Promise<IntegratorApiKeyEntity> {
    await this.em.insert(IntegratorApiKeyEntity, key);
    return this.em.findOneByOrFail(IntegratorApiKeyEntity, { id: key.id });
  }

  findById(id: string): Promise<IntegratorApiKeyEntity | null> {
    return this.em.findOneBy(IntegratorApiKeyEntity, { id });
  }

  list(): Promise<IntegratorApiKeyEntity[]> {
    return this.em.find(IntegratorApiKeyEntity, { order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /** Revokes a key that is not revoked yet; false when there is no such key. */
  async revoke(id: string, at: Date): Promise<boolean> {
    const result = await this.em.update(
      IntegratorApiKeyEntity,
      { id, revokedAt: IsNull() },
      { revokedAt: at },
    );
    return (result.affected ?? 0) > 0;
  }
}

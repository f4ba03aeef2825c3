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

  /** Whether some key that is not revoked takes Digest with MD5 (then challenges offer it). */
  async anyDigestMd5(): Promise<boolean> {
    const rows: unknown[] = await this.em.query(
      `SELECT 1 FROM integrator_api_key WHERE digest_ha1_md5 IS NOT NULL AND revoked_at IS NULL LIMIT 1`,
    );
    return rows.length > 0;
  }

  /** Records that this key took this nonce with this nc, on every instance at once; false when
   * it was taken before (a replay). Kept until the nonce has expired anyway. */
  async takeDigestNonce(
    keyId: string,
    nonce: string,
    nc: string,
    expiresAt: Date,
  ): Promise<boolean> {
    const rows: unknown[] = await this.em.query(
      `INSERT INTO digest_nonce_use (key_id, nonce, nc, expires_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING RETURNING 1`,
      [keyId, nonce, nc, expiresAt],
    );
    return rows.length > 0;
  }

  /** Forgets the nonce uses whose nonce has expired; how many. */
  async sweepDigestNonces(now: Date): Promise<number> {
    const result: [unknown[], number] = await this.em.query(
      `DELETE FROM digest_nonce_use WHERE expires_at < $1`,
      [now],
    );
    return result[1];
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

import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { TTLCache } from '@isaacs/ttlcache';
import { KUZET_CONFIG, KuzetConfig } from '@kuzet/config';
import { IntegratorApiKeyEntity } from '@kuzet/persistence';
import { AuditLogService } from '@kuzet/audit-log';
import { ApiKeyRepository } from './api-key.repository';
import { ApiKeyDto, CreateApiKeyInput, CreatedApiKeyDto } from './api-key.schemas';
import {
  generateApiKeyToken,
  hashApiKeySecret,
  parseApiKeyToken,
  secretMatches,
} from './api-key.token';
import { IntegratorPrincipal } from './integrator-principal';

interface CachedKey {
  readonly secretSha256: Buffer;
  readonly principal: IntegratorPrincipal | null;
}

/** Issues, lists, revokes and checks integrator API keys. A checked key is cached briefly so
 * the ingest hot path does not query PostgreSQL per request; a revocation takes effect at once
 * on this instance and within API_KEY_CACHE_TTL_MS on the others. */
@Injectable()
export class ApiKeyService {
  private readonly cache: TTLCache<string, CachedKey>;

  constructor(
    private readonly repository: ApiKeyRepository,
    @Inject(KUZET_CONFIG) config: Readonly<KuzetConfig>,
    private readonly audit: AuditLogService,
  ) {
    this.cache = new TTLCache({
      ttl: config.API_KEY_CACHE_TTL_MS,
      max: 10_000,
      checkAgeOnGet: true,
    });
  }

  /** actor: who issued the key, for the audit log. */
  async create(input: CreateApiKeyInput, actor: string): Promise<CreatedApiKeyDto> {
    const { id, secret, token } = generateApiKeyToken();
    const stored = await this.repository.insert({
      id,
      integratorId: input.integrator_id,
      label: input.label,
      secretSha256: hashApiKeySecret(secret),
      cameraIds: [...new Set(input.camera_ids)],
      districtIds: [...new Set(input.district_ids)],
      rateLimitPerMinute: input.rate_limit_per_minute ?? null,
    });
    const dto = toApiKeyDto(stored);
    await this.audit.append({
      actor,
      action: 'api-key.created',
      subjectType: 'api-key',
      subjectId: id,
      details: { ...dto },
    });
    return { ...dto, key: token };
  }

  async list(): Promise<ApiKeyDto[]> {
    return (await this.repository.list()).map(toApiKeyDto);
  }

  async revoke(id: string, actor: string): Promise<ApiKeyDto> {
    const revokedNow = await this.repository.revoke(id, new Date());
    this.cache.delete(id);
    const key = await this.repository.findById(id);
    if (!key) throw new NotFoundException(`API key ${id} does not exist`);
    if (revokedNow) {
      await this.audit.append({
        actor,
        action: 'api-key.revoked',
        subjectType: 'api-key',
        subjectId: id,
        details: { integratorId: key.integratorId },
      });
    }
    return toApiKeyDto(key);
  }

  /** The integrator behind a presented key, or null for a malformed, unknown or revoked key. */
  async authenticate(presented: string): Promise<IntegratorPrincipal | null> {
    const token = parseApiKeyToken(presented);
    if (!token) return null;
    let cached = this.cache.get(token.id);
    if (!cached) {
      const key = await this.repository.findById(token.id);
      if (!key) return null;
      cached = {
        secretSha256: key.secretSha256,
        principal: key.revokedAt === null ? toPrincipal(key) : null,
      };
      this.cache.set(token.id, cached);
    }
    return secretMatches(token.secret, cached.secretSha256) ? cached.principal : null;
  }
}

function toPrincipal(key: IntegratorApiKeyEntity): IntegratorPrincipal {
  return {
    keyId: key.id,
    integratorId: key.integratorId,
    cameraIds: new Set(key.cameraIds),
    districtIds: new Set(key.districtIds),
    rateLimitPerMinute: key.rateLimitPerMinute,
  };
}

function toApiKeyDto(key: IntegratorApiKeyEntity): ApiKeyDto {
  return {
    id: key.id,
    integrator_id: key.integratorId,
    label: key.label,
    camera_ids: key.cameraIds,
    district_ids: key.districtIds,
    rate_limit_per_minute: key.rateLimitPerMinute,
    created_at: key.createdAt.toISOString(),
    revoked_at: key.revokedAt?.toISOString() ?? null,
  };
}

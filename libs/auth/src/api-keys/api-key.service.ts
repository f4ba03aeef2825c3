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
import {
  checkDigestNonce,
  DIGEST_REALM,
  digestChallenges,
  digestHa1,
  digestResponseMatches,
  parseDigestAuthorization,
} from './digest';
import { randomBytes } from 'node:crypto';

interface CachedKey {
  readonly secretSha256: Buffer;
  readonly principal: IntegratorPrincipal | null;
  readonly ha1: { readonly MD5: Buffer | null; readonly 'SHA-256': Buffer | null };
}

/** The outcome of HTTP Digest credentials: the integrator, or why not. */
export type DigestOutcome =
  | { readonly ok: true; readonly principal: IntegratorPrincipal }
  | { readonly ok: false; readonly stale: boolean };

/** Issues, lists, revokes and checks integrator API keys. A checked key is cached briefly so
 * the ingest hot path does not query PostgreSQL per request; a revocation takes effect at once
 * on this instance and within API_KEY_CACHE_TTL_MS on the others. */
@Injectable()
export class ApiKeyService {
  private readonly cache: TTLCache<string, CachedKey>;
  /** Signs Digest nonces; instances behind one balancer need the same DEVICE_DIGEST_SECRET. */
  private readonly digestSecret: string;

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
    this.digestSecret = config.DEVICE_DIGEST_SECRET ?? randomBytes(32).toString('base64url');
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
      digestHa1Md5: digestHa1('MD5', id, token),
      digestHa1Sha256: digestHa1('SHA-256', id, token),
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
    const cached = await this.cached(token.id);
    if (!cached) return null;
    return secretMatches(token.secret, cached.secretSha256) ? cached.principal : null;
  }

  /** HTTP Digest credentials (RFC 7616: user name = the key id, password = the key) of a
   * request with this method and URL, checked from the headers alone. */
  async authenticateDigest(
    authorization: string | undefined,
    method: string,
    url: string,
  ): Promise<DigestOutcome> {
    const credentials = parseDigestAuthorization(authorization);
    if (!credentials || credentials.realm !== DIGEST_REALM || credentials.uri !== url) {
      return { ok: false, stale: false };
    }
    const nonce = checkDigestNonce(this.digestSecret, credentials.nonce);
    if (nonce === 'invalid') return { ok: false, stale: false };
    const cached = /^[a-z0-9]{16}$/.test(credentials.username)
      ? await this.cached(credentials.username)
      : null;
    const ha1 = cached?.ha1[credentials.algorithm];
    if (!cached?.principal || !ha1 || !digestResponseMatches(credentials, ha1, method)) {
      return { ok: false, stale: false };
    }
    // right password, old nonce: the device retries at once with the fresh one
    if (nonce === 'stale') return { ok: false, stale: true };
    return { ok: true, principal: cached.principal };
  }

  /** The WWW-Authenticate values of a Digest challenge, with a fresh nonce. */
  digestChallenges(stale = false): string[] {
    return digestChallenges(this.digestSecret, stale);
  }

  private async cached(id: string): Promise<CachedKey | undefined> {
    let cached = this.cache.get(id);
    if (!cached) {
      const key = await this.repository.findById(id);
      if (!key) return undefined;
      cached = {
        secretSha256: key.secretSha256,
        principal: key.revokedAt === null ? toPrincipal(key) : null,
        ha1: { MD5: key.digestHa1Md5, 'SHA-256': key.digestHa1Sha256 },
      };
      this.cache.set(id, cached);
    }
    return cached;
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

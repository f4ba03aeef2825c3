import { Inject, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { TTLCache } from '@isaacs/ttlcache';
import { KUZET_CONFIG, KuzetConfig } from '@kuzet/config';
import { counter } from '@kuzet/observability';
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
  DIGEST_CLOCK_SKEW_MS,
  DIGEST_NONCE_TTL_MS,
  DIGEST_REALM,
  digestChallenges,
  digestHa1,
  digestNonceIssuedAt,
  digestResponseMatches,
  parseDigestAuthorization,
} from './digest';
import { randomBytes } from 'node:crypto';

interface CachedKey {
  readonly secretSha256: Buffer;
  readonly principal: IntegratorPrincipal | null;
  readonly ha1: { readonly MD5: Buffer | null; readonly 'SHA-256': Buffer | null };
}

/** Why Digest credentials were refused (the `reason` label of kuzet_digest_auth_failures_total):
 * malformed (not parseable, wrong realm or URI), bad_nonce (not one kuzet signed), unknown_key
 * (no such key, revoked, or issued without `digest`), algorithm (MD5 for a key not issued with
 * `digest_md5`), wrong_response (wrong password), stale (expired nonce), replayed (this key,
 * nonce and nc were taken before). */
export type DigestFailure =
  'malformed' | 'bad_nonce' | 'unknown_key' | 'algorithm' | 'wrong_response' | 'stale' | 'replayed';

/** The outcome of HTTP Digest credentials: the integrator, or why not; `stale`: the password
 * was right, so the device may retry at once with a fresh nonce (RFC 7616 stale=true). */
export type DigestOutcome =
  | { readonly ok: true; readonly principal: IntegratorPrincipal }
  | { readonly ok: false; readonly stale: boolean; readonly reason: DigestFailure };

const digestFailures = counter({
  name: 'kuzet_digest_auth_failures_total',
  help: 'HTTP Digest attempts of devices refused, by reason',
  labelNames: ['reason'],
});

const SWEEP_EVERY_MS = 60_000;

/** Issues, lists, revokes and checks integrator API keys. A checked key is cached briefly so
 * the ingest hot path does not query PostgreSQL per request; a revocation takes effect at once
 * on this instance and within API_KEY_CACHE_TTL_MS on the others. */
@Injectable()
export class ApiKeyService {
  private readonly logger = new Logger(ApiKeyService.name);
  private readonly cache: TTLCache<string, CachedKey>;
  /** Whether some key takes MD5 Digest, read again after API_KEY_CACHE_TTL_MS. */
  private readonly md5Offered: TTLCache<'md5', boolean>;
  private sweeping = false;
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
    this.md5Offered = new TTLCache({ ttl: config.API_KEY_CACHE_TTL_MS, checkAgeOnGet: true });
    this.digestSecret = config.DEVICE_DIGEST_SECRET ?? randomBytes(32).toString('base64url');
  }

  /** actor: who issued the key, for the audit log. */
  async create(
    input: Omit<CreateApiKeyInput, 'digest' | 'digest_md5' | 'identify'> &
      Partial<Pick<CreateApiKeyInput, 'digest' | 'digest_md5' | 'identify'>>,
    actor: string,
  ): Promise<CreatedApiKeyDto> {
    const { id, secret, token } = generateApiKeyToken();
    const stored = await this.repository.insert({
      id,
      integratorId: input.integrator_id,
      label: input.label,
      secretSha256: hashApiKeySecret(secret),
      cameraIds: [...new Set(input.camera_ids)],
      districtIds: [...new Set(input.district_ids)],
      rateLimitPerMinute: input.rate_limit_per_minute ?? null,
      mayIdentify: input.identify === true,
      // a password-equivalent for Digest only for the keys that need it
      digestHa1Md5:
        input.digest === true && input.digest_md5 === true ? digestHa1('MD5', id, token) : null,
      digestHa1Sha256: input.digest === true ? digestHa1('SHA-256', id, token) : null,
    });
    if (stored.digestHa1Md5) this.md5Offered.clear();
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
    this.md5Offered.clear();
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
   * request with this method and URL, checked from the headers alone. Only keys issued with
   * `digest` take it, MD5 only those issued with `digest_md5`; each (key, nonce, nc) is taken
   * once, on every instance (PostgreSQL), so a seen request cannot be sent again. A refusal
   * counts in kuzet_digest_auth_failures_total by reason. */
  async authenticateDigest(
    authorization: string | undefined,
    method: string,
    url: string,
  ): Promise<DigestOutcome> {
    const outcome = await this.checkDigest(authorization, method, url);
    if (!outcome.ok) digestFailures.inc({ reason: outcome.reason });
    return outcome;
  }

  private async checkDigest(
    authorization: string | undefined,
    method: string,
    url: string,
  ): Promise<DigestOutcome> {
    const refuse = (reason: DigestFailure, stale = false): DigestOutcome => ({
      ok: false,
      stale,
      reason,
    });
    const credentials = parseDigestAuthorization(authorization);
    if (!credentials || credentials.realm !== DIGEST_REALM || credentials.uri !== url) {
      return refuse('malformed');
    }
    const nonce = checkDigestNonce(this.digestSecret, credentials.nonce);
    if (nonce === 'invalid') return refuse('bad_nonce');
    const cached = /^[a-z0-9]{16}$/.test(credentials.username)
      ? await this.cached(credentials.username)
      : null;
    if (!cached?.principal || !cached.ha1['SHA-256']) return refuse('unknown_key');
    const ha1 = cached.ha1[credentials.algorithm];
    if (!ha1) return refuse('algorithm');
    if (!digestResponseMatches(credentials, ha1, method)) return refuse('wrong_response');
    // right password, old nonce: the device retries at once with the fresh one
    if (nonce === 'stale') return refuse('stale', true);
    const expiresAt = new Date(
      digestNonceIssuedAt(credentials.nonce) + DIGEST_NONCE_TTL_MS + DIGEST_CLOCK_SKEW_MS,
    );
    const first = await this.repository.takeDigestNonce(
      cached.principal.keyId,
      credentials.nonce,
      credentials.nc,
      expiresAt,
    );
    // taken before: a replay (or a device repeating its count); a fresh nonce lets a device
    // that knows the password go on, and is of no use to whoever copied the header
    if (!first) return refuse('replayed', true);
    return { ok: true, principal: cached.principal };
  }

  /** The WWW-Authenticate values of a Digest challenge, with a fresh nonce: SHA-256, and MD5
   * only while some key was issued with `digest_md5`. */
  async digestChallenges(stale = false): Promise<string[]> {
    let md5 = this.md5Offered.get('md5');
    if (md5 === undefined) {
      md5 = await this.repository.anyDigestMd5();
      this.md5Offered.set('md5', md5);
    }
    return digestChallenges(this.digestSecret, stale, Date.now(), md5);
  }

  /** Forgets the Digest nonce uses past their nonce's life, every minute (@nestjs/schedule).
   * Every instance sweeps: the delete is idempotent. */
  @Interval('digest-nonce-sweep', SWEEP_EVERY_MS)
  async sweepDigestNonces(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      await this.repository.sweepDigestNonces(new Date());
    } catch (error) {
      this.logger.warn({ err: String(error) }, 'sweep of Digest nonce uses failed; next minute');
    } finally {
      this.sweeping = false;
    }
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
    mayIdentify: key.mayIdentify,
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
    identify: key.mayIdentify,
    digest: key.digestHa1Sha256 !== null,
    digest_md5: key.digestHa1Md5 !== null,
    created_at: key.createdAt.toISOString(),
    revoked_at: key.revokedAt?.toISOString() ?? null,
  };
}

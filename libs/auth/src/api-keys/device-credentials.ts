import type { RequestFieldError } from '@kuzet/http';
import { authenticatedByDigest } from './api-key.guard';
import { ApiKeyService } from './api-key.service';

/** What a device request's HTTP Digest credentials came to, checked before its body is read. */
export type DigestCheck =
  | { readonly kind: 'not_digest' }
  | { readonly kind: 'accepted' }
  | { readonly kind: 'refused'; readonly stale: boolean; readonly error: RequestFieldError };

interface DeviceRequest {
  readonly headers: Record<string, string | string[] | undefined>;
  readonly method: string;
  readonly url: string;
}

/** HTTP Digest for devices that can be given a user and password but can do neither Basic nor a
 * header (user name: the API key id, password: the key). An accepted request carries its
 * integrator to the ApiKeyGuard; anything but Digest is left to the guard. */
export async function checkDigestCredentials(
  apiKeys: ApiKeyService,
  request: DeviceRequest,
): Promise<DigestCheck> {
  const authorization = request.headers['authorization'];
  if (typeof authorization !== 'string' || !/^\s*Digest\s/i.test(authorization))
    return { kind: 'not_digest' };
  const digest = await apiKeys.authenticateDigest(authorization, request.method, request.url);
  if (digest.ok) {
    authenticatedByDigest(request, digest.principal);
    return { kind: 'accepted' };
  }
  return {
    kind: 'refused',
    stale: digest.stale,
    error: {
      field: 'Authorization',
      rule: digest.stale ? 'stale_nonce' : 'digest',
      message: digest.stale
        ? 'the Digest nonce has expired or was used: retry with the fresh one'
        : 'the Digest credentials are wrong (user name: the API key id, issued with digest; password: the API key)',
    },
  };
}

/** The WWW-Authenticate lines a device is answered with on a 401 (devices send credentials only
 * when challenged): Basic, and Digest with a fresh nonce (stale=true after an expired or used one). */
export async function deviceChallenges(apiKeys: ApiKeyService, stale: boolean): Promise<string[]> {
  return ['Basic realm="kuzet", charset="UTF-8"', ...(await apiKeys.digestChallenges(stale))];
}

import {
  CanActivate,
  createParamDecorator,
  ExecutionContext,
  HttpStatus,
  Injectable,
} from '@nestjs/common';
import { FieldErrorsException } from '@kuzet/http';
import { ApiKeyService } from './api-key.service';
import { IntegratorPrincipal } from './integrator-principal';

export const API_KEY_HEADER = 'x-api-key';

/** Where the ingest's request hook leaves the integrator of HTTP Digest credentials it checked
 * (a symbol: no request data can set it). */
const DIGEST_PRINCIPAL = Symbol('kuzet.digest-principal');

interface RequestWithIntegrator {
  headers: Record<string, string | string[] | undefined>;
  integrator?: IntegratorPrincipal;
  [DIGEST_PRINCIPAL]?: IntegratorPrincipal;
}

/** Records that a request's Digest credentials were checked and whose they are. */
export function authenticatedByDigest(request: object, principal: IntegratorPrincipal): void {
  (request as RequestWithIntegrator)[DIGEST_PRINCIPAL] = principal;
}

/** Lets a request through only with a valid, unrevoked `X-Api-Key`; the integrator it belongs
 * to is then available to the handler through @Integrator(). */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(private readonly apiKeys: ApiKeyService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<RequestWithIntegrator>();
    if (request[DIGEST_PRINCIPAL]) {
      request.integrator = request[DIGEST_PRINCIPAL];
      return true;
    }
    const presented = presentedApiKey(request.headers);
    if (presented === undefined) {
      throw apiKeyRefused('required', 'an X-Api-Key header is required');
    }
    const integrator = await this.apiKeys.authenticate(presented);
    if (!integrator) {
      throw apiKeyRefused('api_key', 'the API key is unknown or revoked');
    }
    request.integrator = integrator;
    return true;
  }
}

/** The API key of a request: the X-Api-Key header, or else the password of HTTP Basic
 * credentials (devices such as cameras can be given a user and password, not a header). */
export function presentedApiKey(
  headers: Record<string, string | string[] | undefined>,
): string | undefined {
  const header = headers[API_KEY_HEADER];
  if (typeof header === 'string' && header !== '') return header;
  const authorization = headers['authorization'];
  if (typeof authorization !== 'string') return undefined;
  const basic = /^Basic +([A-Za-z0-9+/=]{1,1024})$/i.exec(authorization.trim());
  if (!basic) return undefined;
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const password = colon === -1 ? '' : decoded.slice(colon + 1);
  return password === '' ? undefined : password;
}

export const Integrator = createParamDecorator(
  (_: unknown, context: ExecutionContext): IntegratorPrincipal => {
    const integrator = context.switchToHttp().getRequest<RequestWithIntegrator>().integrator;
    if (!integrator) throw apiKeyRefused('required', 'an X-Api-Key header is required');
    return integrator;
  },
);

/** A 401 in the shape of every other refusal: the errors array names the header. */
function apiKeyRefused(rule: string, message: string): FieldErrorsException {
  return new FieldErrorsException(
    HttpStatus.UNAUTHORIZED,
    [{ field: 'X-Api-Key', rule, message }],
    message,
  );
}

export function integratorOf(request: object): IntegratorPrincipal | undefined {
  return (request as RequestWithIntegrator).integrator;
}

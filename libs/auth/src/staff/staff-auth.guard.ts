import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  API_KEY_AUTH_METADATA,
  attachStaff,
  PUBLIC_METADATA,
  ROLES_METADATA,
} from './staff-auth.decorators';
import { StaffRole } from './staff-principal';
import { StaffTokenService } from './staff-token.service';
import { StaffUserService } from './staff-user.service';

interface HttpRequest {
  headers: Record<string, string | string[] | undefined>;
}

/** The global HTTP guard, deny by default: @Public() endpoints are open, integrator
 * endpoints are left to their API-key guard; every other endpoint needs a current staff
 * session (else 401) whose user has one of the endpoint's @Roles (else 403, also when the
 * endpoint declares none). WebSocket gateways check the token themselves on connect. */
@Injectable()
export class StaffAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: StaffTokenService,
    private readonly users: StaffUserService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_METADATA, targets)) return true;
    if (this.reflector.getAllAndOverride<boolean>(API_KEY_AUTH_METADATA, targets)) return true;
    const request = context.switchToHttp().getRequest<HttpRequest>();
    const token = bearerToken(request.headers.authorization);
    if (!token) {
      // an integrator trying its key on a staff endpoint is told where its own answers are
      throw new UnauthorizedException(
        request.headers['x-api-key'] !== undefined
          ? 'this endpoint is for staff (sign in first: POST /v1/auth/login); with an API key, see GET /v1/integrator/me and GET /v1/integrator/cameras'
          : 'sign in first: POST /v1/auth/login',
      );
    }
    const { principal, tokenVersion, sessionId } = this.tokens.verifyWithVersion(token);
    if (!(await this.users.isSessionCurrent(principal.userId, tokenVersion, sessionId))) {
      throw new UnauthorizedException('the session has ended: sign in again');
    }
    attachStaff(request, principal, sessionId);
    const allowed =
      this.reflector.getAllAndOverride<StaffRole[] | undefined>(ROLES_METADATA, targets) ?? [];
    if (!principal.roles.some((role) => allowed.includes(role))) {
      throw new ForbiddenException(
        allowed.length > 0
          ? `this needs one of the roles ${allowed.join(', ')}`
          : 'this endpoint declares no role, so nobody may call it',
      );
    }
    return true;
  }
}

function bearerToken(authorization: string | string[] | undefined): string | null {
  if (typeof authorization !== 'string') return null;
  const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
  return match ? match[1]! : null;
}

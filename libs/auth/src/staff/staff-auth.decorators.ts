import {
  applyDecorators,
  CanActivate,
  createParamDecorator,
  ExecutionContext,
  SetMetadata,
  Type,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import { ApiKeyGuard } from '../api-keys/api-key.guard';
import { StaffPrincipal, StaffRole } from './staff-principal';

export const ROLES_METADATA = 'kuzet:staff-roles';
export const PUBLIC_METADATA = 'kuzet:public';
export const API_KEY_AUTH_METADATA = 'kuzet:api-key-auth';

/** The staff roles that may call an endpoint (any one of them suffices). An endpoint that
 * declares no role, and is neither @Public() nor @IntegratorApiKeyAuth(), answers 403. */
export const Roles = (...roles: StaffRole[]) => SetMetadata(ROLES_METADATA, roles);

/** No authentication: health, metrics, login, the console's static files. */
export const Public = () => SetMetadata(PUBLIC_METADATA, true);

/** Integrator endpoints: the staff guard steps aside and the X-Api-Key guard decides; the
 * other guards given run after it. */
export const IntegratorApiKeyAuth = (...thenGuards: Type<CanActivate>[]) =>
  applyDecorators(SetMetadata(API_KEY_AUTH_METADATA, true), UseGuards(ApiKeyGuard, ...thenGuards));

interface RequestWithStaff {
  staff?: StaffPrincipal;
  staffSessionId?: string;
}

export function attachStaff(request: object, principal: StaffPrincipal, sessionId: string): void {
  Object.assign(request as RequestWithStaff, { staff: principal, staffSessionId: sessionId });
}

export function staffOf(request: object): StaffPrincipal | undefined {
  return (request as RequestWithStaff).staff;
}

/** The signed-in StaffPrincipal of the request. */
export const CurrentUser = createParamDecorator(
  (_: unknown, context: ExecutionContext): StaffPrincipal => {
    const staff = staffOf(context.switchToHttp().getRequest<object>());
    if (!staff) throw new UnauthorizedException('sign in first: POST /v1/auth/login');
    return staff;
  },
);

/** The id of the signed-in session of the request (what signing out ends). */
export const CurrentSessionId = createParamDecorator(
  (_: unknown, context: ExecutionContext): string => {
    const sessionId = (context.switchToHttp().getRequest<object>() as RequestWithStaff)
      .staffSessionId;
    if (!sessionId) throw new UnauthorizedException('sign in first: POST /v1/auth/login');
    return sessionId;
  },
);

/** Who may call a route, read the way StaffAuthGuard reads it: 'public', 'api-key', the staff
 * roles, or 'nothing' (no declaration: the guard answers 403). */
export type RouteAccess = 'public' | 'api-key' | readonly StaffRole[] | 'nothing';

export function routeAccess(handler: object, controller: object): RouteAccess {
  const read = <T>(key: string): T | undefined =>
    (Reflect.getMetadata(key, handler) ?? Reflect.getMetadata(key, controller)) as T | undefined;
  if (read<boolean>(PUBLIC_METADATA)) return 'public';
  if (read<boolean>(API_KEY_AUTH_METADATA)) return 'api-key';
  return read<StaffRole[]>(ROLES_METADATA) ?? 'nothing';
}

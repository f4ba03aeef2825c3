import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { KUZET_CONFIG, KuzetConfig } from '@kuzet/config';
import { isStaffRole, StaffPrincipal } from './staff-principal';

export const JWT_SIGNING_SECRET = Symbol('JWT_SIGNING_SECRET');

export interface IssuedToken {
  readonly accessToken: string;
  readonly expiresAt: string;
}

export interface VerifiedToken {
  readonly principal: StaffPrincipal;
  /** The user's token_version when the token was issued. */
  readonly tokenVersion: number;
  /** When the token stops being accepted, ms since the epoch. */
  readonly expiresAtMs: number;
  /** The sign-in this token belongs to; signing out ends it. */
  readonly sessionId: string;
}

interface StaffClaims {
  readonly sub: string;
  readonly username: string;
  readonly roles: string[];
  readonly centreIds: string[];
  readonly ver: number;
  readonly sid: string;
  /** Set by the signer from JWT_TTL_SECONDS, in seconds since the epoch. */
  readonly exp?: number;
}

const ALGORITHM = 'HS256';
const AUDIENCE = 'kuzet-staff';

/** Signs and checks staff session tokens (JWT, HS256, JWT_TTL_SECONDS). */
@Injectable()
export class StaffTokenService {
  private readonly jwt: JwtService;

  constructor(
    @Inject(JWT_SIGNING_SECRET) secret: string,
    @Inject(KUZET_CONFIG) private readonly config: Readonly<KuzetConfig>,
  ) {
    this.jwt = new JwtService({
      secret,
      signOptions: { algorithm: ALGORITHM, audience: AUDIENCE },
      verifyOptions: { algorithms: [ALGORITHM], audience: AUDIENCE },
    });
  }

  issue(
    principal: StaffPrincipal,
    tokenVersion: number,
    sessionId: string,
    now = new Date(),
  ): IssuedToken {
    const claims: StaffClaims = {
      sub: principal.userId,
      username: principal.username,
      roles: [...principal.roles],
      centreIds: [...principal.centreIds],
      ver: tokenVersion,
      sid: sessionId,
    };
    const ttl = this.config.JWT_TTL_SECONDS;
    const accessToken = this.jwt.sign(claims, { expiresIn: ttl });
    return { accessToken, expiresAt: new Date(now.getTime() + ttl * 1000).toISOString() };
  }

  /** The signed-in staff member; throws UnauthorizedException if the token is invalid or expired. */
  verify(token: string): StaffPrincipal {
    return this.verifyWithVersion(token).principal;
  }

  verifyWithVersion(token: string): VerifiedToken {
    let claims: Partial<StaffClaims>;
    try {
      claims = this.jwt.verify<Partial<StaffClaims>>(token);
    } catch (error) {
      const reason =
        error instanceof Error && error.name === 'TokenExpiredError' ? 'expired' : 'invalid';
      throw new UnauthorizedException(`the access token is ${reason}: sign in again`);
    }
    const { sub, username, roles, centreIds, ver, sid, exp } = claims;
    if (
      typeof sub !== 'string' ||
      typeof sid !== 'string' ||
      typeof username !== 'string' ||
      !Array.isArray(roles) ||
      !Array.isArray(centreIds) ||
      typeof ver !== 'number' ||
      typeof exp !== 'number'
    ) {
      throw new UnauthorizedException('the access token is invalid: sign in again');
    }
    return {
      principal: {
        userId: sub,
        username,
        roles: roles.filter(isStaffRole),
        centreIds: centreIds.filter((id): id is string => typeof id === 'string'),
      },
      tokenVersion: ver,
      expiresAtMs: exp * 1000,
      sessionId: sid,
    };
  }
}

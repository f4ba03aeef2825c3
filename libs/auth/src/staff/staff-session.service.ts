import { Inject, Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { randomUUID } from 'node:crypto';
import { KUZET_CONFIG, KuzetConfig } from '@kuzet/config';
import { TooManyRequestsException } from '@kuzet/http';
import { AuditLogService } from '@kuzet/audit-log';
import { SignInAdmission } from './sign-in-admission';
import { StaffPrincipal, staffPrincipalBody } from './staff-principal';
import { ANY_ADDRESS, CountedAttempt, StaffSessionRepository } from './staff-session.repository';
import { StaffTokenService } from './staff-token.service';
import { LoginInput, LoginResult } from './staff-user.schemas';
import { StaffUserService } from './staff-user.service';

const SWEEP_EVERY_MS = 3_600_000;

/** Signing in and out. An attempt is counted in the database before its password is checked,
 * so parallel guesses cannot outrun the count: past AUTH_MAX_FAILED_LOGINS attempts of one
 * username from one address without a success, that pair is refused with 429 until
 * AUTH_FAILED_LOGIN_WINDOW_MS has passed. SignInAdmission bounds the password checks per
 * address and per instance. Sign-ins, refusals and sign-outs are on the audit log. */
@Injectable()
export class StaffSessionService {
  private readonly logger = new Logger(StaffSessionService.name);
  private readonly admission: SignInAdmission;
  private sweeping = false;

  constructor(
    private readonly users: StaffUserService,
    private readonly tokens: StaffTokenService,
    private readonly sessions: StaffSessionRepository,
    private readonly audit: AuditLogService,
    @Inject(KUZET_CONFIG) private readonly config: Readonly<KuzetConfig>,
  ) {
    this.admission = new SignInAdmission({
      perAddressPerMinute: config.AUTH_LOGINS_PER_ADDRESS_PER_MINUTE,
      inFlightPerAddress: config.AUTH_LOGINS_IN_FLIGHT_PER_ADDRESS,
      concurrentChecks: config.AUTH_PASSWORD_CHECKS_CONCURRENT,
      queuedChecks: config.AUTH_PASSWORD_CHECKS_QUEUED,
    });
  }

  async login(input: LoginInput, clientIp: string): Promise<LoginResult> {
    const leave = this.admission.enter(clientIp);
    try {
      await this.countAttempt(input.username, clientIp);
      const { principal, tokenVersion } = await this.admission.check(() =>
        this.users.authenticate(input.username, input.password),
      );
      await this.sessions.forget(input.username, clientIp);
      const sessionId = randomUUID();
      const token = this.tokens.issue(principal, tokenVersion, sessionId);
      await this.sessions.startSession(sessionId, principal.userId, new Date(token.expiresAt));
      await this.audit.append({
        actor: principal.username,
        action: 'auth.login',
        subjectType: 'staff-user',
        subjectId: principal.userId,
        details: { expiresAt: token.expiresAt, sessionId },
      });
      return {
        access_token: token.accessToken,
        expires_at: token.expiresAt,
        user: staffPrincipalBody(principal),
      };
    } finally {
      leave();
    }
  }

  /** Ends the session of this token for every instance (within AUTH_SESSION_CACHE_TTL_MS). */
  async logout(user: StaffPrincipal, sessionId: string): Promise<void> {
    if (!(await this.sessions.endSession(sessionId, user.userId))) {
      throw new UnauthorizedException('the session has ended: sign in again');
    }
    this.users.forgetCachedSessions();
    await this.audit.append({
      actor: user.username,
      action: 'auth.logout',
      subjectType: 'staff-user',
      subjectId: user.userId,
      details: { sessionId },
    });
  }

  /** Refuses the attempt past AUTH_MAX_FAILED_LOGINS of this username from this address, or
   * past AUTH_MAX_FAILED_LOGINS_PER_USER from every address together (a guess spread over many
   * addresses); the first refusal of each is audited. An address already refused adds nothing
   * to the username's count, so one address cannot lock the real user out by itself. */
  private async countAttempt(username: string, clientIp: string): Promise<void> {
    const window = this.config.AUTH_FAILED_LOGIN_WINDOW_MS;
    const here = await this.sessions.count(username, clientIp, window);
    await this.refuseBeyond(
      username,
      clientIp,
      here,
      this.config.AUTH_MAX_FAILED_LOGINS,
      'address',
    );
    const anywhere = await this.sessions.count(username, ANY_ADDRESS, window);
    await this.refuseBeyond(
      username,
      clientIp,
      anywhere,
      this.config.AUTH_MAX_FAILED_LOGINS_PER_USER,
      'username',
    );
  }

  private async refuseBeyond(
    username: string,
    clientIp: string,
    { attempts, windowEndsAt }: CountedAttempt,
    max: number,
    scope: 'address' | 'username',
  ): Promise<void> {
    if (attempts <= max) return;
    if (attempts === max + 1) {
      await this.audit.append({
        actor: 'anonymous',
        action: 'auth.login-throttled',
        subjectType: 'username',
        subjectId: username,
        details: { clientIp, scope },
      });
    }
    const retryAfterSeconds = (windowEndsAt.getTime() - Date.now()) / 1000;
    throw new TooManyRequestsException(
      retryAfterSeconds,
      `too many failed sign-ins for ${username}${scope === 'username' ? ' from all addresses' : ''}: try again in ${Math.ceil(retryAfterSeconds)} s`,
      scope === 'username' ? 'failed_sign_ins_any_address' : 'failed_sign_ins',
    );
  }

  /** Old attempt windows and sessions go once an hour (@nestjs/schedule; the period is fixed,
   * so the decorator serves). Every instance sweeps: the deletes are idempotent. */
  @Interval('staff-session-sweep', SWEEP_EVERY_MS)
  async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      await this.sessions.sweep();
    } catch (error) {
      this.logger.warn({ err: String(error) }, 'sweep of old sign-in windows failed; next hour');
    } finally {
      this.sweeping = false;
    }
  }
}

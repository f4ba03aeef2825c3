import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { KUZET_CONFIG, KuzetConfig } from '@kuzet/config';
import { AuditLogService } from '../audit-log/audit-log.service';
import { LoginThrottle } from './login-throttle';
import { StaffTokenService } from './staff-token.service';
import { LoginInput, LoginResult } from './staff-user.schemas';
import { AuthenticatedStaff, StaffUserService } from './staff-user.service';

/** Signing in: a password check, then a session token. Each sign-in is on the audit log, and
 * so is a run of failures that reaches AUTH_MAX_FAILED_LOGINS (then refused with 429 until
 * AUTH_FAILED_LOGIN_WINDOW_MS has passed). */
@Injectable()
export class StaffSessionService {
  private readonly throttle: LoginThrottle;

  constructor(
    private readonly users: StaffUserService,
    private readonly tokens: StaffTokenService,
    private readonly audit: AuditLogService,
    @Inject(KUZET_CONFIG) config: Readonly<KuzetConfig>,
  ) {
    this.throttle = new LoginThrottle(
      config.AUTH_MAX_FAILED_LOGINS,
      config.AUTH_FAILED_LOGIN_WINDOW_MS,
    );
  }

  async login(input: LoginInput, clientIp: string): Promise<LoginResult> {
    this.throttle.assertMayTry(input.username, clientIp);
    let authenticated: AuthenticatedStaff;
    try {
      authenticated = await this.users.authenticate(input.username, input.password);
    } catch (error) {
      if (error instanceof UnauthorizedException)
        await this.recordFailure(input.username, clientIp);
      throw error;
    }
    this.throttle.succeeded(input.username, clientIp);
    const { principal, tokenVersion } = authenticated;
    const token = this.tokens.issue(principal, tokenVersion);
    await this.audit.append({
      actor: principal.username,
      action: 'auth.login',
      subjectType: 'staff-user',
      subjectId: principal.userId,
      details: { expiresAt: token.expiresAt },
    });
    return { ...token, user: principal };
  }

  private async recordFailure(username: string, clientIp: string): Promise<void> {
    if (!this.throttle.failed(username, clientIp)) return;
    await this.audit.append({
      actor: 'anonymous',
      action: 'auth.login-throttled',
      subjectType: 'username',
      subjectId: username,
      details: { clientIp },
    });
  }
}

import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { KUZET_CONFIG, KuzetConfig } from '@kuzet/config';
import { AuditLogRepository } from '../audit-log/audit-log.repository';
import { AuditKeyRecorder } from '../audit-log/audit-key-recorder';
import { resolveAuditKeyring } from '../audit-log/audit-keyring';
import { AUDIT_CHAIN_KEYRING, AuditLogService } from '../audit-log/audit-log.service';
import { AuthController } from './auth.controller';
import { resolveJwtSecret } from './jwt-secret';
import { PasswordHasher } from './password-hasher';
import { StaffAuthGuard } from './staff-auth.guard';
import { StaffSessionRepository } from './staff-session.repository';
import { StaffSessionService } from './staff-session.service';
import { JWT_SIGNING_SECRET, StaffTokenService } from './staff-token.service';
import { StaffUserRepository } from './staff-user.repository';
import { StaffUserService } from './staff-user.service';
import { UsersController } from './users.controller';

/** Staff sign-in, users and roles, the deny-by-default guard on every HTTP endpoint, and
 * the audit log. Global: every app has it through PlatformModule. */
@Global()
@Module({
  controllers: [AuthController, UsersController],
  providers: [
    {
      provide: JWT_SIGNING_SECRET,
      inject: [KUZET_CONFIG],
      useFactory: (config: Readonly<KuzetConfig>) => resolveJwtSecret(config),
    },
    StaffTokenService,
    PasswordHasher,
    StaffUserRepository,
    StaffUserService,
    StaffSessionService,
    StaffSessionRepository,
    {
      provide: AUDIT_CHAIN_KEYRING,
      inject: [KUZET_CONFIG],
      useFactory: (config: Readonly<KuzetConfig>) => resolveAuditKeyring(config, { create: true }),
    },
    AuditLogRepository,
    AuditLogService,
    AuditKeyRecorder,
    StaffAuthGuard,
    { provide: APP_GUARD, useExisting: StaffAuthGuard },
  ],
  exports: [StaffTokenService, StaffUserService, AuditLogService],
})
export class StaffAuthModule {}

import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { KUZET_CONFIG, KuzetConfig } from '@kuzet/config';
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

/** Staff sign-in, users and roles, and the deny-by-default guard on every HTTP endpoint.
 * Global: every app has it through PlatformModule. */
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
    StaffAuthGuard,
    { provide: APP_GUARD, useExisting: StaffAuthGuard },
  ],
  exports: [StaffTokenService, StaffUserService],
})
export class StaffAuthModule {}

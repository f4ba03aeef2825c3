import { Module } from '@nestjs/common';
import { ApiKeyGuard } from './api-keys/api-key.guard';
import { ApiKeyRepository } from './api-keys/api-key.repository';
import { ApiKeyService } from './api-keys/api-key.service';

/** Integrator API keys. Staff sign-in and roles: StaffAuthModule. */
@Module({
  providers: [ApiKeyRepository, ApiKeyService, ApiKeyGuard],
  exports: [ApiKeyService, ApiKeyGuard],
})
export class AuthModule {}

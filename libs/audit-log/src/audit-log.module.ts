import { Global, Module } from '@nestjs/common';
import { KUZET_CONFIG, KuzetConfig } from '@kuzet/config';
import { AuditKeyRecorder } from './audit-key-recorder';
import { resolveAuditKeyring } from './audit-keyring';
import { AuditLogRepository } from './audit-log.repository';
import { AUDIT_CHAIN_KEYRING, AuditLogService } from './audit-log.service';

/** The signed, hash-chained audit log: every app appends to it and the audit app reads it,
 * both through AuditLogService. Global: every app has it through PlatformModule. */
@Global()
@Module({
  providers: [
    {
      provide: AUDIT_CHAIN_KEYRING,
      inject: [KUZET_CONFIG],
      useFactory: (config: Readonly<KuzetConfig>) => resolveAuditKeyring(config, { create: true }),
    },
    AuditLogRepository,
    AuditLogService,
    AuditKeyRecorder,
  ],
  exports: [AuditLogService],
})
export class AuditLogModule {}

import { Module } from '@nestjs/common';
import { DiskEvidenceStore } from '../../matcher/src/evidence/evidence-store';
import { AuditController } from './queries/audit.controller';
import { AuditQueryRepository } from './queries/audit-query.repository';
import { AuditQueryService } from './queries/audit-query.service';
import { RetentionRepository } from './retention/retention.repository';
import { RetentionService } from './retention/retention.service';

/** Match-log and decision queries for auditors, CSV export, chain verification, and the
 * scheduled retention purge. The audit log itself is written through AuditLogService
 * (libs/auth), which every app has. */
@Module({
  controllers: [AuditController],
  providers: [
    AuditQueryRepository,
    AuditQueryService,
    RetentionRepository,
    RetentionService,
    DiskEvidenceStore,
  ],
  exports: [RetentionService],
})
export class AuditModule {}

import { Module } from '@nestjs/common';
import { EvidenceModule } from '@kuzet/evidence';
import { AuditCheckpointService } from './chain/audit-checkpoint.service';
import { AuditController } from './queries/audit.controller';
import { AuditQueryRepository } from './queries/audit-query.repository';
import { AuditQueryService } from './queries/audit-query.service';
import { RetentionRepository } from './retention/retention.repository';
import { RetentionService } from './retention/retention.service';

/** Match-log and decision queries for auditors, CSV export, chain verification, the
 * scheduled retention purge and the audit chain's checkpoints. The audit log itself is
 * written through AuditLogService (libs/audit-log), which every app has. */
@Module({
  imports: [EvidenceModule],
  controllers: [AuditController],
  providers: [
    AuditQueryRepository,
    AuditQueryService,
    RetentionRepository,
    RetentionService,
    AuditCheckpointService,
  ],
  exports: [RetentionService, AuditCheckpointService],
})
export class AuditModule {}

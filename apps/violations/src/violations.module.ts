import { Module } from '@nestjs/common';
import { AuthModule } from '@kuzet/auth';
import { RegistryModule } from '@kuzet/registry';
import { ViolationConsumer } from './violation-log/violation.consumer';
import { ViolationLogService } from './violation-log/violation-log.service';
import { ViolationRepository } from './violation-log/violation.repository';
import { ViolationsController } from './violation-log/violations.controller';

/** Violation events -> validated log and per-district statistics. */
@Module({
  imports: [AuthModule, RegistryModule],
  controllers: [ViolationsController],
  providers: [ViolationConsumer, ViolationLogService, ViolationRepository],
})
export class ViolationsModule {}

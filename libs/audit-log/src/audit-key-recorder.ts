import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { AuditLogService } from './audit-log.service';

/** Puts a change of signing key on the log when an instance starts with a new current key. */
@Injectable()
export class AuditKeyRecorder implements OnApplicationBootstrap {
  constructor(private readonly audit: AuditLogService) {}

  onApplicationBootstrap(): Promise<void> {
    return this.audit.recordKeyInUse();
  }
}

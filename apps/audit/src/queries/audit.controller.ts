import {
  Controller,
  Get,
  Header,
  Param,
  ParseUUIDPipe,
  Query,
  StreamableFile,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles, StaffPrincipal } from '@kuzet/auth';
import { ChainVerification } from '@kuzet/audit-log';
import { ZodValidationPipe } from '@kuzet/http';
import { Readable } from 'node:stream';
import {
  AuditLogQuery,
  auditLogQuerySchema,
  HitFilterQuery,
  hitFilterSchema,
  HitPageDto,
  HitPageQuery,
  hitPageSchema,
  HitTimelineDto,
} from './audit-query.schemas';
import { AuditLogPageDto, AuditQueryService } from './audit-query.service';

/** Read-only, for auditors; each request is itself recorded on the audit log. */
@ApiTags('audit')
@ApiBearerAuth('staff')
@Controller('v1/audit')
@Roles('auditor')
export class AuditController {
  constructor(private readonly queries: AuditQueryService) {}

  @Get('hits')
  @ApiOperation({ summary: 'Hits with their alert state and latest decision, newest first, paged' })
  hits(
    @CurrentUser() auditor: StaffPrincipal,
    @Query(new ZodValidationPipe(hitPageSchema)) query: HitPageQuery,
  ): Promise<HitPageDto> {
    return this.queries.hits(auditor, query);
  }

  @Get('hits/export')
  @Header('Content-Type', 'text/csv; charset=utf-8')
  @Header('Content-Disposition', 'attachment; filename="kuzet-hits.csv"')
  @ApiOperation({ summary: 'Every hit the filters select, streamed as CSV' })
  async exportHits(
    @CurrentUser() auditor: StaffPrincipal,
    @Query(new ZodValidationPipe(hitFilterSchema)) query: HitFilterQuery,
  ): Promise<StreamableFile> {
    return new StreamableFile(Readable.from(await this.queries.exportHitsCsv(auditor, query)));
  }

  @Get('hits/:hitId/timeline')
  @ApiOperation({
    summary: 'Camera event, sightings, hit, alert and decisions of one hit, with who and when',
  })
  timeline(
    @CurrentUser() auditor: StaffPrincipal,
    @Param('hitId', new ParseUUIDPipe()) hitId: string,
  ): Promise<HitTimelineDto> {
    return this.queries.timeline(auditor, hitId);
  }

  @Get('log')
  @ApiOperation({ summary: 'Audit log entries in chain order, paged by seq' })
  log(
    @CurrentUser() auditor: StaffPrincipal,
    @Query(new ZodValidationPipe(auditLogQuerySchema)) query: AuditLogQuery,
  ): Promise<AuditLogPageDto> {
    return this.queries.auditLog(auditor, query);
  }

  @Get('verify')
  @ApiOperation({ summary: 'Check the whole hash chain; names the first broken row' })
  verify(@CurrentUser() auditor: StaffPrincipal): Promise<ChainVerification> {
    return this.queries.verifyChain(auditor);
  }
}

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
import { ChainVerification, chainVerificationSchema } from '@kuzet/audit-log';
import { ApiResult, ZodValidationPipe } from '@kuzet/http';
import { Readable } from 'node:stream';
import {
  AuditLogQuery,
  auditLogQuerySchema,
  HitFilterQuery,
  hitFilterSchema,
  HitPageDto,
  hitPageDtoSchema,
  HitPageQuery,
  hitPageSchema,
  HitTimelineDto,
  hitTimelineDtoSchema,
} from './audit-query.schemas';
import { AuditLogPageDto, auditLogPageDtoSchema, AuditQueryService } from './audit-query.service';

/** Read-only, for auditors; each request is itself recorded on the audit log. */
@ApiTags('audit')
@ApiBearerAuth('staff')
@Controller('v1/audit')
@Roles('auditor')
export class AuditController {
  constructor(private readonly queries: AuditQueryService) {}

  @Get('hits')
  @ApiOperation({ summary: 'Hits with their alert state and latest decision, newest first, paged' })
  @ApiResult(hitPageDtoSchema)
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
  @ApiResult.file('text/csv')
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
  @ApiResult(hitTimelineDtoSchema)
  timeline(
    @CurrentUser() auditor: StaffPrincipal,
    @Param('hitId', new ParseUUIDPipe()) hitId: string,
  ): Promise<HitTimelineDto> {
    return this.queries.timeline(auditor, hitId);
  }

  @Get('log')
  @ApiOperation({ summary: 'Audit log entries in chain order, paged by seq' })
  @ApiResult(auditLogPageDtoSchema)
  log(
    @CurrentUser() auditor: StaffPrincipal,
    @Query(new ZodValidationPipe(auditLogQuerySchema)) query: AuditLogQuery,
  ): Promise<AuditLogPageDto> {
    return this.queries.auditLog(auditor, query);
  }

  @Get('verify')
  @ApiOperation({ summary: 'Check the whole hash chain; names the first broken row' })
  @ApiResult(chainVerificationSchema)
  verify(@CurrentUser() auditor: StaffPrincipal): Promise<ChainVerification> {
    return this.queries.verifyChain(auditor);
  }
}

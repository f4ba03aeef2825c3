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
import { ApiResult, PageQuery, pageQuerySchema, ZodValidationPipe } from '@kuzet/http';
import { Readable } from 'node:stream';
import {
  AuditLogQuery,
  auditLogQuerySchema,
  AuditWatchlistPageDto,
  auditWatchlistPageDtoSchema,
  HitFilterQuery,
  hitFilterSchema,
  HitPageDto,
  hitPageDtoSchema,
  HitPageQuery,
  hitPageSchema,
  HitTimelineDto,
  hitTimelineDtoSchema,
} from './audit-query.schemas';
import { AuditQueryService } from './audit-query.service';
import {
  AuditLogPageDto,
  auditLogPageDtoSchema,
  ChainVerificationApi,
  chainVerificationApiSchema,
} from './audit-log.dto';

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
  @ApiOperation({
    summary:
      'Every hit the filters select, streamed as CSV (UTF-8 with BOM, Asia/Almaty times beside UTC)',
  })
  @ApiResult.file('text/csv')
  async exportHits(
    @CurrentUser() auditor: StaffPrincipal,
    @Query(new ZodValidationPipe(hitFilterSchema)) query: HitFilterQuery,
  ): Promise<StreamableFile> {
    return new StreamableFile(Readable.from(await this.queries.exportHitsCsv(auditor, query)));
  }

  @Get('hits/export/xlsx')
  @Header('Content-Type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
  @Header('Content-Disposition', 'attachment; filename="kuzet-hits.xlsx"')
  @ApiOperation({
    summary:
      'Every hit the filters select as an XLSX workbook (dates as date cells, UTC and Asia/Almaty)',
  })
  @ApiResult.file('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
  async exportHitsXlsx(
    @CurrentUser() auditor: StaffPrincipal,
    @Query(new ZodValidationPipe(hitFilterSchema)) query: HitFilterQuery,
  ): Promise<StreamableFile> {
    return new StreamableFile(await this.queries.exportHitsXlsx(auditor, query));
  }

  @Get('hits/:hitId/face-crop')
  @Header('Content-Type', 'image/jpeg')
  @Header('Cache-Control', 'private, no-store')
  @ApiOperation({ summary: "The hit's probe face crop (JPEG); the read is recorded" })
  @ApiResult.file('image/jpeg')
  async faceCrop(
    @CurrentUser() auditor: StaffPrincipal,
    @Param('hitId', new ParseUUIDPipe()) hitId: string,
  ): Promise<StreamableFile> {
    return new StreamableFile(await this.queries.faceCrop(auditor, hitId));
  }

  @Get('watchlists')
  @ApiOperation({ summary: 'Watchlists by name (ids and names only), to filter hits by list' })
  @ApiResult(auditWatchlistPageDtoSchema)
  watchlists(
    @CurrentUser() auditor: StaffPrincipal,
    @Query(new ZodValidationPipe(pageQuerySchema)) query: PageQuery,
  ): Promise<AuditWatchlistPageDto> {
    return this.queries.watchlists(auditor, query);
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
  @ApiOperation({
    summary: 'Audit log entries, in chain order or newest first, filtered and paged',
  })
  @ApiResult(auditLogPageDtoSchema)
  log(
    @CurrentUser() auditor: StaffPrincipal,
    @Query(new ZodValidationPipe(auditLogQuerySchema)) query: AuditLogQuery,
  ): Promise<AuditLogPageDto> {
    return this.queries.auditLog(auditor, query);
  }

  @Get('verify')
  @ApiOperation({ summary: 'Check the whole hash chain; names the first broken row' })
  @ApiResult(chainVerificationApiSchema)
  verify(@CurrentUser() auditor: StaffPrincipal): Promise<ChainVerificationApi> {
    return this.queries.verifyChain(auditor);
  }
}

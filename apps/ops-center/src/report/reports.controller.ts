import { Controller, Get, Header, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles, StaffPrincipal } from '@kuzet/auth';
import { ApiResult, Page, ZodValidationPipe } from '@kuzet/http';
import {
  monthlyReportHtmlQuerySchema,
  MonthlyReportHtmlQuery,
  MonthlyReport,
  MonthlyReportQuery,
  monthlyReportQuerySchema,
  monthlyReportSchema,
  responseTimePageSchema,
  ResponseTimesQuery,
  responseTimesQuerySchema,
  ResponseTimeView,
} from '@kuzet/reporting';
import { ReportsService } from './reports.service';

/** Results as the regions publish them: supervisors and auditors for their centres (an auditor
 * granted every centre region-wide). */
@ApiTags('reports')
@ApiBearerAuth('staff')
@Controller('v1/reports')
@Roles('supervisor', 'auditor')
export class ReportsController {
  constructor(private readonly reports: ReportsService) {}

  @Get('monthly')
  @ApiOperation({
    summary: 'The monthly report: per district and for the region, with the query of each figure',
  })
  @ApiResult(monthlyReportSchema)
  monthly(
    @CurrentUser() user: StaffPrincipal,
    @Query(new ZodValidationPipe(monthlyReportQuerySchema)) query: MonthlyReportQuery,
  ): Promise<MonthlyReport> {
    return this.reports.monthly(user, query);
  }

  @Get('monthly/html')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'private, no-store')
  @ApiOperation({
    summary:
      'The monthly report as the printable page (the one `kuzet report monthly` prints to PDF)',
  })
  @ApiResult.file('text/html')
  monthlyHtml(
    @CurrentUser() user: StaffPrincipal,
    @Query(new ZodValidationPipe(monthlyReportHtmlQuerySchema)) query: MonthlyReportHtmlQuery,
  ): Promise<string> {
    return this.reports.monthlyHtml(user, query);
  }

  @Get('response-times')
  @ApiOperation({ summary: "Each confirmed alert's confirm → dispatch → arrival in a month" })
  @ApiResult(responseTimePageSchema)
  responseTimes(
    @CurrentUser() user: StaffPrincipal,
    @Query(new ZodValidationPipe(responseTimesQuerySchema)) query: ResponseTimesQuery,
  ): Promise<Page<ResponseTimeView>> {
    return this.reports.responseTimes(user, query);
  }
}

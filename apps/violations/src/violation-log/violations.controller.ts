import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles, StaffPrincipal } from '@kuzet/auth';
import { ApiResult, ZodValidationPipe } from '@kuzet/http';
import { ViolationLogService } from './violation-log.service';
import {
  ListQuery,
  listQuerySchema,
  StatsDto,
  statsDtoSchema,
  StatsQuery,
  statsQuerySchema,
  ViolationDto,
  violationDtoSchema,
  ViolationPageDto,
  violationPageDtoSchema,
} from './violation.schemas';

@ApiTags('violations')
/** The violation log for supervisors and auditors, each limited to their centres (and the
 * district centres below them; an auditor granted ALL_CENTRES reads every centre's). */
@ApiBearerAuth('staff')
@Controller('v1/violations')
@Roles('supervisor', 'auditor')
export class ViolationsController {
  constructor(private readonly violations: ViolationLogService) {}

  @Get('stats')
  @ApiOperation({
    summary: 'Count violations by district, code and day or month',
    description:
      "group_by is a comma list of district, code, day, month (day or month, not both); days and months are those of tz. Only the violations of the reader's centres are counted.",
  })
  @ApiResult(statsDtoSchema)
  stats(
    @CurrentUser() user: StaffPrincipal,
    @Query(new ZodValidationPipe(statsQuerySchema)) query: StatsQuery,
  ): Promise<StatsDto> {
    return this.violations.stats(user, query);
  }

  @Get()
  @ApiOperation({
    summary: 'Logged violations, newest first, a page at a time',
    description:
      "Only the violations logged for the reader's centres and the district centres below them.",
  })
  @ApiResult(violationPageDtoSchema)
  list(
    @CurrentUser() user: StaffPrincipal,
    @Query(new ZodValidationPipe(listQuerySchema)) query: ListQuery,
  ): Promise<ViolationPageDto> {
    return this.violations.list(user, query);
  }

  @Get(':eventId')
  @ApiOperation({
    summary: 'One logged violation by its event_id',
    description: "Another centre's violation answers 404, as one never logged.",
  })
  @ApiResult(violationDtoSchema)
  get(
    @CurrentUser() user: StaffPrincipal,
    @Param('eventId', new ParseUUIDPipe()) eventId: string,
  ): Promise<ViolationDto> {
    return this.violations.get(user, eventId);
  }
}

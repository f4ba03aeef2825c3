import { applyDecorators, Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles, StaffPrincipal } from '@kuzet/auth';
import { ApiResult, ZodValidationPipe } from '@kuzet/http';
import { VIOLATION_CODES } from '@kuzet/contracts';
import { ViolationLogService } from './violation-log.service';
import {
  DIMENSIONS,
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

const FILTERS = [
  ApiQuery({
    name: 'from',
    required: false,
    description: 'RFC 3339, inclusive',
    example: '2026-01-01T00:00:00+05:00',
  }),
  ApiQuery({ name: 'to', required: false, description: 'RFC 3339, exclusive' }),
  ApiQuery({ name: 'district_id', required: false, example: 'munaily' }),
  ApiQuery({ name: 'centre_id', required: false }),
  ApiQuery({ name: 'camera_id', required: false }),
  ApiQuery({ name: 'code', required: false, enum: VIOLATION_CODES }),
];

@ApiTags('violations')
/** Region-wide figures for supervisors and auditors (not scoped to centres). */
@ApiBearerAuth('staff')
@Controller('v1/violations')
@Roles('supervisor', 'auditor')
export class ViolationsController {
  constructor(private readonly violations: ViolationLogService) {}

  @Get('stats')
  @ApiOperation({
    summary: 'Count violations by district, code and day or month',
    description:
      'group_by is a comma list of district, code, day, month (day or month, not both); days and months are those of tz.',
  })
  @ApiQuery({
    name: 'group_by',
    required: false,
    example: 'district,month',
    description: DIMENSIONS.join(', '),
  })
  @ApiQuery({ name: 'tz', required: false, example: 'Asia/Aqtau' })
  @applyDecorators(...FILTERS)
  @ApiResult(statsDtoSchema)
  stats(@Query(new ZodValidationPipe(statsQuerySchema)) query: StatsQuery): Promise<StatsDto> {
    return this.violations.stats(query);
  }

  @Get()
  @ApiOperation({ summary: 'Logged violations, newest first, a page at a time' })
  @ApiQuery({ name: 'plate', required: false })
  @ApiQuery({
    name: 'reason',
    required: false,
    description: 'why this car is looked up: required with plate, recorded on the audit log',
  })
  @ApiQuery({ name: 'limit', required: false, description: '1..500, default 100' })
  @ApiQuery({ name: 'cursor', required: false, description: 'next_cursor of the previous page' })
  @applyDecorators(...FILTERS)
  @ApiResult(violationPageDtoSchema)
  list(
    @CurrentUser() user: StaffPrincipal,
    @Query(new ZodValidationPipe(listQuerySchema)) query: ListQuery,
  ): Promise<ViolationPageDto> {
    return this.violations.list(user, query);
  }

  @Get(':eventId')
  @ApiOperation({ summary: 'One logged violation by its event_id' })
  @ApiResult(violationDtoSchema)
  get(
    @CurrentUser() user: StaffPrincipal,
    @Param('eventId', new ParseUUIDPipe()) eventId: string,
  ): Promise<ViolationDto> {
    return this.violations.get(user, eventId);
  }
}

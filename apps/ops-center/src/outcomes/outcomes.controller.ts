import { Body, Controller, Get, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles, StaffPrincipal } from '@kuzet/auth';
import { ApiResult, FROM_ZOD_PIPE, Page, ZodValidationPipe } from '@kuzet/http';
import {
  AlertOutcomeView,
  alertOutcomeSchema,
  CreatePatrolUnitRequest,
  createPatrolUnitSchema,
  OutcomeEntryRequest,
  outcomeEntryRequestSchema,
  OverdueOutcomeView,
  overdueOutcomePageSchema,
  OverdueQuery,
  overdueQuerySchema,
  PatrolUnitQuery,
  patrolUnitQuerySchema,
  PatrolUnitView,
  patrolUnitPageSchema,
  patrolUnitSchema,
  UpdatePatrolUnitRequest,
  updatePatrolUnitSchema,
} from './outcome.schemas';
import { OutcomesService } from './outcomes.service';

/** After the confirm: dispatch, arrival, outcome (issue 20), by the alert's centre. */
@ApiTags('outcomes')
@ApiBearerAuth('staff')
@Controller('v1')
@Roles('operator', 'supervisor')
export class OutcomesController {
  constructor(private readonly outcomes: OutcomesService) {}

  @Get('alerts/:id/outcome')
  @ApiOperation({ summary: "A confirmed alert's dispatch, arrival and outcome, with their times" })
  @ApiResult(alertOutcomeSchema)
  outcome(
    @CurrentUser() user: StaffPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
  ): Promise<AlertOutcomeView> {
    return this.outcomes.outcomeOf(user, id);
  }

  @Post('alerts/:id/outcome-entries')
  @ApiOperation({
    summary:
      'Record a dispatch, an arrival or an outcome (a correction names the entry it replaces)',
  })
  @ApiResult(alertOutcomeSchema)
  @ApiBody({
    schema: FROM_ZOD_PIPE,
    examples: {
      dispatch: { value: { step: 'dispatch', unit_text: 'ПА-12' } },
      outcome: { value: { step: 'outcome', outcome: 'detained', note: 'доставлен в ОП' } },
    },
  })
  record(
    @CurrentUser() user: StaffPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body(new ZodValidationPipe(outcomeEntryRequestSchema)) body: OutcomeEntryRequest,
  ): Promise<AlertOutcomeView> {
    return this.outcomes.record(user, id, body);
  }

  @Get('outcomes/overdue')
  @Roles('supervisor')
  @ApiOperation({ summary: 'Confirmed alerts still without an outcome, flagged' })
  @ApiResult(overdueOutcomePageSchema)
  overdue(
    @CurrentUser() user: StaffPrincipal,
    @Query(new ZodValidationPipe(overdueQuerySchema)) query: OverdueQuery,
  ): Promise<Page<OverdueOutcomeView>> {
    return this.outcomes.overdue(user, query);
  }

  // top-level with centre_id rather than under /v1/centres/{id}: the ingress sends /v1/centres
  // to ingest's registry, and a path prefix cannot pick this one out (deploy/ingress-routes.spec.ts)
  @Get('patrol-units')
  @Roles('operator', 'supervisor', 'system-admin')
  @ApiOperation({ summary: "A centre's patrol units, by call sign" })
  @ApiResult(patrolUnitPageSchema)
  units(
    @CurrentUser() user: StaffPrincipal,
    @Query(new ZodValidationPipe(patrolUnitQuerySchema)) query: PatrolUnitQuery,
  ): Promise<Page<PatrolUnitView>> {
    return this.outcomes.units(user, query.centre_id, query);
  }

  @Post('patrol-units')
  @Roles('supervisor', 'system-admin')
  @ApiOperation({ summary: 'Add a patrol unit to a centre (409 if the call sign is taken)' })
  @ApiResult(patrolUnitSchema)
  @ApiBody({
    schema: FROM_ZOD_PIPE,
    examples: { unit: { value: { centre_id: 'aktau', call_sign: 'ПА-12' } } },
  })
  createUnit(
    @CurrentUser() user: StaffPrincipal,
    @Body(new ZodValidationPipe(createPatrolUnitSchema)) body: CreatePatrolUnitRequest,
  ): Promise<PatrolUnitView> {
    return this.outcomes.createUnit(user, body.centre_id, body);
  }

  @Patch('patrol-units/:id')
  @Roles('supervisor', 'system-admin')
  @ApiOperation({ summary: 'Rename a patrol unit, or take it off (active: false) or back on' })
  @ApiResult(patrolUnitSchema)
  @ApiBody({ schema: FROM_ZOD_PIPE, examples: { off: { value: { active: false } } } })
  updateUnit(
    @CurrentUser() user: StaffPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body(new ZodValidationPipe(updatePatrolUnitSchema)) body: UpdatePatrolUnitRequest,
  ): Promise<PatrolUnitView> {
    return this.outcomes.updateUnit(user, id, body);
  }
}

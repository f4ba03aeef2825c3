import { Controller, Get, Query } from '@nestjs/common';
import { CurrentUser, Roles, StaffPrincipal } from '@kuzet/auth';
import { ApiResult, ZodValidationPipe } from '@kuzet/http';
import { Overview, OverviewQuery, overviewQuerySchema, overviewSchema } from './overview.dto';
import { OverviewService } from './overview.service';

@Controller('v1/ops/overview')
@Roles('supervisor')
export class OverviewController {
  constructor(private readonly overviews: OverviewService) {}

  /** The supervisor's screen: figures per centre, district and day in the supervisor's
   * centres; who decided how much names staff, so every read is audited. */
  @Get()
  @ApiResult(overviewSchema)
  overview(
    @CurrentUser() user: StaffPrincipal,
    @Query(new ZodValidationPipe(overviewQuerySchema)) query: OverviewQuery,
  ): Promise<Overview> {
    return this.overviews.overview(user, query);
  }
}

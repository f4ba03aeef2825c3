import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { CurrentUser, Roles, StaffPrincipal } from '@kuzet/auth';
import { ApiResult, ZodValidationPipe } from '@kuzet/http';
import { RouteDto, RouteQuery, routeQuerySchema, routeSchema } from './vehicle-route.dto';
import { VehicleRouteService } from './vehicle-route.service';

@Controller('v1/vehicles')
export class VehicleRouteController {
  constructor(private readonly service: VehicleRouteService) {}

  @Get('route')
  @Roles('operator', 'supervisor')
  @ApiOperation({
    summary: "One plate's sightings in a time window, oldest first, with camera positions",
    description:
      'A plate on an active list: operators and supervisors. A plate on no list: supervisors only, with reason (403 / 400 naming reason). Every answer is on the audit log (vehicle.history-searched).',
  })
  @ApiResult(routeSchema)
  route(
    @CurrentUser() user: StaffPrincipal,
    @Query(new ZodValidationPipe(routeQuerySchema)) query: RouteQuery,
  ): Promise<RouteDto> {
    return this.service.route(user, query);
  }
}

import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery } from '@nestjs/swagger';
import { CurrentUser, Roles, StaffPrincipal } from '@kuzet/auth';
import { ZodValidationPipe } from '@kuzet/http';
import { RouteDto, RouteQuery, routeQuerySchema } from './vehicle-route.dto';
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
  @ApiQuery({ name: 'plate', required: true, example: '777BOS12' })
  @ApiQuery({ name: 'from', required: true, example: '2026-12-01T00:00:00+05:00' })
  @ApiQuery({ name: 'to', required: true, example: '2026-12-08T00:00:00+05:00' })
  @ApiQuery({
    name: 'reason',
    required: false,
    description: 'case number; required for a plate on no list',
  })
  @ApiQuery({
    name: 'limit',
    required: false,
    description: '1..1000, default 500: the newest sightings',
  })
  route(
    @CurrentUser() user: StaffPrincipal,
    @Query(new ZodValidationPipe(routeQuerySchema)) query: RouteQuery,
  ): Promise<RouteDto> {
    return this.service.route(user, query);
  }
}

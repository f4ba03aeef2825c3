import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles, StaffPrincipal } from '@kuzet/auth';
import { ApiResult, Page, ZodValidationPipe } from '@kuzet/http';
import {
  CAMERA_MAP_MAX_ITEMS,
  CameraMap,
  CameraMapQuery,
  cameraMapQuerySchema,
  cameraMapSchema,
  CameraPositionProblem,
  cameraPositionProblemPageSchema,
  CameraPositionProblemsQuery,
  cameraPositionProblemsQuerySchema,
} from './camera-map.dto';
import { CameraMapService } from './camera-map.service';

/** The console's camera map: operators and supervisors see their centres' connected cameras,
 * system administrators every active camera (to check positions). Camera positions are not
 * personal data and a pan asks again, so map reads are not audited; changing a position is
 * (PATCH /v1/cameras/{id}). */
@ApiTags('camera map')
@Controller('v1/camera-map')
export class CameraMapController {
  constructor(private readonly map: CameraMapService) {}

  @Get()
  @Roles('operator', 'supervisor', 'system-admin')
  @ApiOperation({
    summary: `The caller's cameras in a box at a zoom: clusters with counts where cameras crowd (within 60 px), single cameras where they do not (always above zoom 16); at most ${CAMERA_MAP_MAX_ITEMS} in all, a box at most 16 tiles (4096 px) wide and high at the zoom`,
  })
  @ApiResult(cameraMapSchema)
  cameras(
    @CurrentUser() user: StaffPrincipal,
    @Query(new ZodValidationPipe(cameraMapQuerySchema)) query: CameraMapQuery,
  ): Promise<CameraMap> {
    return this.map.map(user, query);
  }

  @Get('position-problems')
  @Roles('system-admin')
  @ApiOperation({
    summary:
      "Cameras whose position to check, by id: none registered, or outside their district's bundled outline (approximate)",
  })
  @ApiResult(cameraPositionProblemPageSchema)
  problems(
    @CurrentUser() user: StaffPrincipal,
    @Query(new ZodValidationPipe(cameraPositionProblemsQuerySchema))
    query: CameraPositionProblemsQuery,
  ): Promise<Page<CameraPositionProblem>> {
    return this.map.problems(user, query);
  }
}

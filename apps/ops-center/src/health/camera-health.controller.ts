import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { CurrentUser, Roles, StaffPrincipal } from '@kuzet/auth';
import { ApiResult, Page, ZodValidationPipe } from '@kuzet/http';
import {
  CameraHealthQuery,
  cameraHealthQuerySchema,
  DistrictHealth,
  districtHealthPageSchema,
  OfflineCamera,
  offlineCameraPageSchema,
} from './camera-health.dto';
import { CameraHealthService } from './camera-health.service';

/** Which cameras of the user's centres are alive (CAMERA_SILENT_AFTER_MS). */
@Controller('v1/camera-health')
@Roles('operator', 'supervisor')
export class CameraHealthController {
  constructor(private readonly health: CameraHealthService) {}

  @Get('districts')
  @ApiOperation({
    summary: "Online, offline and never-seen cameras per district of the user's centres",
  })
  @ApiResult(districtHealthPageSchema)
  districts(
    @CurrentUser() user: StaffPrincipal,
    @Query(new ZodValidationPipe(cameraHealthQuerySchema)) query: CameraHealthQuery,
  ): Promise<Page<DistrictHealth>> {
    return this.health.districts(user, query);
  }

  @Get('offline')
  @ApiOperation({ summary: "The user's centres' cameras silent beyond the limit, by id" })
  @ApiResult(offlineCameraPageSchema)
  offline(
    @CurrentUser() user: StaffPrincipal,
    @Query(new ZodValidationPipe(cameraHealthQuerySchema)) query: CameraHealthQuery,
  ): Promise<Page<OfflineCamera>> {
    return this.health.offline(user, query);
  }
}

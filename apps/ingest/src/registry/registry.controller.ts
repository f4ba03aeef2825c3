import { Body, Controller, Get, Param, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles, STAFF_ROLES, StaffPrincipal } from '@kuzet/auth';
import {
  ApiResult,
  decodeCursor,
  encodeCursor,
  FROM_ZOD_PIPE,
  Page,
  pageOf,
  PageQuery,
  pageQuerySchema,
  RequestValidationException,
  ZodValidationPipe,
} from '@kuzet/http';
import {
  CameraImportInput,
  CameraImportResult,
  cameraImportResultSchema,
  cameraImportSchema,
  parseCameraCsv,
} from './camera-import';
import {
  CameraDto,
  cameraDtoSchema,
  cameraIdSchema,
  cameraListSchema,
  CameraRegistryService,
  CentreAnalyticsDto,
  centreAnalyticsDtoSchema,
  CentreAnalyticsInput,
  centreAnalyticsSchema,
  CentreDto,
  centreDtoSchema,
  centreListSchema,
  CentreInput,
  centreSchema,
  CreateCameraInput,
  createCameraSchema,
  DistrictDto,
  districtDtoSchema,
  districtListSchema,
  DistrictInput,
  districtSchema,
  slugSchema,
  StaffCameraQuery,
  staffCameraQuerySchema,
  UpdateCameraInput,
  updateCameraSchema,
} from '@kuzet/registry';

@ApiTags('camera registry')
/** Everyone on the staff may read the registry; only system administrators change it. */
@ApiBearerAuth('staff')
@Controller('v1')
@Roles(...STAFF_ROLES)
export class RegistryController {
  constructor(private readonly registry: CameraRegistryService) {}

  @Get('centres')
  @ApiOperation({ summary: 'List operations centres' })
  @ApiResult(centreListSchema)
  async listCentres(
    @Query(new ZodValidationPipe(pageQuerySchema)) query: PageQuery,
  ): Promise<Page<CentreDto>> {
    return pageOf(await this.registry.listCentres(), (centre) => centre.id, query);
  }

  @Put('centres/:id')
  @Roles('system-admin')
  @ApiOperation({ summary: 'Create or update an operations centre' })
  @ApiResult(centreDtoSchema)
  @ApiBody({
    schema: FROM_ZOD_PIPE,
    examples: {
      district: {
        value: {
          name: 'Munaily district centre',
          kind: 'district',
          parent_centre_id: 'aktau',
        },
      },
    },
  })
  putCentre(
    @CurrentUser() admin: StaffPrincipal,
    @Param('id', new ZodValidationPipe(slugSchema, 'id')) id: string,
    @Body(new ZodValidationPipe(centreSchema.omit({ id: true }))) input: Omit<CentreInput, 'id'>,
  ): Promise<CentreDto> {
    return this.registry.putCentre({ ...input, id }, admin.username);
  }

  @Get('centres/:id/analytics')
  @Roles('system-admin', 'supervisor')
  @ApiOperation({
    summary:
      "The analytics detection types turned off in a centre (no alerts there): a supervisor reads only the user's centres and their district centres",
  })
  @ApiResult(centreAnalyticsDtoSchema)
  async centreAnalytics(
    @CurrentUser() user: StaffPrincipal,
    @Param('id', new ZodValidationPipe(slugSchema, 'id')) id: string,
  ): Promise<CentreAnalyticsDto> {
    return this.registry.centreAnalytics(id, user);
  }

  @Put('centres/:id/analytics')
  @Roles('system-admin')
  @ApiOperation({
    summary:
      'Turn analytics detection types off in a centre (the others on): their detections raise no alert there',
  })
  @ApiResult(centreAnalyticsDtoSchema)
  @ApiBody({ schema: FROM_ZOD_PIPE, examples: { crowds: { value: { off: ['crowd'] } } } })
  putCentreAnalytics(
    @CurrentUser() admin: StaffPrincipal,
    @Param('id', new ZodValidationPipe(slugSchema, 'id')) id: string,
    @Body(new ZodValidationPipe(centreAnalyticsSchema)) input: CentreAnalyticsInput,
  ): Promise<CentreAnalyticsDto> {
    return this.registry.setAnalyticsOff(id, input, admin.username);
  }

  @Get('districts')
  @ApiOperation({ summary: 'List districts' })
  @ApiResult(districtListSchema)
  async listDistricts(
    @Query(new ZodValidationPipe(pageQuerySchema)) query: PageQuery,
  ): Promise<Page<DistrictDto>> {
    return pageOf(await this.registry.listDistricts(), (district) => district.id, query);
  }

  @Put('districts/:id')
  @Roles('system-admin')
  @ApiOperation({ summary: 'Create or update a district' })
  @ApiResult(districtDtoSchema)
  @ApiBody({
    schema: FROM_ZOD_PIPE,
    examples: {
      munaily: { value: { name: 'Munaily district', centre_id: 'munaily' } },
    },
  })
  putDistrict(
    @CurrentUser() admin: StaffPrincipal,
    @Param('id', new ZodValidationPipe(slugSchema, 'id')) id: string,
    @Body(new ZodValidationPipe(districtSchema.omit({ id: true })))
    input: Omit<DistrictInput, 'id'>,
  ): Promise<DistrictDto> {
    return this.registry.putDistrict({ ...input, id }, admin.username);
  }

  @Get('cameras')
  @ApiOperation({ summary: 'List cameras by id, a page at a time' })
  @ApiResult(cameraListSchema)
  async listCameras(
    @Query(new ZodValidationPipe(staffCameraQuerySchema)) query: StaffCameraQuery,
  ): Promise<Page<CameraDto>> {
    const { cursor, ...filters } = query;
    const after = cursor === undefined ? undefined : String(decodeCursor(cursor, 1)[0]);
    const page = await this.registry.listCameras({ ...filters, after });
    return {
      items: page.cameras,
      next_cursor: page.next_after === null ? null : encodeCursor([page.next_after]),
    };
  }

  @Get('cameras/:id')
  @ApiOperation({ summary: 'One camera, with its district and centre' })
  @ApiResult(cameraDtoSchema)
  getCamera(
    @Param('id', new ZodValidationPipe(cameraIdSchema, 'id')) id: string,
  ): Promise<CameraDto> {
    return this.registry.getCamera(id);
  }

  @Post('cameras')
  @Roles('system-admin')
  @ApiOperation({ summary: 'Register a camera (409 if the id exists)' })
  @ApiResult(cameraDtoSchema)
  @ApiBody({
    schema: FROM_ZOD_PIPE,
    examples: {
      camera: {
        value: {
          id: 'munaily-cam-0003',
          name: 'Dauletbay village, school crossing',
          district_id: 'munaily',
          latitude: 43.71,
          longitude: 51.3,
        },
      },
    },
  })
  createCamera(
    @CurrentUser() admin: StaffPrincipal,
    @Body(new ZodValidationPipe(createCameraSchema)) input: CreateCameraInput,
  ): Promise<CameraDto> {
    return this.registry.createCamera(input, admin.username);
  }

  @Post('cameras/import')
  @Roles('system-admin')
  @ApiOperation({
    summary:
      'Import the registry from CSV: every line checked first (a bad line changes nothing), then a registered id updated and a new one created, all in one transaction (a failure on any line leaves the registry as it was)',
  })
  @ApiResult(cameraImportResultSchema)
  @ApiBody({
    schema: FROM_ZOD_PIPE,
    examples: {
      two: {
        value: {
          csv: 'id,name,district_id,latitude,longitude\nmunaily-cam-0003,Школа №2,munaily,43.71,51.3\n',
          dry_run: true,
        },
      },
    },
  })
  async importCameras(
    @CurrentUser() admin: StaffPrincipal,
    @Body(new ZodValidationPipe(cameraImportSchema)) input: CameraImportInput,
  ): Promise<CameraImportResult> {
    const cameras = parseCameraCsv(input.csv);
    const districts = new Set((await this.registry.listDistricts()).map((d) => d.id));
    const centres = new Set((await this.registry.listCentres()).map((c) => c.id));
    const errors = cameras.flatMap((camera, index) => [
      ...(districts.has(camera.district_id)
        ? []
        : [{ column: 'district_id', value: camera.district_id, index }]),
      ...(camera.centre_id === undefined || centres.has(camera.centre_id)
        ? []
        : [{ column: 'centre_id', value: camera.centre_id, index }]),
    ]);
    if (errors.length > 0) {
      throw new RequestValidationException(
        errors.slice(0, 100).map((e) => ({
          field: 'csv',
          rule: 'not_registered',
          message: `camera ${cameras[e.index]!.id}: ${e.column} ${e.value} is not registered`,
          params: { column: e.column, value: e.value, camera_id: cameras[e.index]!.id },
        })),
      );
    }
    const existing = new Set<string>();
    for (const camera of cameras) {
      if (await this.registry.findCamera(camera.id)) existing.add(camera.id);
    }
    if (!input.dry_run) await this.registry.importCameras(cameras, existing, admin.username);
    return {
      rows: cameras.length,
      created: cameras.length - existing.size,
      updated: existing.size,
      dry_run: input.dry_run,
    };
  }

  @Patch('cameras/:id')
  @Roles('system-admin')
  @ApiOperation({ summary: 'Change a camera: move it to another district or centre, retire it' })
  @ApiResult(cameraDtoSchema)
  @ApiBody({
    schema: FROM_ZOD_PIPE,
    examples: { retire: { value: { status: 'retired' } } },
  })
  updateCamera(
    @CurrentUser() admin: StaffPrincipal,
    @Param('id', new ZodValidationPipe(cameraIdSchema, 'id')) id: string,
    @Body(new ZodValidationPipe(updateCameraSchema)) patch: UpdateCameraInput,
  ): Promise<CameraDto> {
    return this.registry.updateCamera(id, patch, admin.username);
  }
}

import { Body, Controller, Get, Param, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles, STAFF_ROLES, StaffPrincipal } from '@kuzet/auth';
import { ApiResult, FROM_ZOD_PIPE, ZodValidationPipe } from '@kuzet/http';
import { z } from 'zod';
import {
  CameraDto,
  cameraDtoSchema,
  cameraIdSchema,
  CameraPageDto,
  cameraPageDtoSchema,
  CameraQuery,
  cameraQuerySchema,
  CameraRegistryService,
  CentreDto,
  centreDtoSchema,
  CentreInput,
  centreSchema,
  CreateCameraInput,
  createCameraSchema,
  DistrictDto,
  districtDtoSchema,
  DistrictInput,
  districtSchema,
  slugSchema,
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
  @ApiResult(z.array(centreDtoSchema))
  listCentres(): Promise<CentreDto[]> {
    return this.registry.listCentres();
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

  @Get('districts')
  @ApiOperation({ summary: 'List districts' })
  @ApiResult(z.array(districtDtoSchema))
  listDistricts(): Promise<DistrictDto[]> {
    return this.registry.listDistricts();
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
  @ApiResult(cameraPageDtoSchema)
  listCameras(
    @Query(new ZodValidationPipe(cameraQuerySchema)) query: CameraQuery,
  ): Promise<CameraPageDto> {
    return this.registry.listCameras(query);
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

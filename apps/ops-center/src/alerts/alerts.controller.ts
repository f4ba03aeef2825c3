import {
  Body,
  Controller,
  Get,
  Header,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  StreamableFile,
} from '@nestjs/common';
import { CurrentUser, Roles, StaffPrincipal } from '@kuzet/auth';
import { ApiResult, Page, ZodValidationPipe } from '@kuzet/http';
import {
  AlertListRequest,
  alertListSchema,
  AssigneeListRequest,
  assigneeListSchema,
  AssignmentRequest,
  assignmentSchema,
  DecisionRequest,
  decisionSchema,
} from './alert.dto';
import {
  AlertDetailView,
  alertDetailViewSchema,
  alertPageSchema,
  AlertView,
  alertViewSchema,
  assigneePageSchema,
  AssigneeView,
} from './alert.views';
import { AlertsService } from './alerts.service';
import {
  VehicleReadPage,
  vehicleReadPageRequestSchema,
  VehicleReadPageRequest,
  vehicleReadPageSchema,
} from './vehicle-alert';

@Controller('v1/alerts')
@Roles('operator', 'supervisor')
export class AlertsController {
  constructor(private readonly alerts: AlertsService) {}

  @Get()
  @ApiResult(alertPageSchema)
  list(
    @CurrentUser() user: StaffPrincipal,
    @Query(new ZodValidationPipe(alertListSchema)) query: AlertListRequest,
  ): Promise<Page<AlertView>> {
    return this.alerts.list(user, query);
  }

  @Get(':id')
  @ApiResult(alertDetailViewSchema)
  detail(
    @CurrentUser() user: StaffPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
  ): Promise<AlertDetailView> {
    return this.alerts.detail(user, id);
  }

  @Post(':id/decisions')
  @ApiResult(alertViewSchema)
  decide(
    @CurrentUser() user: StaffPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body(new ZodValidationPipe(decisionSchema)) body: DecisionRequest,
  ): Promise<AlertView> {
    return this.alerts.decide(user, id, body);
  }

  /** Supervisors give an alert to an operator of its centre (the escalation queue). */
  @Post(':id/assignment')
  @Roles('supervisor')
  @ApiResult(alertViewSchema)
  assign(
    @CurrentUser() user: StaffPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body(new ZodValidationPipe(assignmentSchema)) body: AssignmentRequest,
  ): Promise<AlertView> {
    return this.alerts.assign(user, id, body);
  }

  @Get(':id/assignees')
  @Roles('supervisor')
  @ApiResult(assigneePageSchema)
  assignees(
    @CurrentUser() user: StaffPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Query(new ZodValidationPipe(assigneeListSchema)) query: AssigneeListRequest,
  ): Promise<Page<AssigneeView>> {
    return this.alerts.assignees(user, id, query);
  }

  @Get(':id/face-crop')
  @Header('Content-Type', 'image/jpeg')
  @Header('Cache-Control', 'private, no-store')
  @ApiResult.file('image/jpeg')
  async faceCrop(
    @CurrentUser() user: StaffPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
  ): Promise<StreamableFile> {
    return new StreamableFile(await this.alerts.evidence(user, id));
  }

  @Get(':id/plate-crop')
  @Header('Content-Type', 'image/jpeg')
  @Header('Cache-Control', 'private, no-store')
  @ApiResult.file('image/jpeg')
  async plateCrop(
    @CurrentUser() user: StaffPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
  ): Promise<StreamableFile> {
    return new StreamableFile(await this.alerts.vehicleImage(user, id, 'plate-crop'));
  }

  @Get(':id/overview')
  @Header('Content-Type', 'image/jpeg')
  @Header('Cache-Control', 'private, no-store')
  @ApiResult.file('image/jpeg')
  async overview(
    @CurrentUser() user: StaffPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
  ): Promise<StreamableFile> {
    return new StreamableFile(await this.alerts.vehicleImage(user, id, 'overview'));
  }

  @Get(':id/vehicle-reads')
  @ApiResult(vehicleReadPageSchema)
  vehicleReads(
    @CurrentUser() user: StaffPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Query(new ZodValidationPipe(vehicleReadPageRequestSchema)) query: VehicleReadPageRequest,
  ): Promise<VehicleReadPage> {
    return this.alerts.vehicleReads(user, id, query);
  }

  @Get(':id/enrolled-faces/:faceId')
  @Header('Content-Type', 'image/jpeg')
  @Header('Cache-Control', 'private, no-store')
  @ApiResult.file('image/jpeg')
  async enrolledFace(
    @CurrentUser() user: StaffPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('faceId', new ParseUUIDPipe()) faceId: string,
  ): Promise<StreamableFile> {
    return new StreamableFile(await this.alerts.enrolledPhoto(user, id, faceId));
  }
}

import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import { CurrentUser, Roles, StaffPrincipal } from '@kuzet/auth';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiResult, Page, pageOf, PageQuery, ZodValidationPipe } from '@kuzet/http';
import {
  AddVehicleEntryRequest,
  AddVehicleEntryResult,
  addVehicleEntryResultSchema,
  ArchiveVehicleListRequest,
  archiveVehicleListSchema,
  addVehicleEntrySchema,
  CreateVehicleListRequest,
  createVehicleListSchema,
  UpdateVehicleListRequest,
  updateVehicleListSchema,
  VehicleEntryQuery,
  vehicleEntryQuerySchema,
  vehicleEntryPageSchema,
  vehicleEntryView,
  VehicleEntryView,
  vehicleEntryViewSchema,
  vehicleListPageSchema,
  vehicleListQuerySchema,
  vehicleListView,
  VehicleListView,
  vehicleListViewSchema,
} from './vehicle-list.dto';
import { VehicleListService } from './vehicle-list.service';

@ApiTags('vehicle-lists')
@ApiBearerAuth('staff')
@Controller('v1')
@Roles('watchlist-admin')
export class VehicleListController {
  constructor(private readonly service: VehicleListService) {}

  @Post('vehicle-lists')
  @ApiOperation({ summary: 'Create a vehicle list with its category, priority and match policy' })
  @ApiResult(vehicleListViewSchema)
  async createList(
    @CurrentUser() admin: StaffPrincipal,
    @Body(new ZodValidationPipe(createVehicleListSchema)) body: CreateVehicleListRequest,
  ): Promise<VehicleListView> {
    return vehicleListView(await this.service.createList(body, admin.username));
  }

  @Get('vehicle-lists')
  @ApiOperation({ summary: 'Vehicle lists by name' })
  @ApiResult(vehicleListPageSchema)
  async lists(
    @Query(new ZodValidationPipe(vehicleListQuerySchema)) query: PageQuery,
  ): Promise<Page<VehicleListView>> {
    const lists = (await this.service.lists()).map(vehicleListView);
    return pageOf(lists, (list) => `${list.name}\u0000${list.id}`, query);
  }

  @Patch('vehicle-lists/:id')
  @ApiOperation({
    summary:
      "Change a vehicle list's name, category, priority, match policy or expiry; every matcher applies it within moments; 409 archived for an archived list",
  })
  @ApiResult(vehicleListViewSchema)
  async updateList(
    @CurrentUser() admin: StaffPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body(new ZodValidationPipe(updateVehicleListSchema)) body: UpdateVehicleListRequest,
  ): Promise<VehicleListView> {
    return vehicleListView(await this.service.updateList(id, body, admin.username));
  }

  @Post('vehicle-lists/:id/archive')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Archive a vehicle list with a reason: no longer matched, its plates and hits kept; 409 archived when it already is',
  })
  @ApiResult(vehicleListViewSchema)
  async archiveList(
    @CurrentUser() admin: StaffPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body(new ZodValidationPipe(archiveVehicleListSchema)) body: ArchiveVehicleListRequest,
  ): Promise<VehicleListView> {
    return vehicleListView(await this.service.archiveList(id, body.reason, admin.username));
  }

  @Get('vehicle-lists/:id/entries')
  @ApiOperation({
    summary: 'Plates on a vehicle list by normalised plate, searched by its start; audited',
  })
  @ApiResult(vehicleEntryPageSchema)
  async entries(
    @CurrentUser() admin: StaffPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Query(new ZodValidationPipe(vehicleEntryQuerySchema)) query: VehicleEntryQuery,
  ): Promise<Page<VehicleEntryView>> {
    const page = await this.service.entries(id, query, admin.username);
    return { items: page.items.map(vehicleEntryView), next_cursor: page.next_cursor };
  }

  /** Idempotent by list and normalised plate: 200 with what happened to the entry. */
  @Post('vehicle-lists/:id/entries')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Put a plate on a list (idempotent by normalised plate: added, changed or unchanged)',
  })
  @ApiResult(addVehicleEntryResultSchema)
  async addEntry(
    @CurrentUser() admin: StaffPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body(new ZodValidationPipe(addVehicleEntrySchema)) body: AddVehicleEntryRequest,
  ): Promise<AddVehicleEntryResult> {
    const { entry, outcome } = await this.service.addEntry(id, body, admin.username);
    return { entry: vehicleEntryView(entry), outcome };
  }

  @Delete('vehicle-list-entries/:id')
  @HttpCode(200)
  @ApiOperation({ summary: 'Take a plate off its list' })
  @ApiResult(vehicleEntryViewSchema)
  async removeEntry(
    @CurrentUser() admin: StaffPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
  ): Promise<VehicleEntryView> {
    return vehicleEntryView(await this.service.removeEntry(id, admin.username));
  }
}

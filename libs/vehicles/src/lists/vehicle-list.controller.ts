import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
} from '@nestjs/common';
import { CurrentUser, Roles, StaffPrincipal } from '@kuzet/auth';
import { ApiResult, ZodValidationPipe } from '@kuzet/http';
import { z } from 'zod';
import {
  AddVehicleEntryRequest,
  AddVehicleEntryResult,
  addVehicleEntryResultSchema,
  addVehicleEntrySchema,
  CreateVehicleListRequest,
  createVehicleListSchema,
  VehicleEntryView,
  vehicleEntryViewSchema,
  VehicleListView,
  vehicleListViewSchema,
} from './vehicle-list.dto';
import { VehicleListService } from './vehicle-list.service';

const pageSchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

@Controller('v1')
@Roles('watchlist-admin')
export class VehicleListController {
  constructor(private readonly service: VehicleListService) {}

  @Post('vehicle-lists')
  @ApiResult(vehicleListViewSchema)
  createList(
    @CurrentUser() admin: StaffPrincipal,
    @Body(new ZodValidationPipe(createVehicleListSchema)) body: CreateVehicleListRequest,
  ): Promise<VehicleListView> {
    return this.service.createList(body, admin.username);
  }

  @Get('vehicle-lists')
  @ApiResult(z.array(vehicleListViewSchema))
  lists(): Promise<VehicleListView[]> {
    return this.service.lists();
  }

  @Get('vehicle-lists/:id/entries')
  @ApiResult(z.array(vehicleEntryViewSchema))
  entries(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Query(new ZodValidationPipe(pageSchema)) page: z.infer<typeof pageSchema>,
  ): Promise<VehicleEntryView[]> {
    return this.service.entries(id, page.limit, page.offset);
  }

  /** Idempotent by list and normalised plate: 200 with what happened to the entry. */
  @Post('vehicle-lists/:id/entries')
  @HttpCode(200)
  @ApiResult(addVehicleEntryResultSchema)
  addEntry(
    @CurrentUser() admin: StaffPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body(new ZodValidationPipe(addVehicleEntrySchema)) body: AddVehicleEntryRequest,
  ): Promise<AddVehicleEntryResult> {
    return this.service.addEntry(id, body, admin.username);
  }

  @Delete('vehicle-list-entries/:id')
  @HttpCode(200)
  @ApiResult(vehicleEntryViewSchema)
  removeEntry(
    @CurrentUser() admin: StaffPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
  ): Promise<VehicleEntryView> {
    return this.service.removeEntry(id, admin.username);
  }
}

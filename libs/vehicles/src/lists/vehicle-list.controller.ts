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
import { ZodValidationPipe } from '@kuzet/http';
import { z } from 'zod';
import {
  AddVehicleEntryRequest,
  addVehicleEntrySchema,
  CreateVehicleListRequest,
  createVehicleListSchema,
} from './vehicle-list.dto';
import { VehicleEntryRow, VehicleListRow } from './vehicle-list.repository';
import { EntryOutcome, VehicleListService } from './vehicle-list.service';

const pageSchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

@Controller('v1')
@Roles('watchlist-admin')
export class VehicleListController {
  constructor(private readonly service: VehicleListService) {}

  @Post('vehicle-lists')
  createList(
    @CurrentUser() admin: StaffPrincipal,
    @Body(new ZodValidationPipe(createVehicleListSchema)) body: CreateVehicleListRequest,
  ): Promise<VehicleListRow> {
    return this.service.createList(body, admin.username);
  }

  @Get('vehicle-lists')
  lists(): Promise<VehicleListRow[]> {
    return this.service.lists();
  }

  @Get('vehicle-lists/:id/entries')
  entries(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Query(new ZodValidationPipe(pageSchema)) page: z.infer<typeof pageSchema>,
  ): Promise<VehicleEntryRow[]> {
    return this.service.entries(id, page.limit, page.offset);
  }

  /** Idempotent by list and normalised plate: 200 with what happened to the entry. */
  @Post('vehicle-lists/:id/entries')
  @HttpCode(200)
  addEntry(
    @CurrentUser() admin: StaffPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body(new ZodValidationPipe(addVehicleEntrySchema)) body: AddVehicleEntryRequest,
  ): Promise<{ entry: VehicleEntryRow; outcome: EntryOutcome }> {
    return this.service.addEntry(id, body, admin.username);
  }

  @Delete('vehicle-list-entries/:id')
  @HttpCode(200)
  removeEntry(
    @CurrentUser() admin: StaffPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
  ): Promise<VehicleEntryRow> {
    return this.service.removeEntry(id, admin.username);
  }
}

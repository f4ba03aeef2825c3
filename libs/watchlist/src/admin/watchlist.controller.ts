import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  StreamableFile,
} from '@nestjs/common';
import { CurrentUser, Roles, StaffPrincipal } from '@kuzet/auth';
import { WatchlistEntity } from '@kuzet/persistence';
import type { HardenedRouteConfig } from '@kuzet/http';
import { ZodValidationPipe } from '@kuzet/http';
import { RouteConfig } from '@nestjs/platform-fastify';
import {
  CreateWatchlistRequest,
  createWatchlistSchema,
  EnrolPersonRequest,
  enrolPersonSchema,
  PageRequest,
  pageSchema,
} from './watchlist.dto';
import { EnrolmentView, PersonView, WatchlistService } from './watchlist.service';

@Controller('v1')
@Roles('watchlist-admin')
export class WatchlistController {
  constructor(private readonly service: WatchlistService) {}

  @Post('watchlists')
  createWatchlist(
    @CurrentUser() admin: StaffPrincipal,
    @Body(new ZodValidationPipe(createWatchlistSchema)) body: CreateWatchlistRequest,
  ): Promise<WatchlistEntity> {
    return this.service.createWatchlist(body, admin.username);
  }

  @Get('watchlists')
  listWatchlists(): Promise<WatchlistEntity[]> {
    return this.service.listWatchlists();
  }

  @Get('watchlists/:id')
  getWatchlist(@Param('id', new ParseUUIDPipe()) id: string): Promise<WatchlistEntity> {
    return this.service.getWatchlist(id);
  }

  @Post('watchlists/:id/persons')
  @RouteConfig({ largeBody: true } satisfies HardenedRouteConfig)
  enrolPerson(
    @CurrentUser() admin: StaffPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body(new ZodValidationPipe(enrolPersonSchema)) body: EnrolPersonRequest,
  ): Promise<EnrolmentView> {
    return this.service.enrolPerson(id, body, admin.username);
  }

  @Get('watchlists/:id/persons')
  listPersons(
    @CurrentUser() admin: StaffPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Query(new ZodValidationPipe(pageSchema)) page: PageRequest,
  ): Promise<PersonView[]> {
    return this.service.listPersons(id, page, admin.username);
  }

  @Get('persons/:id')
  getPerson(
    @CurrentUser() admin: StaffPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
  ): Promise<PersonView> {
    return this.service.getPerson(id, admin.username);
  }

  @Delete('persons/:id')
  @HttpCode(200)
  removePerson(
    @CurrentUser() admin: StaffPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
  ): Promise<PersonView> {
    return this.service.removePerson(id, admin.username);
  }

  @Get('persons/:id/faces/:faceId/thumbnail')
  @Header('Content-Type', 'image/jpeg')
  @Header('Cache-Control', 'private, no-store')
  async faceThumbnail(
    @CurrentUser() admin: StaffPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('faceId', new ParseUUIDPipe()) faceId: string,
  ): Promise<StreamableFile> {
    return new StreamableFile(await this.service.faceThumbnail(id, faceId, admin.username));
  }
}

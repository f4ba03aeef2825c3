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
import type { HardenedRouteConfig } from '@kuzet/http';
import { ApiResult, ZodValidationPipe } from '@kuzet/http';
import { z } from 'zod';
import { RouteConfig } from '@nestjs/platform-fastify';
import {
  CreateWatchlistRequest,
  createWatchlistSchema,
  EnrolmentView,
  enrolmentViewSchema,
  EnrolPersonRequest,
  enrolPersonSchema,
  PageRequest,
  pageSchema,
  PersonView,
  personViewSchema,
  WatchlistView,
  watchlistViewSchema,
} from './watchlist.dto';
import { WatchlistService } from './watchlist.service';

@Controller('v1')
@Roles('watchlist-admin')
export class WatchlistController {
  constructor(private readonly service: WatchlistService) {}

  @Post('watchlists')
  @ApiResult(watchlistViewSchema)
  createWatchlist(
    @CurrentUser() admin: StaffPrincipal,
    @Body(new ZodValidationPipe(createWatchlistSchema)) body: CreateWatchlistRequest,
  ): Promise<WatchlistView> {
    return this.service.createWatchlist(body, admin.username);
  }

  @Get('watchlists')
  @ApiResult(z.array(watchlistViewSchema))
  listWatchlists(): Promise<WatchlistView[]> {
    return this.service.listWatchlists();
  }

  @Get('watchlists/:id')
  @ApiResult(watchlistViewSchema)
  getWatchlist(@Param('id', new ParseUUIDPipe()) id: string): Promise<WatchlistView> {
    return this.service.getWatchlist(id);
  }

  @Post('watchlists/:id/persons')
  @RouteConfig({ largeBody: true } satisfies HardenedRouteConfig)
  @ApiResult(enrolmentViewSchema)
  enrolPerson(
    @CurrentUser() admin: StaffPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body(new ZodValidationPipe(enrolPersonSchema)) body: EnrolPersonRequest,
  ): Promise<EnrolmentView> {
    return this.service.enrolPerson(id, body, admin.username);
  }

  @Get('watchlists/:id/persons')
  @ApiResult(z.array(personViewSchema))
  listPersons(
    @CurrentUser() admin: StaffPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Query(new ZodValidationPipe(pageSchema)) page: PageRequest,
  ): Promise<PersonView[]> {
    return this.service.listPersons(id, page, admin.username);
  }

  @Get('persons/:id')
  @ApiResult(personViewSchema)
  getPerson(
    @CurrentUser() admin: StaffPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
  ): Promise<PersonView> {
    return this.service.getPerson(id, admin.username);
  }

  @Delete('persons/:id')
  @HttpCode(200)
  @ApiResult(personViewSchema)
  removePerson(
    @CurrentUser() admin: StaffPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
  ): Promise<PersonView> {
    return this.service.removePerson(id, admin.username);
  }

  @Get('persons/:id/faces/:faceId/thumbnail')
  @Header('Content-Type', 'image/jpeg')
  @Header('Cache-Control', 'private, no-store')
  @ApiResult.file('image/jpeg')
  async faceThumbnail(
    @CurrentUser() admin: StaffPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('faceId', new ParseUUIDPipe()) faceId: string,
  ): Promise<StreamableFile> {
    return new StreamableFile(await this.service.faceThumbnail(id, faceId, admin.username));
  }
}

import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
  StreamableFile,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles, StaffPrincipal } from '@kuzet/auth';
import type { HardenedRouteConfig } from '@kuzet/http';
import { ApiResult, Page, PageQuery, pageQuerySchema, ZodValidationPipe } from '@kuzet/http';
import { RouteConfig } from '@nestjs/platform-fastify';
import { z } from 'zod';
import {
  AddPhotosRequest,
  addPhotosSchema,
  AddProbeRequest,
  addProbeSchema,
  ConfirmedHitView,
  confirmedHitPageSchema,
  CreateWatchlistRequest,
  createWatchlistSchema,
  EnrolmentView,
  enrolmentViewSchema,
  EnrolPersonRequest,
  enrolPersonSchema,
  PersonView,
  personPageSchema,
  personQuerySchema,
  personSearchSchema,
  personViewSchema,
  PhotoCheckRequest,
  photoCheckSchema,
  PhotoCheckView,
  photoCheckViewSchema,
  ReasonRequest,
  reasonSchema,
  UpdatePersonRequest,
  updatePersonSchema,
  UpdateWatchlistRequest,
  updateWatchlistSchema,
  WatchlistQuery,
  watchlistPageSchema,
  watchlistQuerySchema,
  WatchlistView,
  watchlistViewSchema,
} from './watchlist.dto';
import { WatchlistService } from './watchlist.service';

@ApiTags('watchlists')
@ApiBearerAuth('staff')
@Controller('v1')
@Roles('watchlist-admin')
export class WatchlistController {
  constructor(private readonly service: WatchlistService) {}

  @Post('watchlists')
  @ApiOperation({ summary: 'Create a watchlist with its threshold, priority and colour' })
  @ApiResult(watchlistViewSchema)
  createWatchlist(
    @CurrentUser() admin: StaffPrincipal,
    @Body(new ZodValidationPipe(createWatchlistSchema)) body: CreateWatchlistRequest,
  ): Promise<WatchlistView> {
    return this.service.createWatchlist(body, admin.username);
  }

  @Get('watchlists')
  @ApiOperation({ summary: 'Watchlists by name (archived ones with status=archived)' })
  @ApiResult(watchlistPageSchema)
  listWatchlists(
    @Query(new ZodValidationPipe(watchlistQuerySchema)) query: WatchlistQuery,
  ): Promise<Page<WatchlistView>> {
    return this.service.listWatchlists(query);
  }

  @Get('watchlists/:id')
  @ApiOperation({ summary: 'One watchlist' })
  @ApiResult(watchlistViewSchema)
  getWatchlist(@Param('id', new ParseUUIDPipe()) id: string): Promise<WatchlistView> {
    return this.service.getWatchlist(id);
  }

  @Patch('watchlists/:id')
  @ApiOperation({
    summary:
      'Change a watchlist’s name, category, threshold, priority, colour or expiry; every matcher applies a new threshold or expiry within moments',
  })
  @ApiResult(watchlistViewSchema)
  updateWatchlist(
    @CurrentUser() admin: StaffPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body(new ZodValidationPipe(updateWatchlistSchema)) body: UpdateWatchlistRequest,
  ): Promise<WatchlistView> {
    return this.service.updateWatchlist(id, body, admin.username);
  }

  @Post('watchlists/:id/archive')
  @HttpCode(200)
  @ApiOperation({ summary: 'Archive a watchlist: no longer searched, its people and hits kept' })
  @ApiResult(watchlistViewSchema)
  archiveWatchlist(
    @CurrentUser() admin: StaffPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body(new ZodValidationPipe(reasonSchema)) body: ReasonRequest,
  ): Promise<WatchlistView> {
    return this.service.archiveWatchlist(id, body.reason, admin.username);
  }

  @Post('watchlists/:id/persons')
  @RouteConfig({ largeBody: true } satisfies HardenedRouteConfig)
  @ApiOperation({
    summary:
      'Enrol a person from photos (one face each; a group photo needs photos[].face); 409 conflict on case_reference for a case number on the list already, 409 likely_duplicate when the faces match someone enrolled',
  })
  @ApiResult(enrolmentViewSchema)
  enrolPerson(
    @CurrentUser() admin: StaffPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body(new ZodValidationPipe(enrolPersonSchema)) body: EnrolPersonRequest,
  ): Promise<EnrolmentView> {
    return this.service.enrolPerson(id, body, admin.username);
  }

  @Get('watchlists/:id/persons')
  @ApiOperation({ summary: 'People of a watchlist by name, searched by name or case number' })
  @ApiResult(personPageSchema)
  listPersons(
    @CurrentUser() admin: StaffPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Query(new ZodValidationPipe(personQuerySchema)) query: z.infer<typeof personQuerySchema>,
  ): Promise<Page<PersonView>> {
    return this.service.listPersons({ ...query, watchlist_id: id }, admin.username);
  }

  @Get('persons')
  @ApiOperation({ summary: 'People of every watchlist by name, searched by name or case number' })
  @ApiResult(personPageSchema)
  searchPersons(
    @CurrentUser() admin: StaffPrincipal,
    @Query(new ZodValidationPipe(personSearchSchema)) query: z.infer<typeof personSearchSchema>,
  ): Promise<Page<PersonView>> {
    return this.service.listPersons(query, admin.username);
  }

  @Post('persons/photo-check')
  @HttpCode(200)
  @RouteConfig({ largeBody: true } satisfies HardenedRouteConfig)
  @ApiOperation({
    summary:
      'Run the face engine on a photo before enrolment: verdict, every face with its box and crop, people it already matches; stores nothing',
  })
  @ApiResult(photoCheckViewSchema)
  checkPhoto(
    @CurrentUser() admin: StaffPrincipal,
    @Body(new ZodValidationPipe(photoCheckSchema)) body: PhotoCheckRequest,
  ): Promise<PhotoCheckView> {
    return this.service.checkPhoto(body, admin.username);
  }

  @Get('persons/:id')
  @ApiOperation({ summary: 'One person with every enrolled photo' })
  @ApiResult(personViewSchema)
  getPerson(
    @CurrentUser() admin: StaffPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
  ): Promise<PersonView> {
    return this.service.getPerson(id, admin.username);
  }

  @Patch('persons/:id')
  @ApiOperation({ summary: 'Change a person’s name, case number, notes, instructions or expiry' })
  @ApiResult(personViewSchema)
  updatePerson(
    @CurrentUser() admin: StaffPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body(new ZodValidationPipe(updatePersonSchema)) body: UpdatePersonRequest,
  ): Promise<PersonView> {
    return this.service.updatePerson(id, body, admin.username);
  }

  @Delete('persons/:id')
  @HttpCode(200)
  @ApiOperation({ summary: 'Remove a person with a reason: no longer searched, record kept' })
  @ApiResult(personViewSchema)
  removePerson(
    @CurrentUser() admin: StaffPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body(new ZodValidationPipe(reasonSchema)) body: ReasonRequest,
  ): Promise<PersonView> {
    return this.service.removePerson(id, body.reason, admin.username);
  }

  @Post('persons/:id/photos')
  @RouteConfig({ largeBody: true } satisfies HardenedRouteConfig)
  @ApiOperation({ summary: 'Add photos of an enrolled person (checked like an enrolment)' })
  @ApiResult(enrolmentViewSchema)
  addPhotos(
    @CurrentUser() admin: StaffPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body(new ZodValidationPipe(addPhotosSchema)) body: AddPhotosRequest,
  ): Promise<EnrolmentView> {
    return this.service.addPhotos(id, body, admin.username);
  }

  @Get('persons/:id/confirmed-hits')
  @ApiOperation({
    summary:
      'A person’s face hits confirmed by an operator, newest first, with whether each probe was added as a photo; audited',
  })
  @ApiResult(confirmedHitPageSchema)
  confirmedHits(
    @CurrentUser() admin: StaffPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Query(new ZodValidationPipe(pageQuerySchema)) query: PageQuery,
  ): Promise<Page<ConfirmedHitView>> {
    return this.service.confirmedHits(id, query, admin.username);
  }

  @Get('persons/:id/confirmed-hits/:alertId/crop')
  @Header('Content-Type', 'image/jpeg')
  @Header('Cache-Control', 'private, no-store')
  @ApiOperation({ summary: 'The probe face crop of a confirmed hit of the person; audited' })
  @ApiResult.file('image/jpeg')
  async confirmedHitCrop(
    @CurrentUser() admin: StaffPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('alertId', new ParseUUIDPipe()) alertId: string,
  ): Promise<StreamableFile> {
    return new StreamableFile(await this.service.confirmedHitCrop(id, alertId, admin.username));
  }

  @Post('persons/:id/photos/from-hit')
  @ApiOperation({
    summary:
      'Add the probe of a confirmed hit as a photo of the person (checked by the face engine like any photo; every matcher reloads the person); 404 not_found for a hit not confirmed or not of this person, 409 conflict when that probe was added already',
  })
  @ApiResult(enrolmentViewSchema)
  addProbe(
    @CurrentUser() admin: StaffPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body(new ZodValidationPipe(addProbeSchema)) body: AddProbeRequest,
  ): Promise<EnrolmentView> {
    return this.service.addProbe(id, body.alert_id, admin.username);
  }

  @Delete('persons/:id/faces/:faceId')
  @HttpCode(200)
  @ApiOperation({ summary: 'Remove one enrolled photo of a person' })
  @ApiResult(personViewSchema)
  removePhoto(
    @CurrentUser() admin: StaffPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('faceId', new ParseUUIDPipe()) faceId: string,
  ): Promise<PersonView> {
    return this.service.removePhoto(id, faceId, admin.username);
  }

  @Get('persons/:id/faces/:faceId/thumbnail')
  @Header('Content-Type', 'image/jpeg')
  @Header('Cache-Control', 'private, no-store')
  @ApiOperation({ summary: 'An enrolled photo’s aligned crop' })
  @ApiResult.file('image/jpeg')
  async faceThumbnail(
    @CurrentUser() admin: StaffPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('faceId', new ParseUUIDPipe()) faceId: string,
  ): Promise<StreamableFile> {
    return new StreamableFile(await this.service.faceThumbnail(id, faceId, admin.username));
  }
}

import { Body, Controller, Get, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ApiResult,
  Page,
  pageOf,
  PageQuery,
  pageQuerySchema,
  ZodValidationPipe,
} from '@kuzet/http';
import { CurrentUser, Roles } from './staff-auth.decorators';
import { StaffPrincipal } from './staff-principal';
import {
  CreateUserInput,
  createUserSchema,
  StaffUserDto,
  staffUserPageSchema,
  staffUserSchema,
  UpdateUserInput,
  updateUserSchema,
} from './staff-user.schemas';
import { StaffUserService } from './staff-user.service';

@ApiTags('users')
@ApiBearerAuth('staff')
@Controller('v1/users')
@Roles('system-admin')
export class UsersController {
  constructor(private readonly users: StaffUserService) {}

  @Post()
  @ApiOperation({
    summary: 'Create a staff user with roles (and centres for operators and supervisors)',
  })
  @ApiResult(staffUserSchema)
  create(
    @CurrentUser() admin: StaffPrincipal,
    @Body(new ZodValidationPipe(createUserSchema)) input: CreateUserInput,
  ): Promise<StaffUserDto> {
    return this.users.create(input, admin.username);
  }

  @Get()
  @ApiOperation({ summary: 'List staff users, by username' })
  @ApiResult(staffUserPageSchema)
  async list(
    @Query(new ZodValidationPipe(pageQuerySchema)) query: PageQuery,
  ): Promise<Page<StaffUserDto>> {
    return pageOf(await this.users.list(), (user) => user.username, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One staff user' })
  @ApiResult(staffUserSchema)
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<StaffUserDto> {
    return this.users.get(id);
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Change roles, centres, password or status; ends the user’s current sessions',
  })
  @ApiResult(staffUserSchema)
  update(
    @CurrentUser() admin: StaffPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body(new ZodValidationPipe(updateUserSchema)) patch: UpdateUserInput,
  ): Promise<StaffUserDto> {
    return this.users.update(id, patch, admin.username);
  }
}

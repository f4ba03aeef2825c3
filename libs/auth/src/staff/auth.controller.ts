import { Body, Controller, Get, HttpCode, Ip, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiResult, ZodValidationPipe } from '@kuzet/http';
import { CurrentSessionId, CurrentUser, Public, Roles } from './staff-auth.decorators';
import {
  STAFF_ROLES,
  StaffPrincipal,
  staffPrincipalBody,
  StaffPrincipalBody,
  staffPrincipalBodySchema,
} from './staff-principal';
import { StaffSessionService } from './staff-session.service';
import { LoginInput, LoginResult, loginResultSchema, loginSchema } from './staff-user.schemas';

@ApiTags('auth')
@Controller('v1/auth')
export class AuthController {
  constructor(private readonly sessions: StaffSessionService) {}

  @Post('login')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Sign in: a bearer access token for the other endpoints' })
  @ApiResult(loginResultSchema)
  login(
    @Body(new ZodValidationPipe(loginSchema)) input: LoginInput,
    @Ip() clientIp: string,
  ): Promise<LoginResult> {
    return this.sessions.login(input, clientIp);
  }

  @Post('logout')
  @Roles(...STAFF_ROLES)
  @HttpCode(204)
  @ApiBearerAuth('staff')
  @ApiOperation({ summary: 'Sign out: the token stops working for every instance' })
  @ApiResult.empty(204)
  logout(
    @CurrentUser() user: StaffPrincipal,
    @CurrentSessionId() sessionId: string,
  ): Promise<void> {
    return this.sessions.logout(user, sessionId);
  }

  @Get('me')
  @Roles(...STAFF_ROLES)
  @ApiBearerAuth('staff')
  @ApiOperation({ summary: 'Who is signed in' })
  @ApiResult(staffPrincipalBodySchema)
  me(@CurrentUser() user: StaffPrincipal): StaffPrincipalBody {
    return staffPrincipalBody(user);
  }
}

import { Controller, Get, Query } from '@nestjs/common';
import { CurrentUser, Roles, StaffPrincipal } from '@kuzet/auth';
import { ApiResult, ZodValidationPipe } from '@kuzet/http';
import {
  ViolationFeedPage,
  violationFeedPageSchema,
  ViolationFeedQuery,
  violationFeedQuerySchema,
} from './violation-feed.dto';
import { ViolationFeedService } from './violation-feed.service';

@Controller('v1/ops/violations')
@Roles('operator', 'supervisor')
export class ViolationFeedController {
  constructor(private readonly feed: ViolationFeedService) {}

  /** Recent violations in the user's scope, newest logged first (a reconnecting console
   * reloads this page; nothing is replayed over the socket). */
  @Get()
  @ApiResult(violationFeedPageSchema)
  list(
    @CurrentUser() user: StaffPrincipal,
    @Query(new ZodValidationPipe(violationFeedQuerySchema)) query: ViolationFeedQuery,
  ): Promise<ViolationFeedPage> {
    return this.feed.page(user, query);
  }
}

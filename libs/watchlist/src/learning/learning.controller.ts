import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Put,
  Query,
} from '@nestjs/common';
import { CurrentUser, Roles, StaffPrincipal } from '@kuzet/auth';
import { ApiResult, Page, ZodValidationPipe } from '@kuzet/http';
import {
  ApplyThresholdRequest,
  applyThresholdSchema,
  learningListPageSchema,
  LearningListView,
  LearningPageQuery,
  learningPageQuerySchema,
  negativePageSchema,
  NegativeView,
  negativeViewSchema,
  RevertThresholdRequest,
  revertThresholdSchema,
  suppressionPageSchema,
  SuppressionPolicyRequest,
  suppressionPolicySchema,
  SuppressionPolicyView,
  suppressionPolicyViewSchema,
  SuppressionView,
  thresholdDecisionPageSchema,
  ThresholdDecisionView,
  thresholdDecisionViewSchema,
  ThresholdEvidenceQuery,
  thresholdEvidenceQuerySchema,
  ThresholdEvidenceView,
  thresholdEvidenceViewSchema,
} from './learning.dto';
import { LearningService } from './learning.service';

/** Per-list learning from decisions: negatives, suppressions, the suppression policy and the
 * threshold set from evidence. Routes of their own under /v1/watchlists/{id}/. */
@Controller('v1/watchlists/:id')
export class LearningController {
  constructor(private readonly learning: LearningService) {}

  @Get('negatives')
  @Roles('watchlist-admin', 'supervisor', 'auditor')
  @ApiResult(negativePageSchema)
  negatives(
    @CurrentUser() user: StaffPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Query(new ZodValidationPipe(learningPageQuerySchema)) query: LearningPageQuery,
  ): Promise<Page<NegativeView>> {
    return this.learning.listNegatives(id, query, user);
  }

  @Delete('negatives/:negativeId')
  @HttpCode(200)
  @Roles('watchlist-admin')
  @ApiResult(negativeViewSchema)
  removeNegative(
    @CurrentUser() user: StaffPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('negativeId', new ParseUUIDPipe()) negativeId: string,
  ): Promise<NegativeView> {
    return this.learning.removeNegative(id, negativeId, user.username);
  }

  /** A supervisor approves the negatives of their centres' alerts; a list administrator any. */
  @Post('negatives/:negativeId/approve')
  @Roles('supervisor', 'watchlist-admin')
  @ApiResult(negativeViewSchema)
  approveNegative(
    @CurrentUser() user: StaffPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('negativeId', new ParseUUIDPipe()) negativeId: string,
  ): Promise<NegativeView> {
    return this.learning.approveNegative(id, negativeId, user);
  }

  @Get('suppressions')
  @Roles('supervisor', 'auditor')
  @ApiResult(suppressionPageSchema)
  suppressions(
    @CurrentUser() user: StaffPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Query(new ZodValidationPipe(learningPageQuerySchema)) query: LearningPageQuery,
  ): Promise<Page<SuppressionView>> {
    return this.learning.listSuppressions(id, query, user);
  }

  @Get('suppression-policy')
  @Roles('supervisor', 'watchlist-admin', 'auditor')
  @ApiResult(suppressionPolicyViewSchema)
  policy(@Param('id', new ParseUUIDPipe()) id: string): Promise<SuppressionPolicyView> {
    return this.learning.policy(id);
  }

  /** A watchlist administrator or a supervisor of a main centre (the policy is region-wide). */
  @Put('suppression-policy')
  @Roles('supervisor', 'watchlist-admin')
  @ApiResult(suppressionPolicyViewSchema)
  setPolicy(
    @CurrentUser() user: StaffPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body(new ZodValidationPipe(suppressionPolicySchema)) body: SuppressionPolicyRequest,
  ): Promise<SuppressionPolicyView> {
    return this.learning.setPolicy(id, body, user);
  }

  @Get('threshold-evidence')
  @Roles('supervisor', 'watchlist-admin', 'auditor')
  @ApiResult(thresholdEvidenceViewSchema)
  thresholdEvidence(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Query(new ZodValidationPipe(thresholdEvidenceQuerySchema)) query: ThresholdEvidenceQuery,
  ): Promise<ThresholdEvidenceView> {
    return this.learning.thresholdEvidence(id, query);
  }

  @Get('threshold-decisions')
  @Roles('supervisor', 'watchlist-admin', 'auditor')
  @ApiResult(thresholdDecisionPageSchema)
  thresholdDecisions(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Query(new ZodValidationPipe(learningPageQuerySchema)) query: LearningPageQuery,
  ): Promise<Page<ThresholdDecisionView>> {
    return this.learning.thresholdDecisions(id, query);
  }

  /** A watchlist administrator or a supervisor of a main centre (the threshold is region-wide). */
  @Post('threshold-decisions')
  @Roles('supervisor', 'watchlist-admin')
  @ApiResult(thresholdDecisionViewSchema)
  applyThreshold(
    @CurrentUser() user: StaffPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body(new ZodValidationPipe(applyThresholdSchema)) body: ApplyThresholdRequest,
  ): Promise<ThresholdDecisionView> {
    return this.learning.applyThreshold(id, body, user);
  }

  @Post('threshold-decisions/:decisionId/revert')
  @Roles('supervisor', 'watchlist-admin')
  @ApiResult(thresholdDecisionViewSchema)
  revertThreshold(
    @CurrentUser() user: StaffPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('decisionId', new ParseUUIDPipe()) decisionId: string,
    @Body(new ZodValidationPipe(revertThresholdSchema)) body: RevertThresholdRequest,
  ): Promise<ThresholdDecisionView> {
    return this.learning.revertThreshold(id, decisionId, body.reason, user);
  }
}

/** The lists a supervisor sets thresholds for, with their current settings. */
@Controller('v1/watchlist-learning')
export class LearningListsController {
  constructor(private readonly learning: LearningService) {}

  @Get()
  @Roles('supervisor', 'watchlist-admin', 'auditor')
  @ApiResult(learningListPageSchema)
  lists(
    @Query(new ZodValidationPipe(learningPageQuerySchema)) query: LearningPageQuery,
  ): Promise<Page<LearningListView>> {
    return this.learning.lists(query);
  }
}

import {
  AlertKindSchema,
  DecisionOutcome,
  DecisionOutcomeSchema,
  type Decision,
} from '../gen/kuzet/v1/decision_pb';
import { makeCtx } from './context';
import type { FieldError } from './errors';
import { CONTRACT_LIMITS, type ContractLimits } from './limits';
import { checkEnum, checkId, checkText, checkTime, checkUuid } from './rules';

/** Field-level problems of a Decision; empty when it is valid. */
export function validateDecision(
  msg: Decision,
  now: Date = new Date(),
  limits: Partial<ContractLimits> = CONTRACT_LIMITS,
): FieldError[] {
  const ctx = makeCtx(now, limits);
  checkUuid(ctx, 'decision_id', msg.decisionId);
  checkUuid(ctx, 'alert_id', msg.alertId);
  checkEnum(ctx, 'alert_kind', msg.alertKind, AlertKindSchema);
  checkEnum(ctx, 'outcome', msg.outcome, DecisionOutcomeSchema);
  // Auditors need to know why a lead was dropped or handed on.
  const reasonRequired =
    msg.outcome === DecisionOutcome.REJECT || msg.outcome === DecisionOutcome.ESCALATE;
  const required = reasonRequired && 'is required when rejecting or escalating';
  checkText(ctx, 'reason', msg.reason, ctx.limits.maxReasonLength, required);
  checkId(ctx, 'operator_id', msg.operatorId);
  checkTime(ctx, 'decided_at', msg.decidedAt, { required: true });
  return ctx.sink.errors;
}

import { ErrorSink } from './errors';
import { resolveLimits, type ContractLimits } from './limits';
import type { Ctx } from './rules';

export function makeCtx(now: Date, limits: Partial<ContractLimits> | undefined): Ctx {
  return { sink: new ErrorSink(), limits: resolveLimits(limits), nowMs: now.getTime() };
}

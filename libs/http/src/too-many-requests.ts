import { HttpStatus } from '@nestjs/common';
import { FieldErrorsException } from './zod-validation.pipe';

/** A 429 that says when to try again: ApiErrorFilter puts it in the Retry-After header. */
export class TooManyRequestsException extends FieldErrorsException {
  constructor(
    readonly retryAfterSeconds: number,
    message: string,
    rule = 'rate_limit',
  ) {
    const error = { field: '$', rule, message };
    // staff apps translate the wait; the integrator API keeps its shape (no params)
    const wait = { retry_after_seconds: Math.max(1, Math.ceil(retryAfterSeconds)) };
    super(HttpStatus.TOO_MANY_REQUESTS, [error], message, [{ ...error, params: wait }]);
  }
}

import { HttpStatus } from '@nestjs/common';
import { FieldErrorsException } from './zod-validation.pipe';

/** A 429 that says when to try again: ApiErrorFilter puts it in the Retry-After header. */
export class TooManyRequestsException extends FieldErrorsException {
  constructor(
    readonly retryAfterSeconds: number,
    message: string,
    rule = 'rate_limit',
  ) {
    super(HttpStatus.TOO_MANY_REQUESTS, [{ field: '$', rule, message }], message);
  }
}

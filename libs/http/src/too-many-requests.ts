import { ArgumentsHost, Catch, ExceptionFilter, HttpStatus } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { FieldErrorsException } from './zod-validation.pipe';

/** A 429 that says when to try again: RetryAfterFilter puts it in the Retry-After header. */
export class TooManyRequestsException extends FieldErrorsException {
  constructor(
    readonly retryAfterSeconds: number,
    message: string,
    rule = 'rate_limit',
  ) {
    super(HttpStatus.TOO_MANY_REQUESTS, [{ field: '$', rule, message }], message);
  }
}

@Catch(TooManyRequestsException)
export class RetryAfterFilter implements ExceptionFilter<TooManyRequestsException> {
  catch(exception: TooManyRequestsException, host: ArgumentsHost): void {
    if (host.getType() !== 'http') return;
    const seconds = Math.max(1, Math.ceil(exception.retryAfterSeconds));
    void host
      .switchToHttp()
      .getResponse<FastifyReply>()
      .status(exception.getStatus())
      .header('retry-after', String(seconds))
      .send(exception.getResponse());
  }
}

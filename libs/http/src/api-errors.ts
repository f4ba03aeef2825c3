import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { TooManyRequestsException } from './too-many-requests';
import { FieldErrorsException, RequestFieldError } from './zod-validation.pipe';

/** The routes of the integrator API v1, whose error bodies keep the shape integrators were
 * given (`statusCode`, `error`, `message`, `errors`): POST /v1/events (and its batch),
 * POST /v1/cameras/{id}/frames, /v1/integrator/* and the device adapters' /v1/devices/*.
 * Everything else is the staff API. */
const INTEGRATOR_PATH =
  /^\/v1\/(?:events(?:[/?]|$)|integrator(?:[/?]|$)|devices\/|cameras\/[^/?]+\/frames(?:[/?]|$))/;

export function isIntegratorPath(url: string): boolean {
  return INTEGRATOR_PATH.test(url);
}

/** The one error body of the staff API (docs/api-conventions.md). */
export interface StaffErrorBody {
  readonly errors: readonly RequestFieldError[];
}

/** The rule of an error that names no field, by status: a stable code the web app translates. */
export const STATUS_RULES: Readonly<Record<number, string>> = {
  [HttpStatus.BAD_REQUEST]: 'invalid',
  [HttpStatus.UNAUTHORIZED]: 'unauthenticated',
  [HttpStatus.FORBIDDEN]: 'forbidden',
  [HttpStatus.NOT_FOUND]: 'not_found',
  [HttpStatus.METHOD_NOT_ALLOWED]: 'method_not_allowed',
  [HttpStatus.CONFLICT]: 'conflict',
  [HttpStatus.PAYLOAD_TOO_LARGE]: 'max_bytes',
  [HttpStatus.UNSUPPORTED_MEDIA_TYPE]: 'media_type',
  [HttpStatus.UNPROCESSABLE_ENTITY]: 'unprocessable',
  [HttpStatus.TOO_MANY_REQUESTS]: 'rate_limit',
};

/** What a refused request is answered with: the staff shape, or the integrator API's own. */
export function errorBodyFor(
  url: string,
  status: number,
  errors: readonly RequestFieldError[],
  message = 'invalid request',
): StaffErrorBody | Record<string, unknown> {
  if (isIntegratorPath(url))
    return new FieldErrorsException(
      status,
      errors.map(withoutParams),
      message,
    ).getResponse() as Record<string, unknown>;
  return { errors };
}

function withoutParams({ field, rule, message }: RequestFieldError): RequestFieldError {
  return { field, rule, message };
}

/** The staff errors of any HttpException: its own field errors where it has them, else one
 * error on `$` with the status's rule and the exception's message. */
export function staffErrorsOf(exception: HttpException): readonly RequestFieldError[] {
  if (exception instanceof FieldErrorsException) return exception.staffErrors;
  const status = exception.getStatus();
  const response = exception.getResponse();
  const body = typeof response === 'object' && response !== null ? response : {};
  const listed = (body as { errors?: unknown }).errors;
  if (Array.isArray(listed) && listed.length > 0) return listed as RequestFieldError[];
  const raw = typeof response === 'string' ? response : (body as { message?: unknown }).message;
  const message = Array.isArray(raw) ? raw.join('; ') : typeof raw === 'string' ? raw : '';
  return [
    {
      field: '$',
      rule: STATUS_RULES[status] ?? (status >= 500 ? 'unavailable' : 'error'),
      message: message || exception.message,
    },
  ];
}

/** The global exception filter: every HttpException of the staff API is answered as
 * `{ "errors": [ { field, rule, message, params? } ] }` (Nest's `{statusCode, message, error}`
 * never leaves), the integrator API v1 as it always was; a 429 says when to try again in
 * Retry-After. 5xx answers keep their own body (health's readiness report). */
@Catch(HttpException)
export class ApiErrorFilter implements ExceptionFilter<HttpException> {
  catch(exception: HttpException, host: ArgumentsHost): void {
    if (host.getType() !== 'http') return;
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const url = http.getRequest<FastifyRequest>().url ?? '';
    const status = exception.getStatus();
    if (exception instanceof TooManyRequestsException) {
      reply.header('retry-after', String(Math.max(1, Math.ceil(exception.retryAfterSeconds))));
    }
    const response = exception.getResponse();
    const body =
      status < 500 && !isIntegratorPath(url)
        ? ({ errors: staffErrorsOf(exception) } satisfies StaffErrorBody)
        : typeof response === 'object' && response !== null
          ? response
          : { statusCode: status, message: response }; // as Nest's own filter answers it
    // a route that declared another type (@Header: an image, the console's HTML) still
    // answers its error as JSON
    void reply
      .status(status)
      .header('content-type', 'application/json; charset=utf-8')
      .send(JSON.stringify(body));
  }
}

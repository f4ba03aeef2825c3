import { HttpException, HttpStatus, PipeTransform } from '@nestjs/common';
import { z } from 'zod';

export interface RequestFieldError {
  readonly field: string;
  readonly rule: string;
  readonly message: string;
}

/** The one shape of a refused request in every kuzet API: which field broke which rule. */
export class FieldErrorsException extends HttpException {
  constructor(
    status: HttpStatus,
    readonly errors: readonly RequestFieldError[],
    message = 'invalid request',
  ) {
    super({ statusCode: status, error: STATUS_NAMES[status] ?? 'Error', message, errors }, status);
  }
}

const STATUS_NAMES: Partial<Record<HttpStatus, string>> = {
  [HttpStatus.BAD_REQUEST]: 'Bad Request',
  [HttpStatus.UNAUTHORIZED]: 'Unauthorized',
  [HttpStatus.PAYLOAD_TOO_LARGE]: 'Payload Too Large',
  [HttpStatus.TOO_MANY_REQUESTS]: 'Too Many Requests',
};

export class RequestValidationException extends FieldErrorsException {
  constructor(errors: readonly RequestFieldError[]) {
    super(HttpStatus.BAD_REQUEST, errors);
  }
}

export function zodFieldErrors(error: z.ZodError, prefix = ''): RequestFieldError[] {
  return error.issues.map((issue) => ({
    field: [prefix, ...issue.path.map(String)].filter(Boolean).join('.') || '$',
    rule: issue.code,
    message: issue.message,
  }));
}

/** `@Body(new ZodValidationPipe(schema))`: parses, or answers 400 naming each bad field. */
export class ZodValidationPipe<S extends z.ZodType> implements PipeTransform<unknown, z.infer<S>> {
  constructor(
    /** Public: the OpenAPI documents are generated from it. */
    readonly schema: S,
    private readonly prefix = '',
  ) {}

  transform(value: unknown): z.infer<S> {
    const parsed = this.schema.safeParse(value);
    if (!parsed.success)
      throw new RequestValidationException(zodFieldErrors(parsed.error, this.prefix));
    return parsed.data;
  }
}

import { BadRequestException, PipeTransform } from '@nestjs/common';
import { z } from 'zod';

export interface RequestFieldError {
  readonly field: string;
  readonly rule: string;
  readonly message: string;
}

/** The one shape of a 400 in every kuzet API: which field broke which rule. */
export class RequestValidationException extends BadRequestException {
  constructor(readonly errors: readonly RequestFieldError[]) {
    super({ statusCode: 400, error: 'Bad Request', message: 'invalid request', errors });
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
    private readonly schema: S,
    private readonly prefix = '',
  ) {}

  transform(value: unknown): z.infer<S> {
    const parsed = this.schema.safeParse(value);
    if (!parsed.success)
      throw new RequestValidationException(zodFieldErrors(parsed.error, this.prefix));
    return parsed.data;
  }
}

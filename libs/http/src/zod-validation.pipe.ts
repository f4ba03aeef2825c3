import { STATUS_CODES } from 'node:http';
import { HttpException, HttpStatus, PipeTransform } from '@nestjs/common';
import { z } from 'zod';

export interface RequestFieldError {
  readonly field: string;
  /** A stable machine code (`required`, `too_small`, `not_found`...) the web app translates. */
  readonly rule: string;
  /** English, for integrators and logs; the web app shows its own translation of `rule`. */
  readonly message: string;
  /** Values the translation needs, e.g. `{ minimum: 8 }` for `too_small`. */
  readonly params?: Readonly<Record<string, unknown>>;
}

/** The one shape of a refused request in every kuzet API: which field broke which rule. */
export class FieldErrorsException extends HttpException {
  constructor(
    status: HttpStatus,
    readonly errors: readonly RequestFieldError[],
    message = 'invalid request',
    /** What the staff API answers instead of `errors`, where it says more (see
     * ApiErrorFilter); the integrator API answers `errors`, as it always has. */
    readonly staffErrors: readonly RequestFieldError[] = errors,
  ) {
    // the status's reason phrase for every status (a 403 or 422 once said "Error")
    super({ statusCode: status, error: STATUS_CODES[status] ?? 'Error', message, errors }, status);
  }
}

export class RequestValidationException extends FieldErrorsException {
  constructor(errors: readonly RequestFieldError[], staffErrors = errors) {
    // the integrator API's message names every field at fault (the staff API answers `errors`)
    const message = errors.map((e) => `${e.field}: ${e.message}`).join('; ') || 'invalid request';
    super(HttpStatus.BAD_REQUEST, errors, message, staffErrors);
  }
}

/** Field errors as the integrator API v1 has always answered them: zod's issue code as the
 * rule, no params (integrators depend on it: do not change). */
export function zodFieldErrors(error: z.ZodError, prefix = ''): RequestFieldError[] {
  return error.issues.map((issue) => ({
    field: fieldOf(issue, prefix),
    rule: issue.code,
    message: issue.message,
  }));
}

/** Field errors as the staff API answers them (docs/api-conventions.md): a missing field is
 * `required`, and `params` carries the values a translated message needs. */
export function staffFieldErrors(error: z.ZodError, prefix = ''): RequestFieldError[] {
  return error.issues.map((issue) => {
    const params = zodIssueParams(issue);
    const missing = issue.code === 'invalid_type' && issue.input === undefined;
    // a refinement names its rule with .refine(check, { params: { rule } })
    const named = issue.code === 'custom' ? (issue.params?.rule as string | undefined) : undefined;
    return {
      field: fieldOf(issue, prefix),
      rule: missing ? 'required' : (named ?? issue.code),
      message: issue.message,
      ...(params ? { params } : {}),
    };
  });
}

function fieldOf(issue: z.core.$ZodIssue, prefix: string): string {
  return [prefix, ...issue.path.map(String)].filter(Boolean).join('.') || '$';
}

/** The values of a zod issue a translated message needs (bounds, the expected type, the
 * allowed values, the format), in snake_case; undefined when it needs none. */
function zodIssueParams(issue: z.core.$ZodIssue): Record<string, unknown> | undefined {
  switch (issue.code) {
    case 'too_small':
      return { minimum: Number(issue.minimum), inclusive: issue.inclusive ?? true };
    case 'too_big':
      return { maximum: Number(issue.maximum), inclusive: issue.inclusive ?? true };
    case 'invalid_type':
      return issue.input === undefined ? undefined : { expected: issue.expected };
    case 'invalid_value':
      return { values: issue.values.map((v) => String(v)) };
    case 'invalid_format':
      return { format: issue.format };
    case 'unrecognized_keys':
      return { keys: issue.keys };
    default:
      return undefined;
  }
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
      throw new RequestValidationException(
        zodFieldErrors(parsed.error, this.prefix),
        staffFieldErrors(parsed.error, this.prefix),
      );
    return parsed.data;
  }
}

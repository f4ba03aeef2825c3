import { STATUS_CODES } from 'node:http';
import { FieldError } from '@kuzet/contracts';
import { z } from 'zod';

export const fieldErrorSchema = z.object({
  field: z.string().meta({ example: 'payload.violation.code' }),
  rule: z.string().meta({ example: 'enum' }),
  message: z.string(),
});

const REJECTION_CODES = [400, 403, 409, 413, 422, 503] as const;
export type RejectionCode = (typeof REJECTION_CODES)[number];

/** What happened to one event of a request, in the order of the request. */
export const eventResultSchema = z.discriminatedUnion('status', [
  z.object({
    index: z.number().int(),
    event_id: z.string(),
    status: z.literal('accepted'),
    accepted_at: z.iso.datetime(),
  }),
  z.object({
    index: z.number().int(),
    event_id: z.string().nullable(),
    status: z.literal('rejected'),
    /** The HTTP status this event alone would have been answered with. */
    code: z.literal(REJECTION_CODES).describe('the status this event alone would get'),
    errors: z.array(fieldErrorSchema),
  }),
]);
export type EventResult = z.infer<typeof eventResultSchema>;

/** The results of one request's events, filled in as each event is decided. */
export class EventOutcomes {
  readonly results: EventResult[];

  constructor(private readonly eventIds: readonly (string | null)[]) {
    this.results = new Array<EventResult>(eventIds.length);
  }

  reject(index: number, code: RejectionCode, errors: FieldError[]): void {
    this.results[index] = {
      index,
      event_id: this.eventIds[index]!,
      status: 'rejected',
      code,
      errors,
    };
  }

  accept(index: number, acceptedAt: Date): void {
    this.results[index] = {
      index,
      event_id: this.eventIds[index]!,
      status: 'accepted',
      accepted_at: acceptedAt.toISOString(),
    };
  }
}

export const batchResponseBodySchema = z.object({
  accepted: z.number().int(),
  rejected: z.number().int(),
  results: z.array(eventResultSchema),
});
export type BatchResponseBody = z.infer<typeof batchResponseBodySchema>;

export const acceptedEventBodySchema = z.object({
  event_id: z.uuid(),
  status: z.literal('accepted'),
  accepted_at: z.iso.datetime(),
});
export type AcceptedEventBody = z.infer<typeof acceptedEventBodySchema>;

export const errorBodySchema = z.object({
  statusCode: z.number().int(),
  error: z.string(),
  message: z.string(),
  errors: z.array(fieldErrorSchema),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

export interface IngestResponse {
  readonly status: number;
  readonly body: AcceptedEventBody | BatchResponseBody | ErrorBody;
}

/** The error body of the integrator API; `error` is the status's reason phrase for every status
 * (a refused key's 401 once said "Error"). */
export function errorBody(status: number, errors: FieldError[]): ErrorBody {
  const reason = STATUS_CODES[status] ?? 'Error';
  const message = errors.map((e) => `${e.field}: ${e.message}`).join('; ') || reason;
  return { statusCode: status, error: reason, message, errors };
}

export function errorResponse(status: number, errors: FieldError[]): IngestResponse {
  return { status, body: errorBody(status, errors) };
}

/** One event: 202 or the event's own error. A batch: 202 when all were accepted, 207 when some
 * were, otherwise the rejections' common status (400 when they differ). */
export function toResponse(results: EventResult[], batch: boolean): IngestResponse {
  if (!batch) {
    const only = results[0]!;
    return only.status === 'accepted'
      ? {
          status: 202,
          body: { event_id: only.event_id, status: 'accepted', accepted_at: only.accepted_at },
        }
      : errorResponse(only.code, only.errors);
  }
  const rejected = results.filter((r) => r.status === 'rejected');
  const body = { accepted: results.length - rejected.length, rejected: rejected.length, results };
  if (rejected.length === 0) return { status: 202, body };
  if (rejected.length < results.length) return { status: 207, body };
  const codes = new Set(rejected.map((r) => r.code));
  return { status: codes.size === 1 ? rejected[0]!.code : 400, body };
}

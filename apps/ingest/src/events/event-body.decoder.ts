import { fromBinary } from '@bufbuild/protobuf';
import {
  CameraEvent,
  CameraEventBatchSchema,
  cameraEventFromJson,
  CameraEventSchema,
  create,
  decodeCameraEvent,
  FieldError,
  timestampFromMs,
  Validated,
  validateCameraEvent,
} from '@kuzet/contracts';
import { zodFieldErrors } from '@kuzet/http';
import { z } from 'zod';

export const MEDIA_TYPES = Object.freeze({
  json: 'application/json',
  protobuf: 'application/x-protobuf',
  jpeg: 'image/jpeg',
});
/** The registered name (RFC 9110 lists neither; `application/protobuf` is the IANA-registered
 * one since 2024) is taken as a synonym of `application/x-protobuf`. */
export const PROTOBUF_ALIASES: readonly string[] = ['application/protobuf'];
export const BATCH_MESSAGE_TYPE = 'kuzet.v1.CameraEventBatch';

/** One event of a body: the verdict of the contract, and its event_id when the body gave a
 * valid one (a rejected event is answered with it too). */
export interface DecodedEvent {
  readonly validated: Validated<CameraEvent>;
  readonly eventId: string | null;
}

export type DecodedBody =
  | { readonly ok: true; readonly batch: boolean; readonly events: DecodedEvent[] }
  | { readonly ok: false; readonly status: 400 | 413 | 415; readonly errors: FieldError[] };

/** A frame: its event, and whether the arrival time stood in for a missing X-Captured-At
 * (then the time is not part of what a retry must repeat). */
export interface DecodedFrame extends DecodedEvent {
  readonly capturedAtDefaulted: boolean;
}

export interface FrameUpload {
  readonly cameraId: string;
  readonly eventId: string | undefined;
  readonly capturedAt: string | undefined;
  readonly jpeg: Buffer;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;

/** Turns a POST /v1/events body into validated events: JSON (one CameraEvent or
 * {"events": [...]}) or protobuf (one CameraEvent, or a CameraEventBatch when the content type
 * says messageType=kuzet.v1.CameraEventBatch). Never throws. */
export class EventBodyDecoder {
  private readonly batchEnvelope: z.ZodType<{ events: unknown[] }>;

  constructor(private readonly maxBatchEvents: number) {
    this.batchEnvelope = z.strictObject({
      events: z.array(z.unknown()).min(1).max(maxBatchEvents),
    });
  }

  decode(body: unknown, contentType: string | undefined, now: Date): DecodedBody {
    const media = parseMediaType(contentType);
    if (media?.type === MEDIA_TYPES.json) return this.fromJson(body, now);
    if (media?.type === MEDIA_TYPES.protobuf && Buffer.isBuffer(body)) {
      return media.messageType === BATCH_MESSAGE_TYPE
        ? this.fromProtobufBatch(body, now)
        : media.messageType === undefined || media.messageType === CameraEventSchema.typeName
          ? { ok: true, batch: false, events: [fromProtobuf(body, now)] }
          : unsupported(
              `messageType must be ${CameraEventSchema.typeName} or ${BATCH_MESSAGE_TYPE}`,
            );
    }
    return unsupported(`expected ${MEDIA_TYPES.json} or ${MEDIA_TYPES.protobuf}`);
  }

  /** A JPEG frame posted on its own becomes a CameraEvent with a FaceFrame payload. */
  decodeFrame(upload: FrameUpload, now: Date): DecodedFrame {
    const headerErrors: FieldError[] = [];
    if (upload.eventId === undefined || upload.eventId === '') {
      headerErrors.push({
        field: 'event_id',
        rule: 'required',
        message: 'the X-Event-Id header is required: a UUID that a retry repeats',
      });
    }
    let capturedMs = now.getTime();
    if (upload.capturedAt !== undefined) {
      const parsed = RFC3339.test(upload.capturedAt) ? Date.parse(upload.capturedAt) : NaN;
      if (Number.isNaN(parsed)) {
        headerErrors.push({
          field: 'captured_at',
          rule: 'timestamp',
          message:
            'the X-Captured-At header must be an RFC 3339 date-time such as 2026-01-31T12:00:00Z',
        });
      } else capturedMs = parsed;
    }
    const event = create(CameraEventSchema, {
      eventId: upload.eventId ?? '',
      cameraId: upload.cameraId,
      capturedAt: timestampFromMs(capturedMs),
      payload: { case: 'faceFrame', value: { jpeg: upload.jpeg } },
    });
    const errors = [...headerErrors, ...validateCameraEvent(event, now)].filter(
      (e, i, all) => all.findIndex((o) => o.field === e.field) === i,
    );
    return {
      validated: errors.length === 0 ? { ok: true, value: event } : { ok: false, errors },
      eventId: validId(event.eventId, errors),
      capturedAtDefaulted: upload.capturedAt === undefined,
    };
  }

  private fromJson(body: unknown, now: Date): DecodedBody {
    if (typeof body === 'object' && body !== null && !Array.isArray(body) && 'events' in body) {
      const envelope = this.batchEnvelope.safeParse(body);
      if (!envelope.success) {
        return { ok: false, status: 400, errors: zodFieldErrors(envelope.error) };
      }
      return {
        ok: true,
        batch: true,
        events: envelope.data.events.map((item) => fromJsonItem(item, now)),
      };
    }
    return { ok: true, batch: false, events: [fromJsonItem(body, now)] };
  }

  private fromProtobufBatch(body: Buffer, now: Date): DecodedBody {
    let events: CameraEvent[];
    try {
      events = fromBinary(CameraEventBatchSchema, body).events;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return {
        ok: false,
        status: 400,
        errors: [
          { field: '$', rule: 'protobuf', message: `not a ${BATCH_MESSAGE_TYPE}: ${reason}` },
        ],
      };
    }
    if (events.length === 0 || events.length > this.maxBatchEvents) {
      return {
        ok: false,
        status: 400,
        errors: [
          {
            field: 'events',
            rule: 'count',
            message: `a batch holds 1..${this.maxBatchEvents} events, got ${events.length}`,
          },
        ],
      };
    }
    return {
      ok: true,
      batch: true,
      events: events.map((event) => {
        const errors = validateCameraEvent(event, now);
        return {
          validated: errors.length === 0 ? { ok: true, value: event } : { ok: false, errors },
          eventId: validId(event.eventId, errors),
        };
      }),
    };
  }
}

export function parseMediaType(
  header: string | undefined,
): { type: string; messageType?: string } | undefined {
  if (!header) return undefined;
  const [type, ...parameters] = header.split(';').map((part) => part.trim());
  const messageType = parameters
    .map((p) => /^messagetype\s*=\s*"?([^"]*)"?$/i.exec(p)?.[1])
    .find((v) => v !== undefined);
  const lower = type!.toLowerCase();
  return { type: PROTOBUF_ALIASES.includes(lower) ? MEDIA_TYPES.protobuf : lower, messageType };
}

const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The event's id, unless it is itself at fault. */
function validId(eventId: unknown, errors: readonly FieldError[]): string | null {
  return typeof eventId === 'string' &&
    CANONICAL_UUID.test(eventId) &&
    !errors.some((e) => e.field === 'event_id')
    ? eventId
    : null;
}

function fromJsonItem(item: unknown, now: Date): DecodedEvent {
  const validated = cameraEventFromJson(item, now);
  const raw =
    typeof item === 'object' && item !== null && !Array.isArray(item)
      ? ((item as Record<string, unknown>)['eventId'] ??
        (item as Record<string, unknown>)['event_id'])
      : undefined;
  return {
    validated,
    eventId: validId(
      validated.ok ? validated.value.eventId : raw,
      validated.ok ? [] : validated.errors,
    ),
  };
}

/** One protobuf CameraEvent. Bytes of a CameraEventBatch sent without its messageType are
 * told so, instead of with the decoder's complaint about the first field. */
function fromProtobuf(body: Buffer, now: Date): DecodedEvent {
  const validated = decodeCameraEvent(body, now);
  if (validated.ok) return { validated, eventId: validated.value.eventId };
  if (validated.errors.some((e) => e.rule === 'protobuf') && looksLikeBatch(body)) {
    return {
      validated: {
        ok: false,
        errors: [
          {
            field: '$',
            rule: 'protobuf',
            message: `not a ${CameraEventSchema.typeName}, but a ${BATCH_MESSAGE_TYPE}: send it with Content-Type: ${MEDIA_TYPES.protobuf}; messageType=${BATCH_MESSAGE_TYPE}`,
          },
        ],
      },
      eventId: null,
    };
  }
  let eventId: string | null = null;
  try {
    eventId = validId(fromBinary(CameraEventSchema, body).eventId, validated.errors);
  } catch {
    // not decodable at all: no id to name
  }
  return { validated, eventId };
}

function looksLikeBatch(body: Buffer): boolean {
  try {
    return fromBinary(CameraEventBatchSchema, body).events.length > 0;
  } catch {
    return false;
  }
}

function unsupported(message: string): DecodedBody {
  return {
    ok: false,
    status: 415,
    errors: [{ field: 'Content-Type', rule: 'media_type', message }],
  };
}

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
export const BATCH_MESSAGE_TYPE = 'kuzet.v1.CameraEventBatch';

export type DecodedBody =
  | { readonly ok: true; readonly batch: boolean; readonly events: Validated<CameraEvent>[] }
  | { readonly ok: false; readonly status: 400 | 413 | 415; readonly errors: FieldError[] };

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
          ? { ok: true, batch: false, events: [decodeCameraEvent(body, now)] }
          : unsupported(
              `messageType must be ${CameraEventSchema.typeName} or ${BATCH_MESSAGE_TYPE}`,
            );
    }
    return unsupported(`expected ${MEDIA_TYPES.json} or ${MEDIA_TYPES.protobuf}`);
  }

  /** A JPEG frame posted on its own becomes a CameraEvent with a FaceFrame payload. */
  decodeFrame(upload: FrameUpload, now: Date): Validated<CameraEvent> {
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
    return errors.length === 0 ? { ok: true, value: event } : { ok: false, errors };
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
        events: envelope.data.events.map((item) => cameraEventFromJson(item, now)),
      };
    }
    return { ok: true, batch: false, events: [cameraEventFromJson(body, now)] };
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
        return errors.length === 0 ? { ok: true, value: event } : { ok: false, errors };
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
  return { type: type!.toLowerCase(), messageType };
}

function unsupported(message: string): DecodedBody {
  return {
    ok: false,
    status: 415,
    errors: [{ field: 'Content-Type', rule: 'media_type', message }],
  };
}

import { Inject, Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { EntityManager } from 'typeorm';
import {
  CANONICAL_ENCODING,
  CANONICAL_ENCODING_HEADER,
  CameraEvent,
  decodeCameraEvent,
  encodeCameraEvent,
  FieldError,
} from '@kuzet/contracts';
import {
  CAMERA_EVENT_GROUPS,
  CAMERA_EVENT_REJECTIONS,
  CameraEventGroup,
  DEAD_LETTER_WRITER,
  InboundMessage,
  MESSAGE_BUS,
  MessageBus,
  RejectedMessageError,
} from '@kuzet/messaging';
import { counter } from '@kuzet/observability';
import type { CameraLocation } from './camera-registry.repository';
import { CameraRegistryService } from './camera-registry.service';

const refused = counter({
  name: 'kuzet_camera_events_refused_total',
  help: 'Camera-events records refused by the shared rules, by consumer group and reason (only the dead-letter writer dead-letters them)',
  labelNames: ['group', 'reason'] as const,
});

export type CameraEventVerdict =
  | {
      readonly ok: true;
      readonly event: CameraEvent;
      /** The record's bytes when they are the event's canonical encoding. */
      readonly canonical?: Uint8Array;
    }
  | { readonly ok: false; readonly reason: string; readonly errors: FieldError[] };

/** The error of an event whose camera may not send (the same words over HTTP and Kafka), or null. */
export function cameraRegistrationError(
  cameraId: string,
  camera: CameraLocation | undefined,
): FieldError | null {
  if (camera?.status === 'active') return null;
  return {
    field: 'camera_id',
    rule: 'registered',
    message: camera
      ? `camera ${cameraId} is retired`
      : `camera ${cameraId} is not in the camera registry`,
  };
}

export function conflictError(eventId: string): FieldError {
  return {
    field: 'event_id',
    rule: 'conflict',
    message: `event ${eventId} was accepted before with a different content; a new event needs a new event_id`,
  };
}

/** The rules every consumer of kuzet.camera-events.v1 applies to a record, the ones the HTTP
 * ingest applies to a request: the contract (as of the record's timestamp, so every group and
 * every redelivery judges alike), the key, the camera registry, and one content per event_id. */
@Injectable()
export class CameraEventGate {
  private readonly refusers: readonly string[];
  private readonly writer: string;

  constructor(
    private readonly registry: CameraRegistryService,
    @InjectEntityManager() private readonly em: EntityManager,
    @Inject(MESSAGE_BUS) bus: MessageBus,
  ) {
    this.refusers = Object.values(CAMERA_EVENT_GROUPS).map((group) => bus.groupId(group));
    this.writer = DEAD_LETTER_WRITER;
  }

  /** The event if it passes; null if it does not and `group` is not the one that dead-letters
   * it; throws RejectedMessageError (naming every group that refuses it) if it is. */
  async admit(message: InboundMessage, group: CameraEventGroup): Promise<CameraEvent | null> {
    return (await this.admitMany([message], group))[0] ?? null;
  }

  /** admit() for consecutive messages at once: one registry look-up and two statements for
   * the fingerprints of the whole batch, instead of one or two round trips per event. The
   * events that pass, in order; the dead-letter writer's group throws at the first refusal
   * (its batch is then taken one message at a time). */
  async admitMany(
    messages: readonly InboundMessage[],
    group: CameraEventGroup,
  ): Promise<CameraEvent[]> {
    const admitted: CameraEvent[] = [];
    for (const verdict of await this.judgeMany(messages)) {
      if (verdict.ok) {
        admitted.push(verdict.event);
        continue;
      }
      refused.inc({ group, reason: verdict.reason });
      if (group === this.writer)
        throw new RejectedMessageError(verdict.reason, verdict.errors, this.refusers);
    }
    return admitted;
  }

  async judge(message: InboundMessage): Promise<CameraEventVerdict> {
    return (await this.judgeMany([message]))[0]!;
  }

  async judgeMany(messages: readonly InboundMessage[]): Promise<CameraEventVerdict[]> {
    const verdicts: CameraEventVerdict[] = messages.map((message) => {
      const decoded = decodeCameraEvent(message.value, new Date(message.timestamp));
      if (!decoded.ok) {
        const malformed = decoded.errors.some((e) => e.field === '$');
        return {
          ok: false,
          reason: malformed ? CAMERA_EVENT_REJECTIONS.malformed : CAMERA_EVENT_REJECTIONS.invalid,
          errors: decoded.errors,
        };
      }
      const event = decoded.value;
      if (message.key !== null && message.key !== event.cameraId) {
        return {
          ok: false,
          reason: CAMERA_EVENT_REJECTIONS.keyMismatch,
          errors: [
            {
              field: 'camera_id',
              rule: 'matches_key',
              message: 'the message key must be the camera id',
            },
          ],
        };
      }
      const canonical =
        message.headers[CANONICAL_ENCODING_HEADER] === CANONICAL_ENCODING
          ? message.value
          : undefined;
      return { ok: true, event, canonical };
    });
    const cameras = await this.registry.locate(
      verdicts.flatMap((v) => (v.ok ? [v.event.cameraId] : [])),
    );
    for (const [i, verdict] of verdicts.entries()) {
      if (!verdict.ok) continue;
      const unregistered = cameraRegistrationError(
        verdict.event.cameraId,
        cameras.get(verdict.event.cameraId),
      );
      if (unregistered)
        verdicts[i] = {
          ok: false,
          reason: CAMERA_EVENT_REJECTIONS.unregistered,
          errors: [unregistered],
        };
    }
    const matches = await this.firstContentsMatch(verdicts.flatMap((v) => (v.ok ? [v] : [])));
    return verdicts.map((verdict) =>
      verdict.ok && !matches.get(verdict.event)
        ? {
            ok: false,
            reason: CAMERA_EVENT_REJECTIONS.conflict,
            errors: [conflictError(verdict.event.eventId)],
          }
        : verdict,
    );
  }

  /** Records each event's content if its id is new; whether each is the content first
   * recorded. Hashed re-encoded (unless the record says its bytes are that encoding already),
   * so two producers' encodings of one event are the same content. Two statements for the
   * whole batch. */
  private async firstContentsMatch(
    admitted: readonly { readonly event: CameraEvent; readonly canonical?: Uint8Array }[],
  ): Promise<Map<CameraEvent, boolean>> {
    const result = new Map<CameraEvent, boolean>();
    if (admitted.length === 0) return result;
    const events = admitted.map((a) => a.event);
    const hashes = admitted.map(({ event, canonical }) =>
      createHash('sha256')
        .update(canonical ?? encodeCameraEvent(event))
        .digest(),
    );
    const inserted = await this.em.query<{ event_id: string }[]>(
      `INSERT INTO camera_event_fingerprint (event_id, sha256)
       SELECT * FROM unnest($1::uuid[], $2::bytea[])
       ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
      [events.map((e) => e.eventId), hashes],
    );
    const fresh = new Set(inserted.map((r) => r.event_id.toLowerCase()));
    const first = new Map<string, Buffer>();
    // a new id's first content is its first copy in this batch
    events.forEach((event, i) => {
      const id = event.eventId.toLowerCase();
      if (fresh.has(id) && !first.has(id)) first.set(id, hashes[i]!);
    });
    const known = events.filter((e) => !fresh.has(e.eventId.toLowerCase()));
    if (known.length > 0) {
      const rows = await this.em.query<{ event_id: string; sha256: Buffer }[]>(
        'SELECT event_id, sha256 FROM camera_event_fingerprint WHERE event_id = ANY($1::uuid[])',
        [known.map((e) => e.eventId)],
      );
      for (const row of rows) first.set(row.event_id.toLowerCase(), row.sha256);
    }
    events.forEach((event, i) => {
      const stored = first.get(event.eventId.toLowerCase());
      result.set(event, stored === undefined || stored.equals(hashes[i]!));
    });
    return result;
  }
}

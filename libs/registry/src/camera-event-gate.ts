import { Inject, Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { CameraEvent, decodeCameraEvent, encodeCameraEvent, FieldError } from '@kuzet/contracts';
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
  | { readonly ok: true; readonly event: CameraEvent }
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
    const verdict = await this.judge(message);
    if (verdict.ok) return verdict.event;
    refused.inc({ group, reason: verdict.reason });
    if (group !== this.writer) return null;
    throw new RejectedMessageError(verdict.reason, verdict.errors, this.refusers);
  }

  async judge(message: InboundMessage): Promise<CameraEventVerdict> {
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
    const camera = (await this.registry.locate([event.cameraId])).get(event.cameraId);
    const unregistered = cameraRegistrationError(event.cameraId, camera);
    if (unregistered) {
      return { ok: false, reason: CAMERA_EVENT_REJECTIONS.unregistered, errors: [unregistered] };
    }
    if (!(await this.firstContentMatches(event))) {
      return {
        ok: false,
        reason: CAMERA_EVENT_REJECTIONS.conflict,
        errors: [conflictError(event.eventId)],
      };
    }
    return { ok: true, event };
  }

  /** Records the event's content if its id is new; whether it is the content first recorded.
   * Hashed re-encoded, so two producers' encodings of one event are the same content. */
  private async firstContentMatches(event: CameraEvent): Promise<boolean> {
    const sha256 = createHash('sha256').update(encodeCameraEvent(event)).digest();
    const inserted = await this.em.query<unknown[]>(
      `INSERT INTO camera_event_fingerprint (event_id, sha256) VALUES ($1, $2)
       ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
      [event.eventId, sha256],
    );
    if (inserted.length > 0) return true;
    const [first] = await this.em.query<{ sha256: Buffer }[]>(
      'SELECT sha256 FROM camera_event_fingerprint WHERE event_id = $1',
      [event.eventId],
    );
    return first === undefined || first.sha256.equals(sha256);
  }
}

import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  AlarmKind,
  AlarmPriority,
  CameraEvent,
  CANONICAL_ENCODING_HEADERS,
  encodeCameraEvent,
  FieldError,
  timestampFromDate,
  validateCameraEvent,
} from '@kuzet/contracts';
import { KUZET_CONFIG, KuzetConfig } from '@kuzet/config';
import { IntegratorPrincipal, mayPushFor } from '@kuzet/auth';
import { MESSAGE_BUS, MessageBus, OutboundMessage, TOPICS } from '@kuzet/messaging';
import { counter } from '@kuzet/observability';
import { CameraRegistryService, cameraRegistrationError, conflictError } from '@kuzet/registry';
import { createHash } from 'node:crypto';
import { CoalescingPublisher } from './coalescing-publisher';
import { DecodedEvent, EventBodyDecoder, FrameUpload } from './event-body.decoder';
import { ClaimedEvent, IngestedEventRepository } from './ingested-event.repository';
import {
  errorResponse,
  EventOutcomes,
  EventResult,
  IngestResponse,
  RejectionCode,
  toResponse,
} from './ingest-result';

const ingested = counter({
  name: 'kuzet_ingest_events_total',
  help: 'Events pushed to the HTTP ingest, by outcome (accepted, replayed, rejected) and payload',
  labelNames: ['outcome', 'payload'] as const,
});

/** Headers the ingest puts on each record; consumers may use them to skip decoding, but a
 * producer writing to Kafka directly need not set them. */
export const INGEST_HEADERS = Object.freeze({
  payload: 'kuzet-payload',
  sourceId: 'kuzet-source-id',
});

/** Records of several requests sent to Kafka together stay below this (one frame may exceed it). */
const SEND_MAX_BYTES = 8 * 1024 * 1024;

interface Indexed {
  readonly index: number;
  readonly event: CameraEvent;
  /** A frame's capture time is its first arrival's: a retry must not change it. */
  readonly capturedAtDefaulted?: boolean;
}

interface Candidate extends Indexed {
  readonly payloadSha256: Buffer;
}

interface Claimed {
  readonly candidate: Candidate;
  readonly claim: ClaimedEvent;
}

/** The HTTP ingest: validate each event, check its camera is registered and within the key's
 * scope, record its event_id, publish it to kuzet.camera-events.v1 keyed by camera id, then
 * mark it published. An event is answered "accepted" only after Kafka acknowledged it; a retry
 * of an event whose publication was not confirmed publishes it again (consumers deduplicate by
 * event_id), a retry of a published one only gets its answer again. */
@Injectable()
export class IngestService {
  private readonly logger = new Logger(IngestService.name);
  private readonly decoder: EventBodyDecoder;
  private readonly publisher: CoalescingPublisher;
  private readonly publishTimeoutMs: number;

  constructor(
    private readonly registry: CameraRegistryService,
    private readonly ingestedEvents: IngestedEventRepository,
    @Inject(MESSAGE_BUS) bus: MessageBus,
    @Inject(KUZET_CONFIG) config: Readonly<KuzetConfig>,
  ) {
    this.decoder = new EventBodyDecoder(config.INGEST_MAX_BATCH_EVENTS);
    this.publisher = new CoalescingPublisher(bus, TOPICS.cameraEvents, SEND_MAX_BYTES);
    this.publishTimeoutMs = config.INGEST_PUBLISH_TIMEOUT_MS;
  }

  async acceptBody(
    body: unknown,
    contentType: string | undefined,
    integrator: IntegratorPrincipal,
  ): Promise<IngestResponse> {
    const decoded = this.decoder.decode(body, contentType, new Date());
    if (!decoded.ok) return errorResponse(decoded.status, decoded.errors);
    return toResponse(await this.accept(decoded.events, integrator), decoded.batch);
  }

  async acceptFrame(upload: FrameUpload, integrator: IntegratorPrincipal): Promise<IngestResponse> {
    const frame = this.decoder.decodeFrame(upload, new Date());
    return toResponse(await this.accept([frame], integrator, frame.capturedAtDefaulted), false);
  }

  /** An event a device adapter built from the device's own format (Hikvision ISAPI, ...):
   * validated, scoped, claimed and published exactly as a pushed one. */
  async acceptDeviceEvent(
    event: CameraEvent,
    integrator: IntegratorPrincipal,
  ): Promise<IngestResponse> {
    const errors = validateCameraEvent(event, new Date());
    const validated: DecodedEvent = {
      eventId: event.eventId,
      validated: errors.length === 0 ? { ok: true, value: event } : { ok: false, errors },
    };
    return toResponse(await this.accept([validated], integrator), false);
  }

  private async accept(
    events: readonly DecodedEvent[],
    integrator: IntegratorPrincipal,
    capturedAtDefaulted = false,
  ): Promise<EventResult[]> {
    const outcomes = new EventOutcomes(events.map((e) => e.eventId));
    const valid = uniqueValidEvents(events, outcomes).map((v) => ({ ...v, capturedAtDefaulted }));
    const admitted = await this.admit(valid, integrator, outcomes);
    const unpublished = await this.claim(admitted, integrator, outcomes);
    await this.publish(unpublished, outcomes);
    for (const result of outcomes.results) {
      if (result.status === 'rejected') ingested.inc({ outcome: 'rejected', payload: 'unknown' });
    }
    return outcomes.results;
  }

  /** Events whose camera is registered, active and within the key's scope. */
  private async admit(
    valid: readonly Indexed[],
    integrator: IntegratorPrincipal,
    outcomes: EventOutcomes,
  ): Promise<Candidate[]> {
    const cameras = await this.registry.locate(valid.map((v) => v.event.cameraId));
    const admitted: Candidate[] = [];
    for (const item of valid) {
      const { index, event } = item;
      const camera = cameras.get(event.cameraId);
      const unregistered = cameraRegistrationError(event.cameraId, camera);
      if (unregistered || !camera) {
        outcomes.reject(index, 422, unregistered ? [unregistered] : []);
      } else if (!mayPushFor(integrator, camera)) {
        outcomes.reject(index, 403, [
          {
            field: 'camera_id',
            rule: 'scope',
            message: `the API key may not push events for camera ${event.cameraId}`,
          },
        ]);
      } else {
        admitted.push(prepare(item, integrator));
      }
    }
    return admitted;
  }

  /** Records the event ids; answers at once the ones published before (or reused for other
   * content), and returns those still to publish. */
  private async claim(
    candidates: readonly Candidate[],
    integrator: IntegratorPrincipal,
    outcomes: EventOutcomes,
  ): Promise<Claimed[]> {
    const claims = await this.ingestedEvents.claim(
      candidates.map((c) => ({
        eventId: c.event.eventId,
        cameraId: c.event.cameraId,
        payloadSha256: c.payloadSha256,
      })),
      integrator.keyId,
    );
    const claimOf = new Map(claims.map((c) => [c.eventId, c]));
    const unpublished: Claimed[] = [];
    for (const candidate of candidates) {
      const claim = claimOf.get(candidate.event.eventId)!;
      if (!claim.payloadSha256.equals(candidate.payloadSha256)) {
        outcomes.reject(candidate.index, 409, [conflictError(candidate.event.eventId)]);
      } else if (claim.publishedAt !== null) {
        outcomes.accept(candidate.index, claim.acceptedAt);
        ingested.inc({ outcome: 'replayed', payload: payloadOf(candidate.event) });
      } else {
        unpublished.push({ candidate, claim });
      }
    }
    return unpublished;
  }

  private async publish(pending: readonly Claimed[], outcomes: EventOutcomes): Promise<void> {
    if (pending.length === 0) return;
    try {
      await withTimeout(
        this.publisher.publish(pending.map(toRecord)),
        this.publishTimeoutMs,
        `Kafka did not acknowledge within ${this.publishTimeoutMs} ms`,
      );
    } catch (error) {
      this.logger.error({ err: String(error), events: pending.length }, 'publishing failed');
      for (const { candidate } of pending) {
        outcomes.reject(candidate.index, 503, [
          {
            field: '$',
            rule: 'unavailable',
            message: 'the event could not be published now; retry it with the same event_id',
          },
        ]);
      }
      return;
    }
    // accepted when Kafka took it, not when a first attempt that failed was recorded
    const acceptedAt = new Date();
    for (const { candidate } of pending) {
      outcomes.accept(candidate.index, acceptedAt);
      ingested.inc({ outcome: 'accepted', payload: payloadOf(candidate.event) });
    }
    // every accepted event is a sign of life of its camera (written at most once a minute each)
    for (const cameraId of new Set(pending.map(({ candidate }) => candidate.event.cameraId))) {
      this.registry
        .markSeen(cameraId, acceptedAt)
        .catch((error: unknown) =>
          this.logger.warn({ err: String(error) }, 'could not mark the camera as seen'),
        );
    }
    await this.ingestedEvents
      .markPublished(
        pending.map(({ candidate }) => candidate.event.eventId),
        acceptedAt,
      )
      .catch((error: unknown) =>
        // published but not marked: a retry publishes it once more, which consumers absorb
        this.logger.warn({ err: String(error) }, 'could not mark events as published'),
      );
  }
}

/** The valid events, each event_id once; the others are rejected with their field errors. */
function uniqueValidEvents(events: readonly DecodedEvent[], outcomes: EventOutcomes): Indexed[] {
  const valid: Indexed[] = [];
  const seen = new Set<string>();
  events.forEach(({ validated: event }, index) => {
    if (!event.ok) return outcomes.reject(index, statusOf(event.errors), event.errors);
    if (seen.has(event.value.eventId)) {
      return outcomes.reject(index, 400, [
        { field: 'event_id', rule: 'unique', message: 'appears earlier in the same batch' },
      ]);
    }
    seen.add(event.value.eventId);
    valid.push({ index, event: event.value });
  });
  return valid;
}

/** The integrator of the key is the source; an SOS alarm without a priority gets the one its
 * kind implies, so every consumer sees the same priority. */
function prepare(item: Indexed, integrator: IntegratorPrincipal): Candidate {
  const { event } = item;
  event.sourceId = integrator.integratorId;
  if (
    event.payload.case === 'alarm' &&
    event.payload.value.priority === AlarmPriority.UNSPECIFIED
  ) {
    event.payload.value.priority =
      event.payload.value.kind === AlarmKind.SOS_BUTTON
        ? AlarmPriority.CRITICAL
        : AlarmPriority.HIGH;
  }
  const capturedAt = event.capturedAt;
  if (item.capturedAtDefaulted) event.capturedAt = undefined;
  const payloadSha256 = createHash('sha256').update(encodeCameraEvent(event)).digest();
  event.capturedAt = capturedAt;
  return { ...item, payloadSha256 };
}

/** The record of a claimed event; a frame whose capture time was its arrival gets the time its
 * id was first recorded, so that republishing a retry sends the same bytes. */
function toRecord({ candidate, claim }: Claimed): OutboundMessage {
  if (candidate.capturedAtDefaulted) {
    candidate.event.capturedAt = timestampFromDate(claim.acceptedAt);
  }
  return {
    key: candidate.event.cameraId,
    value: encodeCameraEvent(candidate.event),
    headers: {
      [INGEST_HEADERS.payload]: payloadOf(candidate.event),
      [INGEST_HEADERS.sourceId]: candidate.event.sourceId ?? '',
      ...CANONICAL_ENCODING_HEADERS,
    },
  };
}

function payloadOf(event: CameraEvent): string {
  return event.payload.case ?? 'none';
}

function statusOf(errors: readonly FieldError[]): RejectionCode {
  return errors.some((e) => e.rule === 'max_bytes') ? 413 : 400;
}

function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

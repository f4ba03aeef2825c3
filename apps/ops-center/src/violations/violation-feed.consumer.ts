import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { fromBinary } from '@bufbuild/protobuf';
import { CameraEvent, CameraEventSchema, timestampDate, violationCodeName } from '@kuzet/contracts';
import { instanceId, KUZET_CONFIG, KuzetConfig } from '@kuzet/config';
import {
  InboundMessage,
  MESSAGE_BUS,
  MessageBus,
  RejectedMessageError,
  TOPICS,
  VIOLATION_HEADERS,
} from '@kuzet/messaging';
import { ViolationFeedItem } from './violation-feed.dto';
import { ViolationFeedService } from './violation-feed.service';

export const VIOLATION_FEED_GROUP = 'kuzet-ops-center-violations';

/** Pushes each violation the violation log publishes to the connected staff in its scope.
 *
 * Every instance needs every violation, because the sockets it pushes to are its own: on Kafka
 * each instance is a consumer group of its own (named after its instance id, stable across
 * restarts, deleted at a graceful shutdown) that begins at the topic's end. Nothing is lost by that: the log in PostgreSQL is the record, a
 * console loads the recent page from it when it (re)connects, and a violation published twice
 * (apps/violations republishes after a crash) has the same eventId, which the console keeps
 * once. */
@Injectable()
export class ViolationFeedConsumer implements OnApplicationBootstrap {
  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(KUZET_CONFIG) private readonly config: Readonly<KuzetConfig>,
    private readonly feed: ViolationFeedService,
  ) {}

  /** The messaging module closes this subscription with the bus at shutdown. */
  async onApplicationBootstrap(): Promise<void> {
    await this.bus.subscribe({
      topic: TOPICS.violations,
      groupId: this.groupId(),
      handler: (message) => this.handle(message),
      newGroupStartsAt: 'latest',
      ephemeral: true,
    });
  }

  /** Poison is dead-lettered; a failure to look the centre up is retried. */
  async handle(message: InboundMessage): Promise<void> {
    await this.feed.push(violationFromMessage(message));
  }

  private groupId(): string {
    const group = VIOLATION_FEED_GROUP;
    // in-process the one process is the whole deployment: a stable group, one offsets file
    if (this.bus.transport !== 'kafka') return group;
    return `${group}.${instanceId(this.config)}`;
  }
}

export function violationFromMessage(message: InboundMessage): ViolationFeedItem {
  let event: CameraEvent;
  try {
    event = fromBinary(CameraEventSchema, message.value);
  } catch (error) {
    throw rejected('malformed_protobuf', '$', error instanceof Error ? error.message : 'invalid');
  }
  if (event.payload.case !== 'violation')
    throw rejected('not_a_violation', 'payload', 'kuzet.violations.v1 carries violations only');
  const violation = event.payload.value;
  const code = violationCodeName(violation.code);
  if (!code) throw rejected('violation_code', 'payload.violation.code', 'not a known code');
  const loggedAt = new Date(message.headers[VIOLATION_HEADERS.loggedAt] ?? message.timestamp);
  const at = Number.isNaN(loggedAt.getTime()) ? new Date(message.timestamp) : loggedAt;
  return {
    event_id: event.eventId,
    camera_id: event.cameraId,
    district_id: message.headers[VIOLATION_HEADERS.districtId] || null,
    centre_id: message.headers[VIOLATION_HEADERS.centreId] || null,
    code,
    plate: violation.plate,
    measured_speed_kmh: violation.measuredSpeedKmh ?? null,
    limit_speed_kmh: violation.limitSpeedKmh ?? null,
    evidence_ref: violation.evidenceRef,
    lane: violation.lane ?? null,
    captured_at: (event.capturedAt ? timestampDate(event.capturedAt) : at).toISOString(),
    logged_at: at.toISOString(),
  };
}

function rejected(reason: string, field: string, message: string): RejectedMessageError {
  return new RejectedMessageError(reason, [{ field, rule: reason, message }]);
}

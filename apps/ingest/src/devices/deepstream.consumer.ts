import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { create } from '@bufbuild/protobuf';
import { CameraEventSchema, type FieldError, timestampFromDate } from '@kuzet/contracts';
import { ApiKeyService, IntegratorPrincipal } from '@kuzet/auth';
import { KUZET_CONFIG, KuzetConfig } from '@kuzet/config';
import { InboundMessage, MESSAGE_BUS, MessageBus, RejectedMessageError } from '@kuzet/messaging';
import { CameraRegistryService, normaliseDeviceId } from '@kuzet/registry';
import { IngestService } from '../events/ingest.service';
import { mapDeepStreamMessage } from './deepstream.mapper';

/** The consumer group reading the DeepStream topic (before KAFKA_GROUP_PREFIX). */
export const DEEPSTREAM_GROUP = 'kuzet-ingest-deepstream';

/** Attempts to subscribe before the app's start fails (about 30 s in all). */
const SUBSCRIBE_ATTEMPTS = 15;

/** Why a DeepStream message is dead-lettered (`kuzet-dlq-reason`); the details name the field
 * and the rule. */
export const DEEPSTREAM_REJECTIONS = Object.freeze({
  /** not nvmsgconv JSON, or a field missing or malformed */
  malformed: 'deepstream_malformed',
  /** sensor.id names no registered camera (nor a device mapped to one) */
  unknownSensor: 'deepstream_unknown_sensor',
  /** the mapped event broke a contract rule, or the camera is retired or out of scope */
  refused: 'deepstream_refused',
});

/** DeepStream pipelines as they are: their `nvmsgconv` JSON read from DEEPSTREAM_TOPIC and
 * pushed through the ingest like an integrator's events, on behalf of the API key in
 * DEEPSTREAM_API_KEY (its integrator is the source, its scope applies). A message that can
 * never become an event goes to the dead-letter topic with the field and rule; Kafka not
 * taking the events is transient and retried; a redelivered message maps to the same event
 * ids and is answered from the ingest's claim, so nothing is accepted twice. */
@Injectable()
export class DeepStreamConsumer implements OnApplicationBootstrap {
  private readonly logger = new Logger(DeepStreamConsumer.name);

  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(KUZET_CONFIG) private readonly config: Readonly<KuzetConfig>,
    private readonly apiKeys: ApiKeyService,
    private readonly registry: CameraRegistryService,
    private readonly ingest: IngestService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const topic = this.config.DEEPSTREAM_TOPIC;
    if (topic === undefined || topic === '') return;
    if (!(await this.apiKeys.authenticate(this.config.DEEPSTREAM_API_KEY ?? ''))) {
      // not fatal: messages wait on the topic (retried, never skipped) until the key is valid
      this.logger.error(
        { topic },
        'DEEPSTREAM_API_KEY is not a valid, unrevoked integrator API key: DeepStream messages wait',
      );
    }
    // a topic just created may not be in the brokers' metadata yet: retried for a while
    let groupId = '';
    for (let attempt = 1; ; attempt++) {
      try {
        await this.bus.ensureTopics([{ name: topic, config: {} }]);
        ({ groupId } = await this.bus.subscribe({
          topic,
          groupId: DEEPSTREAM_GROUP,
          handler: (message) => this.handle(message),
        }));
        break;
      } catch (error) {
        if (attempt >= SUBSCRIBE_ATTEMPTS) throw error;
        this.logger.warn({ topic, attempt, err: String(error) }, 'DeepStream subscription retried');
        await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
      }
    }
    this.logger.log({ topic, groupId }, 'DeepStream consumer subscribed');
  }

  async handle(message: InboundMessage): Promise<void> {
    const mapped = mapDeepStreamMessage(message.value, {
      faceModelId: this.config.DEEPSTREAM_FACE_MODEL_ID,
    });
    if (!mapped.ok) throw new RejectedMessageError(DEEPSTREAM_REJECTIONS.malformed, mapped.errors);
    const principal = await this.currentPrincipal();
    const cameraId = await this.cameraOf(mapped.sensorId);
    if (cameraId === null) {
      throw new RejectedMessageError(DEEPSTREAM_REJECTIONS.unknownSensor, [
        {
          field: mapped.schema === 'full' ? 'sensor.id' : 'sensorId',
          rule: 'unregistered',
          message: `no camera is registered as ${mapped.sensorId} nor mapped to a device of that id`,
        },
      ]);
    }
    const refused: FieldError[] = [];
    let accepted = 0;
    for (const { eventId, payload } of mapped.events) {
      const event = create(CameraEventSchema, {
        eventId,
        cameraId,
        capturedAt: timestampFromDate(mapped.capturedAt),
        payload,
      });
      const response = await this.ingest.acceptDeviceEvent(event, principal);
      if (response.status === 503) {
        // Kafka did not take it: the whole message is retried; what was published is replayed
        throw new Error('the ingest could not publish a DeepStream event now');
      }
      if (response.status >= 300) refused.push(...errorsOf(response.body));
      else accepted += 1;
    }
    if (accepted > 0) await this.registry.markSeen(cameraId, new Date());
    if (refused.length > 0) throw new RejectedMessageError(DEEPSTREAM_REJECTIONS.refused, refused);
  }

  /** The key is checked per message (from the key cache): a revoked or missing key stops the
   * consumer's events like an integrator's, and they wait on the topic (a transient failure,
   * retried with back-off) instead of being dead-lettered by the thousand. */
  private async currentPrincipal(): Promise<IntegratorPrincipal> {
    const principal = await this.apiKeys.authenticate(this.config.DEEPSTREAM_API_KEY ?? '');
    if (!principal) throw new Error('DEEPSTREAM_API_KEY is unknown or revoked');
    return principal;
  }

  /** sensor.id is a camera id, or a device id mapped in the registry (channel 1). */
  private async cameraOf(sensorId: string): Promise<string | null> {
    const located = await this.registry.locate([sensorId]);
    if (located.has(sensorId)) return sensorId;
    return this.registry.cameraOfDevice([normaliseDeviceId(sensorId)], 1);
  }
}

/** The ingest's refusal in the message's own terms: the pipeline sent `@timestamp`, and knows
 * nothing of `captured_at` (a time older than 30 days, or ahead of now). */
export function errorsOf(body: unknown): FieldError[] {
  const results = (body as { results?: { errors?: FieldError[] }[] } | null)?.results;
  const errors = (body as { errors?: FieldError[] } | null)?.errors;
  const found = results?.flatMap((r) => r.errors ?? []) ?? errors ?? [];
  return found.length > 0
    ? found.map(({ field, rule, message }) => ({
        field: field === 'captured_at' ? '@timestamp' : field,
        rule,
        message,
      }))
    : [{ field: '$', rule: 'refused', message: 'the ingest refused the event' }];
}

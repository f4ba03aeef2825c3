import {
  DynamicModule,
  Global,
  Inject,
  Injectable,
  Logger,
  Module,
  OnApplicationBootstrap,
  BeforeApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import { DiscoveryModule, DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { ConsumerMetadata, MESSAGE_CONSUMER } from './consumer.decorator';
import { InProcessMessageBus } from './in-process/in-process-message-bus';
import { KafkaMessageBus } from './kafka/kafka-message-bus';
import { InboundMessage, MESSAGE_BUS, MessageBus } from './message-bus';
import { TOPIC_SPECS } from './topics';

/** How the app's @ConsumeTopic groups are named and where a new one begins. */
export interface ConsumerGroupSettings {
  /** Prepended to every group id, so that several deployments (or test suites) can share
   * one cluster without sharing offsets. */
  readonly groupPrefix?: string;
  readonly newGroupsStartAt?: 'earliest' | 'latest';
}

export type MessagingSettings = ConsumerGroupSettings &
  (
    | {
        readonly transport: 'kafka';
        readonly brokers: readonly string[];
        readonly clientId: string;
        readonly partitions: number;
        readonly replicationFactor: number;
        readonly provisionTopics: boolean;
        readonly fetchMinBytes?: number;
        readonly fetchMaxWaitMs?: number;
        readonly sessionTimeoutMs?: number;
        readonly lagIntervalMs?: number;
      }
    | {
        readonly transport: 'in-process';
        readonly partitions: number;
        readonly dataDir?: string;
        readonly partitionMaxBytes?: number;
      }
  );

const MESSAGING_SETTINGS = Symbol('MESSAGING_SETTINGS');

export function createMessageBus(settings: MessagingSettings): MessageBus {
  return settings.transport === 'kafka'
    ? new KafkaMessageBus({
        brokers: settings.brokers,
        clientId: settings.clientId,
        defaultPartitions: settings.partitions,
        replicationFactor: settings.replicationFactor,
        fetchMinBytes: settings.fetchMinBytes,
        fetchMaxWaitMs: settings.fetchMaxWaitMs,
        sessionTimeoutMs: settings.sessionTimeoutMs,
        lagIntervalMs: settings.lagIntervalMs,
        groupPrefix: settings.groupPrefix,
      })
    : new InProcessMessageBus({
        defaultPartitions: settings.partitions,
        dataDir: settings.dataDir,
        partitionMaxBytes: settings.partitionMaxBytes,
        groupPrefix: settings.groupPrefix,
      });
}

/** Provisions topics at start-up, subscribes every @ConsumeTopic handler once the app is
 * up, and on shutdown lets handlers finish the message in flight before leaving. */
@Injectable()
class MessagingLifecycle
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly logger = new Logger('Messaging');

  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(MESSAGING_SETTINGS) private readonly settings: MessagingSettings,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.settings.transport === 'in-process' || this.settings.provisionTopics) {
      await this.bus.ensureTopics(TOPIC_SPECS);
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const method = (prototype as Record<string, unknown>)[name];
        if (typeof method !== 'function') continue;
        const metadata = this.reflector.get<ConsumerMetadata | undefined>(MESSAGE_CONSUMER, method);
        if (!metadata) continue;
        const handler = (message: InboundMessage): Promise<void> =>
          (method as (m: InboundMessage) => Promise<void>).call(instance, message);
        const { batchMethod, ...subscription } = metadata;
        const batch = batchMethod
          ? (instance as Record<string, (m: readonly InboundMessage[]) => Promise<void>>)[
              batchMethod
            ]
          : undefined;
        const { groupId } = await this.bus.subscribe({
          ...subscription,
          handler,
          batchHandler: batch ? (messages) => batch.call(instance, messages) : undefined,
          newGroupStartsAt: this.settings.newGroupsStartAt,
        });
        this.logger.log(
          { topic: metadata.topic, groupId, transport: this.bus.transport },
          'consumer subscribed',
        );
      }
    }
  }

  /** Before the other modules' shutdown hooks, so that the database a handler is still
   * writing to stays open until the message in flight is finished and committed. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.bus.close();
  }
}

@Global()
@Module({})
export class MessagingModule {
  static forRoot(settings: MessagingSettings): DynamicModule {
    return {
      module: MessagingModule,
      imports: [DiscoveryModule],
      providers: [
        { provide: MESSAGING_SETTINGS, useValue: settings },
        { provide: MESSAGE_BUS, useFactory: () => createMessageBus(settings) },
        MessagingLifecycle,
      ],
      exports: [MESSAGE_BUS],
    };
  }
}

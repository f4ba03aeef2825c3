import { SetMetadata } from '@nestjs/common';

export interface ConsumerMetadata {
  readonly topic: string;
  readonly groupId: string;
  readonly maxAttempts?: number;
  /** A method of the same provider taking `readonly InboundMessage[]`: see batchHandler. */
  readonly batchMethod?: string;
  /** See SubscriptionOptions.batchLimit. */
  readonly batchLimit?: number;
}

export const MESSAGE_CONSUMER = Symbol('MESSAGE_CONSUMER');

/** Marks a provider method `(message: InboundMessage) => Promise<void>` as the handler of a
 * consumer group on a topic; the messaging module subscribes it once the app has started. */
export const ConsumeTopic = (metadata: ConsumerMetadata): MethodDecorator =>
  SetMetadata(MESSAGE_CONSUMER, metadata);

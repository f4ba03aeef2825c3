export * from './topics';
export * from './message-bus';
export * from './errors';
export * from './dead-letter';
export * from './kafka/kafka-message-bus';
export * from './in-process/in-process-message-bus';
export * from './consumer.decorator';
export * from './messaging.module';

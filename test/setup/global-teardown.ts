/** jest globalTeardown: stops the Kafka broker the global set-up started, and nothing else. */
import { releaseOwner, stopLocalBroker } from './kafka-broker';
import { takeStartedKafkaPort } from './started-broker';

export default async function globalTeardown(): Promise<void> {
  const port = takeStartedKafkaPort();
  if (port === undefined) return;
  try {
    await stopLocalBroker(port);
  } finally {
    releaseOwner(port);
  }
}

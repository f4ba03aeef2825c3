import { rmSync } from 'node:fs';
import path from 'node:path';
import {
  KAFKA_CACHE_DIR,
  portFromEnv,
  recordOwner,
  releaseOwner,
  startLocalBroker,
  stopLocalBroker,
  unownedPort,
} from '../../test/setup/kafka-broker';

export interface BenchBroker {
  /** Bootstrap address for kafkajs. */
  readonly brokers: string;
  /** kafka.sh's pid file of a broker this run started (null for KAFKA_BROKERS). */
  readonly pidFile: string | null;
  /** Stops the broker this run started, releases its port and removes its data; a no-op for
   * KAFKA_BROKERS. */
  stop(): Promise<void>;
}

/** The broker a benchmark runs against: KAFKA_BROKERS when set, else a fresh local broker of
 * its own on the first port from KUZET_BENCH_KAFKA_PORT (default `defaultPort`) that no other
 * live run owns, so a bench never stops the broker of a test run beside it. `label` names the
 * data folder (deploy/kafka/.cache/<label>-data-<port>). */
export async function startBenchBroker(
  label: string,
  defaultPort: number,
  progress: (line: string) => void,
): Promise<BenchBroker> {
  const external = process.env.KAFKA_BROKERS;
  if (external) {
    progress(`using Kafka at KAFKA_BROKERS=${external}`);
    return { brokers: external, pidFile: null, stop: async () => undefined };
  }
  const wanted = portFromEnv('KUZET_BENCH_KAFKA_PORT', defaultPort);
  const port = unownedPort(wanted);
  if (port !== wanted)
    progress(`port ${wanted} or ${wanted + 1} is used by another live run; using ${port}`);
  recordOwner(port);
  const dataDir = path.join(KAFKA_CACHE_DIR, `${label}-data-${port}`);
  const release = () => {
    releaseOwner(port);
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const { brokers } = await startLocalBroker({ port, dataDir, fresh: true });
    return {
      brokers,
      pidFile: path.join(KAFKA_CACHE_DIR, `broker-${port}`, 'kafka.pid'),
      stop: async () => {
        try {
          await stopLocalBroker(port);
        } finally {
          release();
        }
      },
    };
  } catch (error) {
    release();
    throw error;
  }
}

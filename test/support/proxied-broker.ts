import { rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  KAFKA_CACHE_DIR,
  portFromEnv,
  recordOwner,
  releaseOwner,
  startLocalBroker,
  stopLocalBroker,
} from '../setup/kafka-broker';
import { FaultProxy } from './fault-proxy';

/** The ports of a proxied broker: the proxy's (what clients are given and what the broker
 * advertises), the broker's own listener behind it, and its controller's. */
export interface ProxiedBrokerPorts {
  readonly proxy: number;
  readonly listener: number;
  readonly controller: number;
}

export interface ProxiedBroker {
  /** Bootstrap address for the apps: the proxy's. */
  readonly brokers: string;
  readonly proxy: FaultProxy;
  stop(): Promise<void>;
}

/** KUZET_TEST_FAULT_KAFKA_PORT (default 39120) and the two ports after it. */
export function proxiedBrokerPorts(): ProxiedBrokerPorts {
  const proxy = portFromEnv('KUZET_TEST_FAULT_KAFKA_PORT', 39120);
  return { proxy, listener: proxy + 1, controller: proxy + 2 };
}

/**
 * A broker of the test's own whose every byte passes through a FaultProxy: it listens on
 * `listener` but advertises the proxy's port, so clients that bootstrap through the proxy also
 * reach the partition leader through it (a broker advertising its own port would be dialled
 * directly after the first metadata answer, and cutting the proxy would change nothing).
 */
export async function startProxiedBroker(
  label: string,
  ports: ProxiedBrokerPorts = proxiedBrokerPorts(),
): Promise<ProxiedBroker> {
  const dataDir = join(KAFKA_CACHE_DIR, `${label}-data-${ports.listener}`);
  recordOwner(ports.listener);
  const proxy = new FaultProxy({ host: '127.0.0.1', port: ports.listener });
  try {
    await proxy.listen(ports.proxy);
    await startLocalBroker({
      port: ports.listener,
      dataDir,
      fresh: true,
      echo: false,
      startTimeoutSeconds: 90,
      properties: [`advertised.listeners=PLAINTEXT://127.0.0.1:${ports.proxy}`],
    });
  } catch (error) {
    await proxy.close();
    releaseOwner(ports.listener);
    throw error;
  }
  return {
    brokers: `127.0.0.1:${ports.proxy}`,
    proxy,
    async stop() {
      proxy.restore();
      try {
        await stopLocalBroker(ports.listener, false);
      } finally {
        await proxy.close();
        releaseOwner(ports.listener);
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}

/** Which broker the jest global set-up started (global set-up and teardown share a process). */
const KEY = Symbol.for('kuzet.test.startedKafkaPort');

type Registry = { [KEY]?: number };

export function setStartedKafkaPort(port: number): void {
  (globalThis as Registry)[KEY] = port;
}

export function takeStartedKafkaPort(): number | undefined {
  const registry = globalThis as Registry;
  const port = registry[KEY];
  delete registry[KEY];
  return port;
}

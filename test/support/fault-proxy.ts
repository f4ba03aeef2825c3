import { createServer, connect, Server, Socket } from 'node:net';

/** Bytes a connection's direction may hold in the proxy before its sender is paused. */
const MAX_QUEUED_BYTES = 256 * 1024;

/** What the proxy does to the bytes between the apps and a server (Kafka, PostgreSQL). */
export interface FaultState {
  /** Refuse new connections and reset the open ones. */
  readonly cut: boolean;
  /** Added to every chunk, each way. */
  readonly delayMs: number;
  /** At most this many bytes a second each way per connection (0: unlimited). */
  readonly bytesPerSecond: number;
}

/** A small TCP fault proxy on loopback for the fault tests (issue 22): listens on its own port,
 * forwards to `target`, and can cut, delay and throttle. Every connection and timer is its own
 * and stops with close(), so a test ends by itself. Note for Kafka: clients connect to the
 * addresses the broker advertises after bootstrap, so a broker must advertise the proxy's port
 * for its traffic to pass here. */
export class FaultProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private state: FaultState = { cut: false, delayMs: 0, bytesPerSecond: 0 };
  /** Connections accepted and bytes forwarded, for the tests' counts. */
  readonly stats = { connections: 0, refused: 0, bytesUp: 0, bytesDown: 0 };

  constructor(private target: { host: string; port: number }) {}

  async listen(port = 0): Promise<number> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => resolve());
    });
    const address = this.server.address();
    if (typeof address !== 'object' || address === null) throw new Error('no address');
    return address.port;
  }

  set(state: Partial<FaultState>): void {
    this.state = { ...this.state, ...state };
    if (this.state.cut) for (const socket of this.sockets) socket.resetAndDestroy();
  }

  /** New connections go to `target` from now on (the open ones stay where they are): a load
   * balancer that has taken a dead instance out. */
  retarget(target: { host: string; port: number }): void {
    this.target = target;
  }

  cut(): void {
    this.set({ cut: true });
  }

  restore(): void {
    this.set({ cut: false, delayMs: 0, bytesPerSecond: 0 });
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }

  private accept(client: Socket): void {
    if (this.state.cut) {
      this.stats.refused += 1;
      client.resetAndDestroy();
      return;
    }
    this.stats.connections += 1;
    const upstream = connect(this.target.port, this.target.host);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    const closeBoth = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', closeBoth);
    upstream.on('close', closeBoth);
    this.pipe(client, upstream, 'bytesUp');
    this.pipe(upstream, client, 'bytesDown');
  }

  /** Forwards in order. A chunk leaves `delayMs` after it arrived (latency: chunks in flight
   * overlap, as on a long link, rather than waiting for one another) and not before the
   * throttle's budget allows; the sender is paused while more than MAX_QUEUED_BYTES wait, so
   * the proxy's own memory stays bounded on a slow link. */
  private pipe(from: Socket, to: Socket, counter: 'bytesUp' | 'bytesDown'): void {
    let chain = Promise.resolve();
    let nextFreeAt = 0;
    let queued = 0;
    from.on('data', (chunk: Buffer) => {
      const { delayMs, bytesPerSecond } = this.state;
      if (delayMs === 0 && bytesPerSecond === 0 && queued === 0) {
        this.write(to, chunk, counter);
        return;
      }
      const now = Date.now();
      let dueAt = now + delayMs;
      if (bytesPerSecond > 0) {
        nextFreeAt = Math.max(now, nextFreeAt) + (chunk.length / bytesPerSecond) * 1000;
        dueAt = Math.max(dueAt, nextFreeAt);
      }
      queued += chunk.length;
      if (queued > MAX_QUEUED_BYTES) from.pause();
      chain = chain.then(async () => {
        const wait = dueAt - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait).unref());
        this.write(to, chunk, counter);
        queued -= chunk.length;
        if (queued <= MAX_QUEUED_BYTES && from.isPaused() && !from.destroyed) from.resume();
      });
    });
  }

  private write(to: Socket, chunk: Buffer, counter: 'bytesUp' | 'bytesDown'): void {
    if (to.destroyed || this.state.cut) return;
    this.stats[counter] += chunk.length;
    to.write(chunk);
  }
}

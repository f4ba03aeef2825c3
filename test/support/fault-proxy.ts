import { createServer, connect, Server, Socket } from 'node:net';

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

  constructor(private readonly target: { host: string; port: number }) {}

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

  /** Forwards in order: each chunk waits for the delay and for the throttle's budget. */
  private pipe(from: Socket, to: Socket, counter: 'bytesUp' | 'bytesDown'): void {
    let chain = Promise.resolve();
    let nextFreeAt = 0;
    from.on('data', (chunk: Buffer) => {
      const { delayMs, bytesPerSecond } = this.state;
      if (delayMs === 0 && bytesPerSecond === 0) {
        chain = chain.then(() => void this.write(to, chunk, counter));
        return;
      }
      from.pause();
      chain = chain.then(async () => {
        let wait = delayMs;
        if (bytesPerSecond > 0) {
          const now = Date.now();
          const start = Math.max(now, nextFreeAt);
          nextFreeAt = start + (chunk.length / bytesPerSecond) * 1000;
          wait = Math.max(wait, nextFreeAt - now);
        }
        if (wait > 0) await new Promise((r) => setTimeout(r, wait).unref());
        this.write(to, chunk, counter);
        if (!from.destroyed) from.resume();
      });
    });
  }

  private write(to: Socket, chunk: Buffer, counter: 'bytesUp' | 'bytesDown'): void {
    if (to.destroyed || this.state.cut) return;
    this.stats[counter] += chunk.length;
    to.write(chunk);
  }
}

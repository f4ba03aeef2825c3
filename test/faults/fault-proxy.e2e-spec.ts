import { createServer, connect, Server } from 'node:net';
import { Client } from 'pg';
import { createTestDatabase, TestDatabase } from '../support/database';
import { FaultProxy } from '../support/fault-proxy';

/** The fault proxy itself, on loopback: bytes pass whole and in order (also delayed and
 * throttled), a cut refuses and resets; then PostgreSQL through it, cut and restored. */
describe('FaultProxy', () => {
  let echo: Server;
  let echoPort: number;
  let database: TestDatabase;

  beforeAll(async () => {
    echo = createServer((socket) => {
      socket.on('error', () => undefined); // a cut resets it
      socket.pipe(socket);
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', () => resolve()));
    echoPort = (echo.address() as { port: number }).port;
    database = await createTestDatabase();
  });

  afterAll(async () => {
    await new Promise((resolve) => echo.close(resolve));
    await database?.drop();
  });

  /** Sends `bytes` through the proxy and resolves with what came back, or the error. */
  function roundTrip(port: number, bytes: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      const got: Buffer[] = [];
      let length = 0;
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`only ${length} of ${bytes.length} bytes came back`));
      }, 20_000);
      socket.on('data', (chunk: Buffer) => {
        got.push(chunk);
        length += chunk.length;
        if (length >= bytes.length) {
          clearTimeout(timer);
          socket.end();
          resolve(Buffer.concat(got));
        }
      });
      socket.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      socket.write(bytes);
    });
  }

  it('passes bytes whole and in order, plain, delayed and throttled; refuses while cut', async () => {
    const proxy = new FaultProxy({ host: '127.0.0.1', port: echoPort });
    const port = await proxy.listen();
    try {
      const payload = Buffer.from(Array.from({ length: 256 * 1024 }, (_, i) => i % 251));
      expect((await roundTrip(port, payload)).equals(payload)).toBe(true);
      proxy.set({ delayMs: 50, bytesPerSecond: 1024 * 1024 });
      expect((await roundTrip(port, payload)).equals(payload)).toBe(true);
      proxy.cut();
      await expect(roundTrip(port, payload)).rejects.toThrow();
      expect(proxy.stats.refused).toBe(1);
      proxy.restore();
      expect((await roundTrip(port, payload)).equals(payload)).toBe(true);
      expect(proxy.stats.connections).toBe(3);
    } finally {
      await proxy.close();
    }
  });

  it('carries PostgreSQL, resets it when cut, and lets a new connection through once restored', async () => {
    const url = new URL(database.url);
    const proxy = new FaultProxy({ host: url.hostname, port: Number(url.port || 5432) });
    const port = await proxy.listen();
    const through = (): Client => {
      const proxied = new URL(database.url);
      proxied.hostname = '127.0.0.1';
      proxied.port = String(port);
      const client = new Client({
        connectionString: proxied.toString(),
        connectionTimeoutMillis: 5000,
      });
      client.on('error', () => undefined);
      return client;
    };
    try {
      const first = through();
      await first.connect();
      expect((await first.query<{ n: number }>('SELECT 1 AS n')).rows[0]!.n).toBe(1);
      proxy.cut();
      await expect(first.query('SELECT 1')).rejects.toThrow();
      await expect(through().connect()).rejects.toThrow();
      proxy.restore();
      const second = through();
      await second.connect();
      expect((await second.query<{ n: number }>('SELECT 2 AS n')).rows[0]!.n).toBe(2);
      await second.end();
    } finally {
      await proxy.close();
    }
  });
});

import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { EmbeddedPostgres } from '@kuzet/persistence';

/** Inodes of the TCP sockets this process is listening on (Linux /proc). */
function listeningTcpSockets(): Set<string> {
  const mine = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (match) mine.add(match[1]);
    } catch {
      // closed while listing
    }
  }
  const listening = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue;
    for (const line of readFileSync(table, 'utf8').trim().split('\n').slice(1)) {
      const columns = line.trim().split(/\s+/);
      if (columns[3] === '0A' && mine.has(columns[9])) listening.add(columns[9]);
    }
  }
  return listening;
}

/** Connects with pg as another local user (nobody), as a foreign process on the machine would. */
async function connectAsNobody(url: string): Promise<{ code: number | null; output: string }> {
  const script = `new (require(${JSON.stringify(require.resolve('pg'))}).Client)({ connectionString: process.argv[1], connectionTimeoutMillis: 10000 })
    .connect().then(() => { console.log('connected'); process.exit(0); },
      (error) => { console.log(error.code ?? error.message); process.exit(3); });`;
  // not spawnSync: the database answers from this process's event loop
  const child = spawn(process.execPath, ['-e', script, url], {
    uid: 65534,
    gid: 65534,
    cwd: '/',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, output };
}

const ownerOnly = (path: string): number => statSync(path).mode & 0o077;

/** Issue 12, finding 5: PGlite takes any user and password as superuser, so the embedded
 * database must not be reachable by other users of the machine at all. */
describe('embedded PostgreSQL access', () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'kuzet-embedded-'));
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('serves a Unix socket in an owner-only directory and no TCP port; the owner connects', async () => {
    const before = listeningTcpSockets();
    const socketDir = join(root, 'pg');
    const pg = await EmbeddedPostgres.start({ dataDir: join(root, 'pglite'), socketDir });
    try {
      expect(listeningTcpSockets()).toEqual(before);
      const url = new URL(pg.url);
      expect(decodeURIComponent(url.hostname)).toBe(socketDir);
      expect(url.pathname).toBe('/postgres');
      const socket = join(socketDir, '.s.PGSQL.5432');
      expect(statSync(socket).isSocket()).toBe(true);
      expect(ownerOnly(socket)).toBe(0);
      expect(ownerOnly(socketDir)).toBe(0);
      expect(ownerOnly(join(root, 'pglite'))).toBe(0);

      const client = new Client({ connectionString: pg.url });
      await client.connect();
      const { rows } = await client.query<{ n: number }>('SELECT 1 + 1 AS n');
      await client.end();
      expect(rows).toEqual([{ n: 2 }]);
    } finally {
      await pg.stop();
    }
    expect(existsSync(join(socketDir, '.s.PGSQL.5432'))).toBe(false);
  });

  (process.getuid?.() === 0 ? it : it.skip)(
    'refuses a connection from another local user (needs root to act as nobody)',
    async () => {
      const pg = await EmbeddedPostgres.start({ dataDir: join(root, 'pglite') });
      try {
        // the same driver and URL the server uses, from a process of another user
        const foreign = await connectAsNobody(pg.url);
        expect(foreign.output.trim()).toBe('EACCES');
        expect(foreign.code).toBe(3);
        // and there is no TCP port to try other credentials on
        expect(listeningTcpSockets().size).toBe(0);
      } finally {
        await pg.stop();
      }
    },
  );

  it('puts an in-memory database’s socket in a private directory removed at stop', async () => {
    const pg = await EmbeddedPostgres.start();
    try {
      expect(pg.socketDir.startsWith(tmpdir())).toBe(true);
      expect(ownerOnly(pg.socketDir)).toBe(0);
      expect(ownerOnly(join(pg.socketDir, '.s.PGSQL.5432'))).toBe(0);
    } finally {
      await pg.stop();
    }
    expect(existsSync(pg.socketDir)).toBe(false);
  });

  it('tightens a loose socket directory, replaces a stale socket and refuses a live one', async () => {
    const socketDir = join(root, 'pg');
    const socket = join(socketDir, '.s.PGSQL.5432');
    // a process killed while serving leaves its socket behind, in a directory made loose here
    const killed = spawn(
      process.execPath,
      [
        '-e',
        `require('node:fs').mkdirSync(${JSON.stringify(socketDir)}, { mode: 0o755 });
         require('node:net').createServer().listen(${JSON.stringify(socket)}, () => console.log('up'));`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise((resolve) => killed.stdout.once('data', resolve));
    killed.kill('SIGKILL');
    await new Promise((resolve) => killed.once('exit', resolve));
    expect(statSync(socket).isSocket()).toBe(true);
    expect(ownerOnly(socketDir)).not.toBe(0);

    const options = { dataDir: join(root, 'pglite'), socketDir };
    const pg = await EmbeddedPostgres.start(options);
    try {
      expect(ownerOnly(socketDir)).toBe(0);
      await expect(EmbeddedPostgres.start(options)).rejects.toThrow(/in use by another process/);
      const client = new Client({ connectionString: pg.url });
      await client.connect();
      await client.end();
    } finally {
      await pg.stop();
    }
  });
});

import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface EmbeddedPostgresOptions {
  /** Directory for the database files; in memory when absent. */
  readonly dataDir?: string;
  /** Directory for the server's Unix socket; a private temporary one, removed at stop, when absent. */
  readonly socketDir?: string;
}

/** Where `npm start` and `kuzet ... --embedded` keep the embedded database under KUZET_DATA_DIR. */
export function embeddedDatabaseIn(dataFolder: string): EmbeddedPostgresOptions {
  return { dataDir: join(dataFolder, 'pglite'), socketDir: join(dataFolder, 'pg') };
}

/** pg and libpq connect to `<host>/.s.PGSQL.<port>` when host is a directory. */
const SOCKET_PORT = 5432;
/** sun_path is 108 bytes on Linux, the terminating NUL included. */
const MAX_SOCKET_PATH_BYTES = 107;

/** PGlite (PostgreSQL compiled to WASM) behind the PostgreSQL wire protocol, so the
 * standalone mode uses the same pg driver, entities and migrations as production.
 * PGlite accepts any user without a password, so it is served only on a Unix socket in an
 * owner-only directory: the file system, not PostgreSQL, keeps other local users out. */
export class EmbeddedPostgres {
  private constructor(
    private readonly db: PGlite,
    private readonly server: PGLiteSocketServer,
    /** The directory holding the socket: `psql -h <socketDir> -d postgres`. */
    readonly socketDir: string,
    private readonly temporarySocketDir: boolean,
    readonly url: string,
  ) {}

  static async start(options: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgres> {
    if (options.dataDir) ownerOnlyDirectory(options.dataDir);
    const temporary = options.socketDir === undefined;
    // pg treats a host that starts with '/' as a socket directory
    const socketDir = resolve(options.socketDir ?? mkdtempSync(join(tmpdir(), 'kuzet-pg-')));
    try {
      ownerOnlyDirectory(socketDir);
      const socketPath = join(socketDir, `.s.PGSQL.${SOCKET_PORT}`);
      if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH_BYTES) {
        throw new Error(`the embedded database's socket path is too long: ${socketPath}`);
      }
      await removeStaleSocket(socketPath);
      const db = await PGlite.create(options.dataDir);
      // PGlite runs one query at a time; the server queues the queries of its connections
      const server = new PGLiteSocketServer({ db, path: socketPath, maxConnections: 16 });
      try {
        await server.start();
        chmodSync(socketPath, 0o600);
      } catch (error) {
        await server.stop();
        await db.close();
        throw error;
      }
      const host = encodeURIComponent(socketDir);
      const url = `postgres://postgres@${host}:${SOCKET_PORT}/postgres`;
      return new EmbeddedPostgres(db, server, socketDir, temporary, url);
    } catch (error) {
      if (temporary) rmSync(socketDir, { recursive: true, force: true });
      throw error;
    }
  }

  async stop(): Promise<void> {
    await this.server.stop();
    await this.db.close();
    if (this.temporarySocketDir) rmSync(this.socketDir, { recursive: true, force: true });
    else rmSync(join(this.socketDir, `.s.PGSQL.${SOCKET_PORT}`), { force: true });
  }
}

/** Creates the directory if needed and makes it 0700; refuses one another user owns, since
 * its owner could loosen it again or put their own socket there. */
function ownerOnlyDirectory(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = lstatSync(dir);
  if (!stat.isDirectory()) throw new Error(`${dir} is not a directory`);
  if (stat.uid !== process.getuid?.()) {
    throw new Error(`${dir} belongs to another user (uid ${stat.uid})`);
  }
  chmodSync(dir, 0o700);
}

/** A socket left by a killed process is removed; a live one means another process (the
 * server, or the CLI) has the database open, and PGlite must not open it twice. */
async function removeStaleSocket(socketPath: string): Promise<void> {
  if (!existsSync(socketPath)) return;
  const live = await new Promise<boolean>((done) => {
    const probe = connect(socketPath);
    probe.once('connect', () => {
      probe.destroy();
      done(true);
    });
    probe.once('error', () => done(false));
  });
  if (live) {
    throw new Error(
      `the embedded database is in use by another process (${socketPath}): stop it first`,
    );
  }
  rmSync(socketPath, { force: true });
}

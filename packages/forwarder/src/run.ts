/**
 * @module `meterd forward` as a process: the store (SQLite in its data directory, or a shared
 * PostgreSQL database), the forwarder's loops,
 * the HTTP API, JSON logs on standard output (pino), and a clean stop on SIGTERM and SIGINT.
 */

import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { Forwarder } from './forwarder.js';
import { createForwarderServer } from './http.js';
import { ForwarderMetrics } from './metrics.js';
import { openPostgresStore } from './store/postgres.js';
import { openSqliteStore } from './store/sqlite.js';
import type { LatePolicy } from './store/store.js';

export interface RunOptions {
  /** The SQLite store's directory (when no `databaseUrl`). */
  dataDir: string;
  /** A PostgreSQL database shared with other forwarders; else SQLite in `dataDir`. */
  databaseUrl?: string;
  /**
   * This forwarder's name in bucket claims, unique among those sharing a database: a restart
   * under the same name resumes its own claims at once, where another name waits for their
   * lease to run out. Default a random one on PostgreSQL, `local` on SQLite (one process).
   */
  instance?: string;
  port: number;
  host: string;
  token: string;
  targetEndpoint?: string;
  region?: string;
  closeAfterSeconds: number;
  latePolicy: LatePolicy;
  sendZero: boolean;
  alarmAfterSeconds: number;
  dedupeWindowSeconds: number;
  rate: number;
  concurrency: number;
  tickMs?: number;
  logLevel?: string;
}

export interface RunningForwarder {
  url: string;
  forwarder: Forwarder;
  logger: Logger;
  stop(): Promise<void>;
}

/**
 * Starts the forwarder and its API; resolves once it listens.
 *
 * @example
 * const running = await runForwarder({ dataDir: './fwd', port: 9500, host: '127.0.0.1', token, closeAfterSeconds: 600,
 *   latePolicy: 'next-hour', sendZero: false, alarmAfterSeconds: 10_800, dedupeWindowSeconds: 604_800, rate: 10, concurrency: 4 });
 */
export async function runForwarder(o: RunOptions): Promise<RunningForwarder> {
  const logger = pino({ level: o.logLevel ?? 'info', base: { service: 'meterd-forward' } });
  const store = o.databaseUrl ? await openShared(o.databaseUrl) : openSqliteStore(o.dataDir);
  const forwarder = new Forwarder({
    store,
    instance: o.instance ?? (o.databaseUrl ? randomUUID() : 'local'),
    ...(o.targetEndpoint ? { targetEndpoint: o.targetEndpoint } : {}),
    ...(o.region ? { region: o.region } : {}),
    closeAfterSeconds: o.closeAfterSeconds,
    latePolicy: o.latePolicy,
    sendZero: o.sendZero,
    alarmAfterSeconds: o.alarmAfterSeconds,
    dedupeWindowSeconds: o.dedupeWindowSeconds,
    rate: o.rate,
    concurrency: o.concurrency,
    logger,
    metrics: new ForwarderMetrics({ process: true }),
  });
  const server = createForwarderServer(forwarder, { token: o.token, logger });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}`;
  forwarder.start(o.tickMs ?? 1000);
  logger.info(
    {
      url,
      // The database by its host and name only: its URL may carry a password.
      store: o.databaseUrl ? `postgres ${describeDatabase(o.databaseUrl)}` : o.dataDir,
      instance: forwarder.instance,
      target: o.targetEndpoint ?? '(the region’s AWS endpoint)',
    },
    `meterd forward listening on ${url}`,
  );
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      await forwarder.stop();
      await store.close();
      logger.info('meterd forward stopped');
    })());
  return { url, forwarder, logger, stop };
}

/** `host:port/db` of a database URL, without its user or password. */
function describeDatabase(url: string): string {
  try {
    const u = new URL(url);
    return `${u.host}${u.pathname}`;
  } catch {
    return '(an unparsable URL)';
  }
}

async function openShared(databaseUrl: string) {
  try {
    return await openPostgresStore({ databaseUrl });
  } catch (error) {
    const e = error as { message?: string; code?: string };
    throw new Error(
      `cannot open the PostgreSQL database ${describeDatabase(databaseUrl)}: ${e.message || e.code}`,
    );
  }
}

/**
 * @module Starts meterd: checks what it is given and its address, opens the store, applies the
 * catalog (or creates the demo), prepares the signing keys and the admin token, and listens.
 * A start that fails lets go of everything it took. Used by `meterd serve` and by tests that run meterd in-process.
 */

import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { parseCatalogText, type CatalogDocument } from './catalog/document.js';
import { demoCatalog, describeDemo, isLoopback, retirePublishedDemoKeys } from './catalog/demo.js';
import { CatalogService } from './catalog/service.js';
import { SigningKeys } from './catalog/signing-keys.js';
import {
  describeAdminToken,
  keptAdminToken,
  readAdminTokenFile,
  type AdminToken,
} from './http/admin-token.js';
import Fastify from 'fastify';
import { buildApp } from './http/app.js';
import { snsHostRoutes } from './http/sns-host.js';
import type { RetryPolicy } from './domain/notifications.js';
import { DeliveryLoop } from './notify/delivery.js';
import { senders } from './notify/senders.js';
import { SnsSigner } from './notify/sns-signing.js';
import { checkAddress, listenError } from './http/listen.js';
import { resolveLimits, type Limits } from './http/limits.js';
import {
  logDestination,
  prettyLines,
  printToStderr,
  type LogFormat,
} from './http/log-destination.js';
import { Metrics, writeHealthObserver } from './http/metrics.js';
import { resolveQuotas } from './domain/quotas.js';
import type { BeforeOperation } from './operations/dispatcher.js';
import { MovableClock } from './operations/clock.js';
import { FaultInjector } from './operations/faults.js';
import { quotaHook } from './operations/quotas.js';
import { systemClock } from './domain/clock.js';
import { openStore } from './storage/open.js';
import type { PostgresTimeouts } from './storage/postgres/store.js';
import type { Store } from './storage/store.js';

export interface ServeOptions {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl?: string;
  /** PostgreSQL's statement and connect timeouts; unset ones take their defaults. */
  database?: Partial<PostgresTimeouts>;
  catalogFile?: string;
  /** The admin API's token; default: the one kept in `dataDir` (generated at the first start). */
  adminToken?: string;
  /** A file holding the admin API's token, read at start (when `adminToken` is not given). */
  adminTokenFile?: string;
  region?: string;
  registrationTokenTtlSeconds?: number;
  verifySignatures: boolean;
  logLevel: string;
  /** `json` (pino's lines, the default) or `pretty` (for a terminal: level names, local times). */
  logFormat?: LogFormat;
  /** HTTP resource limits; unset ones take their defaults. */
  limits?: Partial<Limits>;
  /**
   * Enforce AWS's quotas (`--aws-quotas`): per-operation overrides laid over AWS's figures and
   * the catalog's `quotas:`; `{}` for AWS's figures as they are.
   */
  awsQuotas?: Record<string, unknown>;
  /** Serve the fault rules at /_localstack/chaos/faults too, without the admin token. */
  localstackChaosApi?: boolean;
  /** How often the stored fault rules are read again, in milliseconds (default 1000). */
  faultRefreshMs?: number;
  /** Let the admin API move the clock (`--clock-control`); real time otherwise. */
  clockControl?: boolean;
  /** How often the stored clock offset is read again, in milliseconds (default 1000). */
  clockRefreshMs?: number;
  /** Notification delivery; unset ones take their defaults. */
  notifications?: NotificationOptions;
}

export interface NotificationOptions {
  /** Serve meterd's SNS host over HTTPS on this port too (0: any free port). */
  snsHttpsPort?: number;
  /** How often the outbox is looked at (ms, default 250). */
  pollMs?: number;
  /** How long a claimed message is one instance's (ms, default 30000). */
  leaseMs?: number;
  /** The retry backoff (defaults: 1000 ms doubling up to 60000 ms, 50 attempts). */
  retry?: Partial<RetryPolicy>;
}

export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  url: string;
  adminToken: string;
  logger: Logger;
  /** The base URL of meterd's SNS host (SubscribeURL, UnsubscribeURL, SigningCertURL). */
  snsUrl: string;
  close(): Promise<void>;
}

const DEFAULT_REGION = 'us-east-1';
const DEFAULT_TOKEN_TTL = 3600;

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  // What can be checked without creating anything comes first: the flags, the files given, the
  // address. A start refused there leaves no data directory, database or lock behind.
  const limits = resolveLimits(options.limits);
  let doc: CatalogDocument | undefined;
  if (options.catalogFile) doc = parseCatalogText(await readCatalogFile(options.catalogFile));
  const givenToken: AdminToken | undefined = options.adminToken
    ? { token: options.adminToken, source: { kind: 'given' } }
    : options.adminTokenFile
      ? {
          token: readAdminTokenFile(options.adminTokenFile),
          source: { kind: 'file', path: options.adminTokenFile },
        }
      : undefined;
  await checkAddress(options.host, options.port);

  const metrics = new Metrics();
  // Standard output, where a full disk or a stalled reader drops lines instead of holding calls.
  const logs = logDestination({
    onDrop: () => metrics.logLinesDropped.inc(),
    ...(options.logFormat === 'pretty' ? { format: prettyLines() } : {}),
  });
  const logger = pino(
    {
      level: options.logLevel,
      base: { service: 'meterd' },
      redact: ['req.headers.authorization', 'secretAccessKey', '*.secretAccessKey'],
    },
    logs,
  );

  const region = options.region ?? doc?.region ?? DEFAULT_REGION;
  const store = await openStore({
    dataDir: options.dataDir,
    ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
    ...options.database,
    onCommit: metrics.observeCommit,
    onWriteHealth: writeHealthObserver(metrics, logger),
  }).catch((error: unknown) => {
    throw dataDirError(error, options.dataDir);
  });
  let app: FastifyInstance | undefined;
  let faults: FaultInjector | undefined;
  let clock: MovableClock | undefined;
  let snsApp: FastifyInstance | undefined;
  let delivery: DeliveryLoop | undefined;
  try {
    // The business clock: movable with --clock-control (its offset shared through the store).
    clock = options.clockControl
      ? await MovableClock.start({
          store,
          ...(options.clockRefreshMs ? { refreshMs: options.clockRefreshMs } : {}),
          onRefreshError: (err) => logger.warn({ err }, 'the clock offset could not be read'),
        })
      : undefined;
    const now = clock?.now ?? systemClock;
    const catalog = new CatalogService(store, {
      region,
      registrationTokenTtlSeconds:
        options.registrationTokenTtlSeconds ??
        doc?.registrationTokenTtlSeconds ??
        DEFAULT_TOKEN_TTL,
      now,
    });
    // The demo's published secrets are for a demo on loopback only (docs/behaviour.md, W7).
    const publishedDemo = !doc && isLoopback(options.host);
    if (doc) {
      const retired = await retirePublishedDemoKeys(store, doc);
      if (retired.length)
        logger.warn(
          { accessKeyIds: retired },
          'demo access keys with published secrets removed: they are accepted by the demo on loopback only',
        );
      const applied = await catalog.apply(doc);
      logger.info(
        {
          accounts: applied.accounts.length,
          products: applied.products.length,
          agreements: applied.agreements.length,
        },
        'catalog applied',
      );
    } else {
      await catalog.apply(await demoCatalog(store, { published: publishedDemo }));
    }
    const signingKeys = new SigningKeys(store, now);
    await signingKeys.ensure();
    const signer = await SnsSigner.open(store);

    let refreshFailing = false;
    faults = await FaultInjector.start({
      store,
      ...(options.faultRefreshMs ? { refreshMs: options.faultRefreshMs } : {}),
      onFault: (rule, effect) => metrics.faultsInjected.inc({ rule, effect }),
      onRefreshError: (err) => {
        if (!refreshFailing)
          logger.warn({ err }, 'fault rules could not be read; the last ones stay');
        refreshFailing = true;
      },
    });
    if (doc?.faults) await faults.replace(doc.faults);
    const hooks: BeforeOperation[] = [];
    if (options.awsQuotas || doc?.quotas) {
      const quotas = resolveQuotas({ ...doc?.quotas, ...options.awsQuotas });
      hooks.push(
        quotaHook({ quotas, onThrottle: (operation) => metrics.throttled.inc({ operation }) }),
      );
      logger.info({ quotas }, 'AWS quotas enforced');
    }
    hooks.push(faults.hook);

    // Kept in the data directory, written with its lock held (on SQLite), so that two starts
    // cannot write two tokens; on PostgreSQL the data directory holds only this file.
    let admin: AdminToken;
    try {
      admin = givenToken ?? keptAdminToken(options.dataDir);
    } catch (error) {
      throw dataDirError(error, options.dataDir);
    }
    if (!options.verifySignatures)
      logger.warn(
        'SIGNATURE VERIFICATION IS OFF (--insecure-skip-signature-verification): any caller who knows an access key id is accepted. Never run like this outside local development.',
      );

    app = await buildApp({
      store,
      catalog,
      signingKeys,
      metrics,
      region,
      adminToken: admin.token,
      verifySignatures: options.verifySignatures,
      limits,
      logger,
      beforeOperation: hooks,
      faults: { injector: faults, localstackPath: options.localstackChaosApi ?? false },
      ...(clock ? { clock } : {}),
      sns: { signer },
    });
    if (clock) logger.warn(await clock.state(), 'the clock is movable (--clock-control)');
    await app.listen({ port: options.port, host: options.host }).catch((error: unknown) => {
      throw listenError(error, options.host, options.port);
    });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : options.port;
    const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
    const demo = doc ? undefined : await describeDemo(store, url, region, publishedDemo);
    const token = describeAdminToken(admin);
    if (demo || token)
      printToStderr(['', ...(token ? [token, ''] : []), ...(demo ? [demo] : []), ''].join('\n'));

    // meterd's SNS host: under /sns, or at the root of an HTTPS port of its own, whose
    // certificate is the signing certificate (served at /admin/v1/notifications/certificate).
    const notifying = options.notifications ?? {};
    let snsUrl = `${url}/sns`;
    if (notifying.snsHttpsPort !== undefined) {
      snsApp = Fastify({
        https: { key: signer.material.privateKeyPem, cert: signer.material.certificatePem },
      });
      await snsApp.register(snsHostRoutes, { store, signer });
      await snsApp.listen({ port: notifying.snsHttpsPort, host: options.host });
      const a = snsApp.server.address();
      const snsHost = ['0.0.0.0', '::'].includes(options.host) ? '127.0.0.1' : options.host;
      snsUrl = `https://${snsHost.includes(':') ? `[${snsHost}]` : snsHost}:${typeof a === 'object' && a ? a.port : notifying.snsHttpsPort}`;
    }
    // Due times and retries follow the business clock: moving it fires what it makes due.
    delivery = new DeliveryLoop({
      store,
      senders: senders({ baseUrl: snsUrl, signer }),
      clock: now,
      ...(notifying.retry ? { retry: notifying.retry } : {}),
      ...(notifying.pollMs !== undefined ? { pollMs: notifying.pollMs } : {}),
      ...(notifying.leaseMs !== undefined ? { leaseMs: notifying.leaseMs } : {}),
      onAttempt: (m, outcome, error) =>
        logger[outcome === 'delivered' ? 'info' : 'warn'](
          { messageId: m.messageId, targetId: m.targetId, attempt: m.attempts + 1, outcome, error },
          'notification',
        ),
      onError: (err) => logger.warn({ err }, 'notification delivery could not use the store'),
    }).start();
    logger.info({ url, region, storage: store.dialect, snsUrl }, 'meterd listening');

    const running = app;
    const injector = faults;
    const movable = clock;
    const loop = delivery;
    const sns = snsApp;
    let closing: Promise<void> | undefined;
    return {
      app: running,
      store,
      url,
      adminToken: admin.token,
      logger,
      snsUrl,
      close: () =>
        (closing ??= (async () => {
          await loop.stop();
          await sns?.close();
          await running.close();
          injector.stop();
          movable?.stop();
          await store.close();
          await logs.settle();
        })()),
    };
  } catch (error) {
    // A failed start lets go of the store, and with it the data directory's lock.
    await delivery?.stop();
    await snsApp?.close().catch(() => undefined);
    await app?.close().catch(() => undefined);
    faults?.stop();
    clock?.stop();
    await store.close().catch(() => undefined);
    await logs.settle();
    throw error;
  }
}

async function readCatalogFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(
      `cannot read the catalog file ${path} (--catalog / METERD_CATALOG): ${(error as Error).message}`,
    );
  }
}

/** A data directory meterd may not write, in words that name the fix; other errors as they are. */
function dataDirError(error: unknown, dataDir: string): Error {
  const { code, path } = error as NodeJS.ErrnoException;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')
    return new Error(
      `the data directory ${resolve(dataDir)} cannot be written (${code} on ${path ?? dataDir}): give this user write access to it, or set --data / METERD_DATA to a directory it can write`,
    );
  // SQLite's own refusal to open or create its file says neither code nor path.
  if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY')
    return new Error(
      `the data directory ${resolve(dataDir)} cannot be written (${code}): give this user write access to it, or set --data / METERD_DATA to a directory it can write`,
    );
  return error instanceof Error ? error : new Error(String(error));
}

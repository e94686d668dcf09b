/**
 * @module Starts meterd: opens the store, applies the catalog (or creates the demo), prepares
 * the signing keys and listens. Used by `meterd serve` and by tests that run meterd in-process.
 */

import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { parseCatalogText, type CatalogDocument } from './catalog/document.js';
import { demoCatalog, describeDemo, isLoopback, retirePublishedDemoKeys } from './catalog/demo.js';
import { CatalogService } from './catalog/service.js';
import { SigningKeys } from './catalog/signing-keys.js';
import Fastify from 'fastify';
import { buildApp } from './http/app.js';
import { snsHostRoutes } from './http/sns-host.js';
import type { RetryPolicy } from './domain/notifications.js';
import { DeliveryLoop } from './notify/delivery.js';
import { senders } from './notify/senders.js';
import { SnsSigner } from './notify/sns-signing.js';
import { systemClock } from './domain/clock.js';
import { resolveLimits, type Limits } from './http/limits.js';
import { logDestination, printToStderr } from './http/log-destination.js';
import { Metrics, writeHealthObserver } from './http/metrics.js';
import { resolveQuotas } from './domain/quotas.js';
import type { BeforeOperation } from './operations/dispatcher.js';
import { FaultInjector } from './operations/faults.js';
import { quotaHook } from './operations/quotas.js';
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
  adminToken?: string;
  region?: string;
  registrationTokenTtlSeconds?: number;
  verifySignatures: boolean;
  logLevel: string;
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
  const limits = resolveLimits(options.limits);
  const metrics = new Metrics();
  // Standard output, where a full disk or a stalled reader drops lines instead of holding calls.
  const logs = logDestination({ onDrop: () => metrics.logLinesDropped.inc() });
  const logger = pino(
    {
      level: options.logLevel,
      base: { service: 'meterd' },
      redact: ['req.headers.authorization', 'secretAccessKey', '*.secretAccessKey'],
    },
    logs,
  );
  let doc: CatalogDocument | undefined;
  if (options.catalogFile) doc = parseCatalogText(await readFile(options.catalogFile, 'utf8'));

  const region = options.region ?? doc?.region ?? DEFAULT_REGION;
  const store = await openStore({
    dataDir: options.dataDir,
    ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
    ...options.database,
    onCommit: metrics.observeCommit,
    onWriteHealth: writeHealthObserver(metrics, logger),
  });
  const catalog = new CatalogService(store, {
    region,
    registrationTokenTtlSeconds:
      options.registrationTokenTtlSeconds ?? doc?.registrationTokenTtlSeconds ?? DEFAULT_TOKEN_TTL,
  });
  let demo: string | undefined;
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
  const signingKeys = new SigningKeys(store);
  await signingKeys.ensure();
  const signer = await SnsSigner.open(store);

  let refreshFailing = false;
  const faults = await FaultInjector.start({
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

  const generatedToken = !options.adminToken;
  const adminToken = options.adminToken ?? randomBytes(24).toString('base64url');
  if (!options.verifySignatures)
    logger.warn(
      'SIGNATURE VERIFICATION IS OFF (--insecure-skip-signature-verification): any caller who knows an access key id is accepted. Never run like this outside local development.',
    );

  const app = await buildApp({
    store,
    catalog,
    signingKeys,
    metrics,
    region,
    adminToken,
    verifySignatures: options.verifySignatures,
    limits,
    logger,
    beforeOperation: hooks,
    faults: { injector: faults, localstackPath: options.localstackChaosApi ?? false },
    sns: { signer },
  });
  await app.listen({ port: options.port, host: options.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  if (!doc) demo = await describeDemo(store, url, region, publishedDemo);

  // meterd's SNS host: under /sns, or at the root of an HTTPS port of its own, whose
  // certificate is the signing certificate (served at /admin/v1/notifications/certificate).
  const notifying = options.notifications ?? {};
  let snsApp: FastifyInstance | undefined;
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
  const delivery = new DeliveryLoop({
    store,
    senders: senders({ baseUrl: snsUrl, signer }),
    clock: systemClock,
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
  if (demo || generatedToken)
    printToStderr(
      [
        '',
        ...(generatedToken
          ? [`Admin API token (generated; set --admin-token to choose one): ${adminToken}`, '']
          : []),
        ...(demo ? [demo] : []),
        '',
      ].join('\n'),
    );
  logger.info({ url, region, storage: store.dialect, snsUrl }, 'meterd listening');

  let closing: Promise<void> | undefined;
  return {
    app,
    store,
    url,
    adminToken,
    logger,
    snsUrl,
    close: () =>
      (closing ??= (async () => {
        await delivery.stop();
        await snsApp?.close();
        await app.close();
        faults.stop();
        await store.close();
        await logs.settle();
      })()),
  };
}

/**
 * @module Assembles the HTTP server: the AWS endpoint at `/`, the admin API under /admin/v1,
 * the console at /console,
 * health, metrics, and the public keys that verify RegisterUsage signatures.
 */

import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { Authenticator } from '../auth/authenticator.js';
import type { CatalogService } from '../catalog/service.js';
import type { SigningKeys } from '../catalog/signing-keys.js';
import { Dispatcher, type BeforeOperation } from '../operations/dispatcher.js';
import { MAX_BODY_BYTES } from '../protocol/wire.js';
import type { Store } from '../storage/store.js';
import { adminRoutes } from './admin-routes.js';
import { consoleRoutes } from './console-routes.js';
import { faultRoutes } from './fault-routes.js';
import { snsHostRoutes } from './sns-host.js';
import type { SnsSigner } from '../notify/sns-signing.js';
import { clockRoutes } from './clock-routes.js';
import type { MovableClock } from '../operations/clock.js';
import type { FaultInjector } from '../operations/faults.js';
import { awsEndpoint } from './aws-endpoint.js';
import { AdminError, errorHandler, notFoundHandler, sendAdminError } from './errors.js';
import { applyLimits, resolveLimits, serverOptions, type Limits } from './limits.js';
import type { Metrics } from './metrics.js';
import type { Clock } from '../domain/clock.js';

export interface AppOptions {
  store: Store;
  catalog: CatalogService;
  signingKeys: SigningKeys;
  metrics: Metrics;
  region: string;
  adminToken: string;
  verifySignatures: boolean;
  limits?: Limits;
  logger?: FastifyBaseLogger;
  /** The business clock of the AWS endpoint (default: the movable clock, else real time). */
  now?: Clock;
  /** The movable clock (`--clock-control`), served under /admin/v1/clock. */
  clock?: MovableClock;
  /** Hooks run before every AWS operation, in this order (see operations/dispatcher.ts). */
  beforeOperation?: BeforeOperation[];
  /** The SNS signer: notifications' admin routes, and meterd's SNS host under /sns. */
  sns?: { signer: SnsSigner };
  /** The fault rules, served under /admin/v1/faults (and /_localstack/chaos/faults if asked). */
  faults?: { injector: FaultInjector; localstackPath?: boolean };
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { store, metrics } = options;
  const limits = options.limits ?? resolveLimits();
  const app = Fastify({
    ...serverOptions(limits),
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    genReqId: () => randomUUID(),
    logController: new LogController({
      requestIdLogLabel: 'requestId',
      disableRequestLogging: true,
    }),
    bodyLimit: MAX_BODY_BYTES,
    return503OnClosing: true,
  });

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-amzn-RequestId', request.id);
  });
  applyLimits(app, limits);
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        url: request.url.split('?')[0],
        operation: request.meterdOperation,
        outcome: request.meterdOutcome ?? (reply.statusCode < 400 ? 'Success' : undefined),
        // A refused call: what it was told, about which product, and who called.
        errorMessage: request.meterdErrorMessage,
        productCode: request.meterdProductCode,
        callerAccount: request.meterdCallerAccount,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 100) / 100,
      },
      'request',
    );
  });

  // Under /admin/ the admin API's shape, everywhere else AWS's, for every route.
  app.setNotFoundHandler(notFoundHandler);
  app.setErrorHandler(errorHandler);

  // Signature skew is checked against real time, whatever the business clock shows: callers
  // sign with their own clock.
  const auth = new Authenticator({
    store,
    region: options.region,
    verifySignatures: options.verifySignatures,
  });
  const now = options.now ?? options.clock?.now;
  const dispatcher = new Dispatcher({
    deps: { store, region: options.region, signingKeys: options.signingKeys },
    log: app.log,
    onUsageStored: metrics.observeStored,
    ...(options.beforeOperation ? { beforeOperation: options.beforeOperation } : {}),
  });
  await app.register(awsEndpoint, {
    dispatcher,
    auth,
    metrics,
    region: options.region,
    ...(now ? { now } : {}),
    keepRealTime: options.clock !== undefined,
  });
  await consoleRoutes(app, { adminToken: options.adminToken });
  await app.register(adminRoutes, {
    prefix: '/admin/v1',
    store,
    catalog: options.catalog,
    signingKeys: options.signingKeys,
    adminToken: options.adminToken,
    ...(options.sns ? { signer: options.sns.signer } : {}),
  });
  if (options.sns)
    await app.register(snsHostRoutes, { prefix: '/sns', store, signer: options.sns.signer });
  await app.register(clockRoutes, options);
  if (options.faults)
    await app.register(faultRoutes, {
      faults: options.faults.injector,
      adminToken: options.adminToken,
      localstackPath: options.faults.localstackPath ?? false,
    });

  // Liveness: the process serves and its database answers.
  app.get('/healthz', async (_request, reply) => {
    try {
      await store.ping();
      return { status: 'ok' };
    } catch {
      return reply.code(503).send({ status: 'unavailable' });
    }
  });
  // Readiness: calls can be stored now. 503 with the reason while writes fail (a full disk, a
  // lost database), until one commits again.
  app.get('/readyz', async (_request, reply) => {
    const writes = store.writeStatus();
    if (!writes.writable)
      return reply.code(503).send({
        status: 'unavailable',
        reason: writes.reason,
        since: writes.since.toISOString(),
        failedWrites: writes.failures,
      });
    try {
      await store.ping();
    } catch (error) {
      return reply.code(503).send({ status: 'unavailable', reason: (error as Error).message });
    }
    return { status: 'ready' };
  });
  app.get('/metrics', async (_request, reply) =>
    reply
      .header('content-type', metrics.registry.contentType)
      .send(await metrics.registry.metrics()),
  );
  app.get('/.well-known/jwks.json', async () => options.signingKeys.jwks());
  app.get<{ Params: { file: string } }>('/public-keys/:file', async (request, reply) => {
    const match = /^(\d+)\.pem$/.exec(request.params.file);
    const key = match ? await options.signingKeys.get(Number(match[1])) : undefined;
    if (!key)
      return sendAdminError(
        request,
        reply,
        new AdminError(404, 'NotFound', 'No such key version.'),
      );
    return reply.header('content-type', 'application/x-pem-file').send(key.publicKeyPem);
  });
  return app;
}

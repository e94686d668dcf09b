/**
 * @module Assembles the HTTP server: the AWS endpoint at `/`, the admin API under /admin/v1,
 * health, metrics, and the public keys that verify RegisterUsage signatures.
 */

import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { Authenticator } from '../auth/authenticator.js';
import type { CatalogService } from '../catalog/service.js';
import type { SigningKeys } from '../catalog/signing-keys.js';
import { UnknownOperationException } from '../protocol/errors.js';
import type { Store } from '../storage/store.js';
import { adminRoutes } from './admin-routes.js';
import { awsEndpoint, awsErrorHandler, sendAwsError } from './aws-endpoint.js';
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
  now?: Clock;
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
    bodyLimit: 1024 * 1024,
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
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 100) / 100,
      },
      'request',
    );
  });

  // Unknown paths, and errors outside the endpoint and the admin API, are AWS-shaped too.
  app.setNotFoundHandler((request, reply) =>
    sendAwsError(
      request,
      reply,
      new UnknownOperationException(`No route for ${request.method} ${request.url.split('?')[0]}.`),
      404,
    ),
  );
  app.setErrorHandler(awsErrorHandler);

  const auth = new Authenticator({
    store,
    region: options.region,
    verifySignatures: options.verifySignatures,
    ...(options.now ? { now: options.now } : {}),
  });
  await app.register(awsEndpoint, {
    deps: { store, region: options.region, signingKeys: options.signingKeys },
    auth,
    metrics,
    ...(options.now ? { now: options.now } : {}),
  });
  await app.register(adminRoutes, {
    prefix: '/admin/v1',
    store,
    catalog: options.catalog,
    signingKeys: options.signingKeys,
    adminToken: options.adminToken,
  });

  app.get('/healthz', async (_request, reply) => {
    try {
      await store.ping();
      return { status: 'ok' };
    } catch {
      return reply.code(503).send({ status: 'unavailable' });
    }
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
      return reply.code(404).send({ error: { code: 'NotFound', message: 'No such key version.' } });
    return reply.header('content-type', 'application/x-pem-file').send(key.publicKeyPem);
  });
  return app;
}

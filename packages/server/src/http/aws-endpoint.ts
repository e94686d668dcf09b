/**
 * @module The AWS JSON 1.1 endpoint (`POST /`): authenticates, frames and dispatches each call
 * to its operation, audits rejected calls, and turns every error into an AWS-shaped answer.
 */

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { buildEvent } from '../audit/event.js';
import type { CallContext } from '../domain/call-context.js';
import { redactRequest } from '../audit/redact.js';
import type { Authenticator } from '../auth/authenticator.js';
import { batchMeterUsage } from '../operations/batch-meter-usage.js';
import { isAudited, type OperationDeps } from '../operations/deps.js';
import { TransientStoreError } from '../storage/errors.js';
import { meterUsage } from '../operations/meter-usage.js';
import { registerUsage, type RegisterUsageDeps } from '../operations/register-usage.js';
import { resolveCustomer } from '../operations/resolve-customer.js';
import {
  AwsError,
  RequestEntityTooLargeException,
  SerializationException,
  ThrottlingException,
  toWireError,
} from '../protocol/errors.js';
import type { OperationName, OperationTypes } from '../protocol/shapes.js';
import { parseInput } from '../protocol/validate.js';
import {
  CONTENT_TYPE,
  MAX_BODY_BYTES,
  checkContentType,
  operationOf,
  parseBody,
  serializeOutput,
  unsupportedMediaType,
} from '../protocol/wire.js';
import type { Metrics } from './metrics.js';
import { systemClock, type Clock } from '../domain/clock.js';

type Handler<O extends OperationName> = (
  deps: OperationDeps & RegisterUsageDeps,
  ctx: CallContext,
  input: OperationTypes[O][0],
) => Promise<OperationTypes[O][1]>;

const handlers: { [O in OperationName]: Handler<O> } = {
  BatchMeterUsage: batchMeterUsage,
  MeterUsage: meterUsage,
  RegisterUsage: registerUsage,
  ResolveCustomer: resolveCustomer,
};

export interface AwsEndpointOptions {
  deps: OperationDeps & RegisterUsageDeps;
  auth: Authenticator;
  metrics: Metrics;
  now?: Clock;
}

declare module 'fastify' {
  interface FastifyRequest {
    meterdOperation?: string;
    meterdOutcome?: string;
  }
}

// Bodies go out as Buffers: Fastify would append "; charset=utf-8" to a string's content type.
/** Sends `error` as AWS does: `{__type, message}` and `x-amzn-ErrorType`. */
export function sendAwsError(
  request: FastifyRequest,
  reply: FastifyReply,
  error: AwsError,
  status = error.$status,
) {
  request.meterdOutcome = error.name;
  return reply
    .code(status)
    .header('content-type', CONTENT_TYPE)
    .header('x-amzn-ErrorType', error.name)
    .send(Buffer.from(JSON.stringify({ __type: error.name, message: error.message })));
}

/** Turns anything thrown while serving a request into an AWS-shaped answer. */
export function awsErrorHandler(
  error: Error & { code?: string; statusCode?: number },
  request: FastifyRequest,
  reply: FastifyReply,
) {
  if (error instanceof AwsError) return sendAwsError(request, reply, error);
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return sendAwsError(
      request,
      reply,
      new RequestEntityTooLargeException(`Request body is larger than ${MAX_BODY_BYTES} bytes.`),
    );
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
    return sendAwsError(request, reply, unsupportedMediaType(request.headers['content-type']));
  if (error.statusCode && error.statusCode < 500)
    return sendAwsError(request, reply, new SerializationException(error.message));
  request.log.error({ err: error }, 'unexpected error');
  return sendAwsError(request, reply, toWireError(error));
}

/** Registers `POST /` in its own context: raw bodies (for signatures), AWS-shaped errors. */
export async function awsEndpoint(app: FastifyInstance, options: AwsEndpointOptions) {
  const { deps, auth, metrics } = options;
  const now = options.now ?? systemClock;

  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES },
    (_req, body, done) => done(null, body),
  );

  app.setErrorHandler(awsErrorHandler);

  app.addHook('onResponse', async (request, reply) => {
    const operation = request.meterdOperation ?? 'unknown';
    metrics.requests.inc({ operation, outcome: request.meterdOutcome ?? 'Success' });
    metrics.latency.observe({ operation }, reply.elapsedTime / 1000);
  });

  app.post('/', async (request, reply) => {
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const principal = await auth.authenticate({
      method: request.method,
      url: request.url,
      headers: request.headers,
      body,
    });
    const operation = operationOf(request.headers['x-amz-target'] as string | undefined);
    request.meterdOperation = operation;
    checkContentType(request.headers['content-type']);
    const ctx: CallContext = {
      requestId: request.id,
      principal,
      region: deps.region,
      sourceIp: request.ip,
      userAgent: String(request.headers['user-agent'] ?? ''),
      now: now(),
    };
    let input: unknown;
    try {
      const parsed = parseBody(body);
      input = parsed;
      input = parseInput(operation, parsed);
      const output = await (handlers[operation] as Handler<OperationName>)(
        deps,
        ctx,
        input as never,
      );
      countRecords(metrics, operation, output);
      return reply.header('content-type', CONTENT_TYPE).send(Buffer.from(serializeOutput(output)));
    } catch (caught) {
      // A store that stays unavailable after retries: tell the client to back off and retry.
      const error =
        caught instanceof TransientStoreError
          ? new ThrottlingException('Rate exceeded; the store is busy. Retry with backoff.')
          : caught;
      if (!isAudited(error)) {
        const wire = toWireError(error);
        await deps.store
          .appendEvent(
            buildEvent(ctx, operation, redactRequest(operation, input), {
              error: { name: wire.name, message: wire.message },
            }),
          )
          .catch((e: unknown) => request.log.error({ err: e }, 'could not audit a rejected call'));
      }
      throw error;
    }
  });
}

function countRecords(metrics: Metrics, operation: OperationName, output: unknown) {
  if (operation === 'BatchMeterUsage') {
    const out = output as OperationTypes['BatchMeterUsage'][1];
    // One increment per status, not per record: labelled increments are not free.
    const counts = new Map<string, number>();
    for (const r of out.Results) counts.set(r.Status, (counts.get(r.Status) ?? 0) + 1);
    for (const [status, n] of counts) metrics.records.inc({ operation, status }, n);
    if (out.UnprocessedRecords.length > 0)
      metrics.records.inc({ operation, status: 'Unprocessed' }, out.UnprocessedRecords.length);
  } else if (operation === 'MeterUsage') metrics.records.inc({ operation, status: 'Success' });
}

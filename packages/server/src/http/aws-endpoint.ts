/**
 * @module The AWS JSON 1.1 endpoint (`POST /`) as HTTP: the raw body, authentication, the
 * target and content type, the call's context; the dispatcher does the rest of the call.
 */

import type { FastifyInstance } from 'fastify';
import type { Authenticator } from '../auth/authenticator.js';
import type { CallContext } from '../domain/call-context.js';
import { systemClock, type Clock } from '../domain/clock.js';
import type { Dispatcher } from '../operations/dispatcher.js';
import type { OperationName, OperationTypes } from '../protocol/shapes.js';
import {
  CONTENT_TYPE,
  MAX_BODY_BYTES,
  checkContentType,
  operationOf,
  serializeOutput,
} from '../protocol/wire.js';
import { sendAwsError } from './errors.js';
import type { Metrics } from './metrics.js';

export interface AwsEndpointOptions {
  dispatcher: Dispatcher;
  auth: Authenticator;
  metrics: Metrics;
  region: string;
  now?: Clock;
  /** Keep each call's real time beside the clock's (the clock is movable). */
  keepRealTime?: boolean;
}

/** Registers `POST /` in its own context: raw bodies, for signatures and the dispatcher. */
export async function awsEndpoint(app: FastifyInstance, options: AwsEndpointOptions) {
  const { dispatcher, auth, metrics, region } = options;
  const now = options.now ?? systemClock;

  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES },
    (_req, body, done) => done(null, body),
  );

  // A refused call's log line names the product it was about, whoever refused it.
  app.addHook('onSend', async (request) => {
    if (request.meterdOutcome && Buffer.isBuffer(request.body))
      request.meterdProductCode = productCodeOf(request.body);
  });
  app.addHook('onResponse', async (request, reply) => {
    const operation = request.meterdOperation ?? 'unknown';
    metrics.requests.inc({ operation, outcome: request.meterdOutcome ?? 'Success' });
    metrics.latency.observe({ operation }, reply.elapsedTime / 1000);
  });

  // Calls refused here (authentication, target, content type) are not audited: the audit
  // trail holds the calls of a known principal to a known operation.
  app.post('/', async (request, reply) => {
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const principal = await auth.authenticate({
      method: request.method,
      url: request.url,
      headers: request.headers,
      body,
    });
    request.meterdCallerAccount = principal.accountId;
    const operation = operationOf(request.headers['x-amz-target'] as string | undefined);
    request.meterdOperation = operation;
    checkContentType(request.headers['content-type']);
    const ctx: CallContext = {
      requestId: request.id,
      principal,
      region,
      sourceIp: request.ip,
      userAgent: String(request.headers['user-agent'] ?? ''),
      now: now(),
      ...(options.keepRealTime ? { realTime: new Date() } : {}),
    };
    const answer = await dispatcher.dispatch(operation, ctx, body);
    // An injected fault: the socket closes with no answer (the call is audited).
    if (answer.dropConnection) {
      reply.hijack();
      request.raw.socket.destroy();
      return reply;
    }
    if ('error' in answer) return sendAwsError(request, reply, answer.error);
    countRecords(metrics, operation, answer.output);
    return reply
      .header('content-type', CONTENT_TYPE)
      .send(Buffer.from(serializeOutput(answer.output)));
  });
}

/**
 * The product code a refused call's body names, for the request log: read again from the body
 * (the dispatcher's parse is gone), and only if it looks like one, so that whatever a caller
 * sends cannot fill the log.
 */
function productCodeOf(body: Buffer): string | undefined {
  try {
    const code = (JSON.parse(body.toString('utf8')) as { ProductCode?: unknown }).ProductCode;
    return typeof code === 'string' && /^[-a-zA-Z0-9/=:_.@]{1,255}$/.test(code) ? code : undefined;
  } catch {
    return undefined;
  }
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

/**
 * @module Resource limits of the HTTP server, so that one misbehaving client cannot starve the
 * rest: the size of a request head, how long a client may take to send a request, how long an
 * idle connection stays open, how many connections are open, and how many requests are in
 * flight. The first four are Node's own http server options; beyond the in-flight bound a
 * call is answered `ThrottlingException` at once rather than queued. Every refusal is
 * AWS-shaped, including those Node's HTTP parser makes before any route sees the request.
 */

import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyHttpOptions, FastifyInstance } from 'fastify';
import {
  RequestHeaderFieldsTooLargeException,
  RequestTimeoutException,
  SerializationException,
  ThrottlingException,
  type AwsError,
} from '../protocol/errors.js';
import { errorResponse } from '../protocol/wire.js';
import { errorHandler, sendAwsError } from './errors.js';

export interface Limits {
  /** Largest request head (request line and headers) in bytes; a larger one gets a 431. */
  maxHeaderSize: number;
  /** Milliseconds a client has to send the request head; 0: no limit. */
  headersTimeout: number;
  /** Milliseconds a client has to send the whole request, head and body; 0: no limit. */
  requestTimeout: number;
  /** Milliseconds a keep-alive connection may wait idle for its next request. */
  keepAliveTimeout: number;
  /** Milliseconds of socket inactivity after which a connection is closed; 0: no limit. */
  idleTimeout: number;
  /** Open connections; further ones are closed at once. 0: no limit. */
  maxConnections: number;
  /** Requests being received or served; further ones get ThrottlingException. 0: no limit. */
  maxInFlight: number;
}

/**
 * Defaults: generous for SDK clients (a metering call is a few kilobytes and answered in
 * milliseconds) and tight enough that a slow or stalled client is let go within seconds.
 * The keep-alive timeout outlasts the 60-second idle timeout of common load balancers.
 */
export const DEFAULT_LIMITS: Limits = {
  maxHeaderSize: 16 * 1024,
  headersTimeout: 10_000,
  requestTimeout: 30_000,
  keepAliveTimeout: 72_000,
  idleTimeout: 120_000,
  maxConnections: 4096,
  maxInFlight: 1024,
};

/** The `meterd serve` flag of a limit: `headersTimeout` → `--headers-timeout`. */
export const flagOf = (key: keyof Limits) =>
  `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** Fills in defaults and refuses inconsistent limits, naming the flag at fault. */
export function resolveLimits(given: Partial<Limits> = {}): Limits {
  const limits = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(given) as Array<[keyof Limits, number]>)
    if (value !== undefined) limits[key] = value;
  for (const [key, value] of Object.entries(limits) as Array<[keyof Limits, number]>)
    if (!Number.isInteger(value) || value < 0)
      throw new RangeError(`${flagOf(key)} must be a whole number, not ${value}`);
  if (limits.maxHeaderSize < 1024)
    throw new RangeError(`${flagOf('maxHeaderSize')} must be at least 1024 bytes`);
  if (limits.keepAliveTimeout < 1)
    throw new RangeError(`${flagOf('keepAliveTimeout')} must be at least 1 ms`);
  if (
    limits.headersTimeout > 0 &&
    limits.requestTimeout > 0 &&
    limits.headersTimeout > limits.requestTimeout
  )
    throw new RangeError(
      `${flagOf('headersTimeout')} must not be longer than ${flagOf('requestTimeout')}`,
    );
  return limits;
}

/**
 * The Fastify (and through it, Node http server) options that enforce `limits`, and answer
 * what is refused before any route sees it.
 */
export function serverOptions(limits: Limits): FastifyHttpOptions<Server> {
  const timeouts = [limits.headersTimeout, limits.requestTimeout].filter((t) => t > 0);
  return {
    connectionTimeout: limits.idleTimeout,
    keepAliveTimeout: limits.keepAliveTimeout,
    requestTimeout: limits.requestTimeout,
    http: {
      maxHeaderSize: limits.maxHeaderSize,
      headersTimeout: limits.headersTimeout,
      requestTimeout: limits.requestTimeout,
      // Node answers a request without Host with a bare 400 of its own; let it through to be
      // refused AWS-shaped (SigV4 signs the Host header, so it fails authentication).
      requireHostHeader: false,
      // Node checks the two timeouts above every 30 s by default: too coarse for seconds.
      connectionsCheckingInterval: Math.max(100, Math.min(1000, ...timeouts.map((t) => t / 2))),
    },
    clientErrorHandler,
    // A URL that cannot be decoded is refused before routing: answered as any other error.
    frameworkErrors: errorHandler,
  };
}

// Paths that stay reachable when the server is saturated: probes, metrics, and the operator's
// admin API (which refuses a wrong token before reading any body).
const UNBOUNDED = /^\/(healthz|metrics)(\?|$)|^\/admin\//;

/**
 * Applies the limits that need the built server: the connection cap and the in-flight bound.
 * A request counts from its arrival until its response is sent or its connection closes, so
 * the bound also caps the memory of bodies being received (each at most 1 MB).
 */
export function applyLimits(app: FastifyInstance, limits: Limits): void {
  if (limits.maxConnections > 0) app.server.maxConnections = limits.maxConnections;
  if (limits.maxInFlight === 0) return;
  let inFlight = 0;
  app.addHook('onRequest', async (request, reply) => {
    if (UNBOUNDED.test(request.url)) return;
    if (inFlight >= limits.maxInFlight)
      return sendAwsError(
        request,
        reply,
        new ThrottlingException('Rate exceeded: too many requests in flight. Retry with backoff.'),
      );
    inFlight++;
    reply.raw.once('close', () => inFlight--);
  });
}

/**
 * Answers what Node's HTTP parser refuses (a head over the size limit, a client too slow to
 * send its request, a malformed request) with an AWS-shaped error, then closes the connection.
 */
function clientErrorHandler(
  this: FastifyInstance,
  error: Error & { code?: string },
  socket: Socket,
): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const wire: AwsError =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? new RequestHeaderFieldsTooLargeException('Request header fields are too large.')
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new RequestTimeoutException('The client did not send the whole request in time.')
        : new SerializationException(`Malformed HTTP request (${error.code ?? error.message}).`);
  this.log.debug({ code: error.code, error: wire.name }, 'client error');
  // A response already under way on this connection cannot be followed by another.
  const pending = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && !pending?.headersSent) {
    const { status, headers, body } = errorResponse(wire, randomUUID());
    socket.write(
      [
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
        ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
        `Content-Length: ${Buffer.byteLength(body)}`,
        'Connection: close',
        '',
        body,
      ].join('\r\n'),
    );
  }
  socket.destroy();
}

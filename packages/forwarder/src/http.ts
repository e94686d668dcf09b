/**
 * @module The forwarder's HTTP API on `node:http`: `POST /v1/usage-events` (answered after the
 * durable commit), `GET /v1/dead-letters`, `POST /v1/dead-letters/{id}/retry`,
 * `GET /v1/reconciliation`, and, without a token, `/healthz`, `/readyz`, `/metrics` and the status
 * page at `/status` (status-page.ts), which asks for the token itself. The
 * `/v1/` routes need `Authorization: Bearer <token>`. Errors are `{"error": {code, message}}`.
 */

import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Forwarder } from './forwarder.js';
import { toCsv } from './reconcile.js';
import { serveStatusPage } from './status-page.js';

/** The largest request body taken, in bytes. */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(
          new HttpError(413, 'RequestEntityTooLarge', `the body exceeds ${MAX_BODY_BYTES} bytes`),
        );
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseTime(name: string, value: string | null): number | undefined {
  if (value === null || value === '') return undefined;
  const ms = /^\d+(\.\d+)?$/.test(value) ? Number(value) * 1000 : Date.parse(value);
  if (Number.isNaN(ms))
    throw new HttpError(400, 'InvalidParameter', `${name} must be ISO 8601 or epoch seconds`);
  return ms;
}

/**
 * Makes the server (not yet listening).
 *
 * @example
 * const server = createForwarderServer(forwarder, { token: process.env.METERD_FORWARD_TOKEN! });
 * server.listen(9500, '127.0.0.1');
 */
export function createForwarderServer(
  forwarder: Forwarder,
  { token, logger }: { token: string; logger?: Logger },
): Server {
  const expected = Buffer.from(`Bearer ${token}`);
  const authorized = (req: IncomingMessage) => {
    const got = Buffer.from(req.headers.authorization ?? '');
    return got.length === expected.length && timingSafeEqual(got, expected);
  };

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://forwarder');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (method === 'GET' && path === '/healthz') return send(res, 200, { status: 'ok' });
    if (method === 'GET' && path === '/readyz') {
      const alarm = forwarder.alarm();
      return alarm
        ? send(res, 503, { status: 'behind', reason: alarm })
        : send(res, 200, { status: 'ready' });
    }
    if (method === 'GET' && path === '/metrics') {
      const text = await forwarder.metrics.registry.metrics();
      res.writeHead(200, { 'content-type': forwarder.metrics.registry.contentType });
      res.end(text);
      return;
    }
    if (method === 'GET' && (await serveStatusPage(path, res))) return;
    if (!path.startsWith('/v1/'))
      throw new HttpError(404, 'NotFound', `no route ${method} ${path}`);
    if (!authorized(req))
      throw new HttpError(401, 'Unauthorized', 'send Authorization: Bearer <the forwarder token>');

    if (path === '/v1/usage-events') {
      if (method !== 'POST') throw new HttpError(405, 'MethodNotAllowed', 'use POST');
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      const cloudEvents = type === 'application/cloudevents-batch+json';
      if (!cloudEvents && type !== 'application/json')
        throw new HttpError(
          415,
          'UnsupportedMediaType',
          'send application/json or application/cloudevents-batch+json',
        );
      const raw = await readBody(req);
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        throw new HttpError(400, 'InvalidJson', 'the body is not valid JSON');
      }
      const result = await forwarder.recordBody(body, cloudEvents);
      if (typeof result === 'string') throw new HttpError(400, 'BadRequest', result);
      return send(res, 200, result);
    }
    if (path === '/v1/dead-letters' && method === 'GET') {
      const limit = Number(url.searchParams.get('limit') ?? 1000);
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
        throw new HttpError(
          400,
          'InvalidParameter',
          'limit must be a whole number from 1 to 10000',
        );
      return send(res, 200, { deadLetters: await forwarder.store.deadLetters(limit) });
    }
    const retry = /^\/v1\/dead-letters\/([^/]+)\/retry$/.exec(path);
    if (retry && method === 'POST') {
      const id = decodeURIComponent(retry[1]!);
      const r = await forwarder.store.retryDeadLetter(id, Date.now());
      if (r === 'not-found') throw new HttpError(404, 'NotFound', `no dead letter ${id}`);
      if (r === 'expired')
        throw new HttpError(
          409,
          'Expired',
          `dead letter ${id} is for an hour AWS no longer takes (6 hours or more ago)`,
        );
      return send(res, 200, { id, status: 'retried' });
    }
    if (path === '/v1/reconciliation' && method === 'GET') {
      const format = url.searchParams.get('format') ?? 'json';
      if (format !== 'json' && format !== 'csv')
        throw new HttpError(400, 'InvalidParameter', 'format must be json or csv');
      const from = parseTime('from', url.searchParams.get('from'));
      const to = parseTime('to', url.searchParams.get('to'));
      const productCode = url.searchParams.get('productCode') || undefined;
      const rows = await forwarder.store.reconciliation({
        ...(from === undefined ? {} : { from }),
        ...(to === undefined ? {} : { to }),
        ...(productCode ? { productCode } : {}),
      });
      if (format === 'csv') {
        res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8' });
        res.end(toCsv(rows));
        return;
      }
      return send(res, 200, { rows });
    }
    throw new HttpError(404, 'NotFound', `no route ${method} ${path}`);
  }

  return createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    route(req, res).catch((err: unknown) => {
      if (err instanceof HttpError)
        return send(res, err.status, { error: { code: err.code, message: err.message } });
      logger?.error({ err }, 'request failed');
      send(res, 503, {
        error: {
          code: 'StoreUnavailable',
          message: 'the request could not be stored; send it again',
        },
      });
    });
  });
}

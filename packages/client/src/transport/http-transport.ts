/**
 * @module Sends one request over Node's http/https, with a connection timeout, an abort signal and optional keep-alive.
 */
import http from 'node:http';
import type { WireResponse } from '../protocol/aws-json.js';

/** A request ready to go: its full URL, signed headers and the exact body they cover. */
export interface WireRequest {
  url: URL;
  headers: Record<string, string>;
  body: string;
}

/** The longest delay a Node timer takes; longer timeouts (`Infinity` included) mean no limit. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Raised when no connection is established within `connect_timeout`; retried like a network failure. */
export class ConnectTimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(readonly timeoutSeconds: number) {
    super(`No connection within ${timeoutSeconds} s`);
    this.name = 'ConnectTimeoutError';
  }
}

/** Sends requests for one client; `destroy()` closes its idle connections. */
export interface Transport {
  send(request: WireRequest, signal: AbortSignal): Promise<WireResponse>;
  destroy(): void;
}

/**
 * Creates a transport with its own connection pool: connections are kept alive between calls
 * unless `closeConnection` is set.
 *
 * @example
 * const transport = createTransport({ closeConnection: false, connectTimeoutSeconds: 60 });
 */
export function createTransport(options: {
  closeConnection: boolean;
  connectTimeoutSeconds: number;
}): Transport {
  const agentOptions = { keepAlive: !options.closeConnection };
  const agents: { http?: http.Agent; https?: http.Agent } = {};
  const connectMs = options.connectTimeoutSeconds * 1000;

  async function moduleFor(url: URL): Promise<{ request: typeof http.request; agent: http.Agent }> {
    if (url.protocol === 'https:') {
      const https = await import('node:https');
      agents.https ??= new https.Agent(agentOptions);
      return { request: https.request, agent: agents.https };
    }
    agents.http ??= new http.Agent(agentOptions);
    return { request: http.request, agent: agents.http };
  }

  return {
    async send({ url, headers, body }, signal) {
      const { request, agent } = await moduleFor(url);
      return new Promise<WireResponse>((resolve, reject) => {
        const req = request(
          {
            protocol: url.protocol,
            hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
            port: url.port || undefined,
            path: url.pathname + url.search,
            method: 'POST',
            headers,
            agent,
            signal,
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('error', reject);
            res.on('close', () => {
              if (!res.complete)
                reject(new Error('The connection closed before the response ended'));
            });
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                headers: res.headers,
                body: Buffer.concat(chunks),
              }),
            );
          },
        );
        req.on('error', reject);
        if (connectMs <= MAX_TIMER_MS) {
          req.on('socket', (socket) => {
            if (!socket.connecting) return;
            const timer = setTimeout(
              () => req.destroy(new ConnectTimeoutError(options.connectTimeoutSeconds)),
              connectMs,
            );
            const clear = () => clearTimeout(timer);
            socket.once('connect', clear);
            socket.once('close', clear);
          });
        }
        req.end(body);
      });
    },
    destroy() {
      agents.http?.destroy();
      agents.https?.destroy();
    },
  };
}

/**
 * @module HTTP/1.1 over a raw TCP socket, for what fetch will not send: duplicated and missing
 * headers, truncated bodies, garbage, and clients that send a byte at a time. Also the check
 * that an answer is AWS-shaped.
 */

import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { cbor } from '@smithy/core/cbor';
import { signCall, type RawCall } from './sign.js';

export interface RawResponse {
  status: number;
  /** Header names in lower case; repeated headers joined with ', '. */
  headers: Record<string, string>;
  body: string;
  json: Record<string, unknown> | undefined;
}

export interface Exchange {
  responses: RawResponse[];
  /** How the exchange ended: the server closed (or reset) the connection, or we stopped. */
  end: 'closed' | 'reset' | 'answered' | 'timeout';
  /** Milliseconds from connecting to the end. */
  ms: number;
  /** Bytes received that did not form a whole response. */
  leftover: string;
}

/** What to write: bytes, a pause in milliseconds, or a promise to wait for. */
export type Part = string | Buffer | number | Promise<unknown>;

export interface ExchangeOptions {
  /** Stop once this many whole responses have arrived (default: wait for the server to close). */
  responses?: number;
  /** Give up after this long (default 10 s). */
  timeoutMs?: number;
  /** Half-close the connection after the last part. */
  end?: boolean;
}

/** Parses whole HTTP/1.1 responses (Content-Length framed, else empty) from `data`. */
function parseResponses(data: Buffer): { responses: RawResponse[]; rest: Buffer } {
  const responses: RawResponse[] = [];
  let rest = data;
  for (;;) {
    const headEnd = rest.indexOf('\r\n\r\n');
    if (headEnd < 0) break;
    const [statusLine, ...lines] = rest.subarray(0, headEnd).toString('latin1').split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    const length = Number(headers['content-length'] ?? 0);
    if (rest.length < headEnd + 4 + length) break;
    const body = rest.subarray(headEnd + 4, headEnd + 4 + length).toString('utf8');
    let json: Record<string, unknown> | undefined;
    try {
      json = JSON.parse(body) as Record<string, unknown>;
    } catch {
      json = undefined;
    }
    const status = Number(statusLine!.split(' ')[1]);
    // Interim answers (100 Continue) precede the real one.
    if (status >= 200) responses.push({ status, headers, body, json });
    rest = rest.subarray(headEnd + 4 + length);
  }
  return { responses, rest };
}

/** Connects to `baseUrl`, writes `parts` (pausing where a part is a number), and reads. */
export function exchange(
  baseUrl: string,
  parts: Part[],
  options: ExchangeOptions = {},
): Promise<Exchange> {
  const url = new URL(baseUrl);
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname);
    let data = Buffer.alloc(0);
    let done = false;
    const finish = (end: Exchange['end']) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const { responses, rest } = parseResponses(data);
      resolve({ responses, end, ms: Date.now() - started, leftover: rest.toString('latin1') });
    };
    const timer = setTimeout(() => finish('timeout'), options.timeoutMs ?? 10_000);
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      if (
        options.responses !== undefined &&
        parseResponses(data).responses.length >= options.responses
      )
        finish('answered');
    });
    socket.on('end', () => finish('closed'));
    socket.on('close', () => finish('closed'));
    socket.on('error', () => finish('reset'));
    socket.once('connect', async () => {
      for (const part of parts) {
        if (done || socket.destroyed) return;
        if (typeof part === 'number') await new Promise((r) => setTimeout(r, part));
        else if (part instanceof Promise) await part;
        else socket.write(part);
      }
      if (options.end && !done && !socket.destroyed) socket.end();
    });
  });
}

/** A signed request as raw HTTP/1.1 bytes; `extra` lines are added after the signed headers. */
export async function rawRequest(
  baseUrl: string,
  call: RawCall,
  extra: string[] = [],
  { contentLength = true }: { contentLength?: boolean } = {},
): Promise<Buffer> {
  const { headers, body } = await signCall(baseUrl, call);
  const bytes = Buffer.from(body);
  const lines = [
    'POST / HTTP/1.1',
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    ...(contentLength ? [`content-length: ${bytes.length}`] : []),
    ...extra,
  ];
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`), bytes]);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** An answer AWS SDKs can read as an error: 4xx, `{__type, message}`, matching headers. */
export function assertAwsError(
  answer: { status: number; headers: Record<string, string>; body: string },
  type?: string | RegExp,
  what = '',
): void {
  const context = `${what}: ${answer.status} ${answer.body.slice(0, 300)}`;
  assert.ok(answer.status >= 400 && answer.status < 500, `a 4xx: ${context}`);
  assert.equal(answer.headers['content-type'], 'application/x-amz-json-1.1', context);
  assert.match(answer.headers['x-amzn-requestid'] ?? '', UUID, context);
  const json = JSON.parse(answer.body) as Record<string, unknown>;
  assert.deepEqual(Object.keys(json).sort(), ['__type', 'message'], context);
  assert.equal(typeof json.message, 'string', context);
  assert.equal(answer.headers['x-amzn-errortype'], json.__type, context);
  if (typeof type === 'string') assert.equal(json.__type, type, context);
  else if (type) assert.match(String(json.__type), type, context);
}

/**
 * An answer AWS SDKs can read as a Smithy RPC v2 CBOR error: 4xx, the protocol header, a CBOR
 * map of `__type` (the shape id, in the service's namespace when the path names a service) and
 * `message`, decoded with the SDK's own decoder.
 */
export function assertCborError(
  answer: { status: number; headers: Record<string, string>; bytes: Buffer },
  type?: string | RegExp,
  what = '',
): void {
  const context = `${what}: ${answer.status} ${answer.bytes.toString('latin1').slice(0, 300)}`;
  assert.ok(answer.status >= 400 && answer.status < 500, `a 4xx: ${context}`);
  assert.equal(answer.headers['content-type'], 'application/cbor', context);
  assert.equal(answer.headers['smithy-protocol'], 'rpc-v2-cbor', context);
  assert.match(answer.headers['x-amzn-requestid'] ?? '', UUID, context);
  const decoded = cbor.deserialize(answer.bytes) as Record<string, unknown>;
  assert.deepEqual(Object.keys(decoded).sort(), ['__type', 'message'], context);
  assert.equal(typeof decoded.message, 'string', context);
  const name = String(decoded.__type).split('#').at(-1);
  assert.match(String(decoded.__type), /^(com\.amazonaws\.[a-z]+#)?[A-Za-z]+$/, context);
  assert.equal(answer.headers['x-amzn-errortype'], name, context);
  if (typeof type === 'string') assert.equal(name, type, context);
  else if (type) assert.match(name!, type, context);
}

/** fetch's Response as the plain object `assertAwsError` and `assertCborError` take. */
export async function plain(response: Response) {
  const bytes = Buffer.from(await response.arrayBuffer());
  return {
    status: response.status,
    headers: Object.fromEntries(response.headers),
    body: bytes.toString('utf8'),
    bytes,
  };
}

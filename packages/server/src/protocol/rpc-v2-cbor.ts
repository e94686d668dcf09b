/**
 * @module Smithy RPC v2 CBOR framing, for the services whose model speaks it (the entitlement
 * service): the operation from `POST /service/{service}/operation/{operation}`, the
 * `smithy-protocol` and content type checks, CBOR bodies (timestamps as tag 1, epoch seconds)
 * and the error answer (`__type` as the error's shape id in a CBOR body). The encoding is the
 * AWS SDK's own (`@smithy/core/cbor`).
 */

import { cbor, dateToTag } from '@smithy/core/cbor';
import {
  type AwsError,
  SerializationException,
  UnknownOperationException,
  UnsupportedMediaTypeException,
} from './errors.js';
import { serviceNamed, speaks, type Service } from './services.js';
import type { OperationName } from './shapes.js';
import { MAX_NESTING } from './wire.js';

export const CBOR_CONTENT_TYPE = 'application/cbor';
/** The header naming the protocol, on every request and answer. */
export const SMITHY_PROTOCOL = 'smithy-protocol';
export const RPC_V2_CBOR = 'rpc-v2-cbor';

const PATH = /^\/service\/([^/?#]+)\/operation\/([^/?#]+)$/;

/** Whether a request path is an RPC v2 one (`/service/…`), served by this framing. */
export const isRpcV2Path = (url: string) => url.startsWith('/service/');

/** The namespace of the service a request path names, if it names one meterd serves. */
export function namespaceAt(url: string): string | undefined {
  const name = /^\/service\/([^/?#]+)/.exec(url)?.[1];
  if (!name) return undefined;
  try {
    return serviceNamed(decodeURIComponent(name))?.namespace;
  } catch {
    return undefined;
  }
}

/**
 * The service and operation a request path names, or `UnknownOperationException` (404): the
 * service must speak RPC v2 CBOR and have that operation.
 */
export function cborOperationOf(url: string): { service: Service; operation: OperationName } {
  const path = url.split('?')[0]!;
  const match = PATH.exec(path);
  let service: Service | undefined;
  let operation = '';
  try {
    service = match ? serviceNamed(decodeURIComponent(match[1]!)) : undefined;
    operation = match ? decodeURIComponent(match[2]!) : '';
  } catch {
    service = undefined;
  }
  if (!service || !speaks(service, 'smithy-rpc-v2-cbor') || !service.operations.includes(operation))
    throw new UnknownPath(`No operation at ${path}.`);
  return { service, operation: operation as OperationName };
}

/** An unknown operation path: 404, as RPC v2 routes a request by its path. */
class UnknownPath extends UnknownOperationException {
  override readonly $status = 404;
}

/**
 * The request's `smithy-protocol` header must be `rpc-v2-cbor`, and a body must be sent as
 * `application/cbor` (a request with no body may leave the content type out).
 */
export function checkCborRequest(
  headers: Record<string, string | string[] | undefined>,
  bodyLength: number,
): void {
  const protocol = headers[SMITHY_PROTOCOL];
  if (protocol !== RPC_V2_CBOR)
    throw new SerializationException(
      protocol === undefined
        ? `Missing ${SMITHY_PROTOCOL} header; expected ${RPC_V2_CBOR}.`
        : `Unsupported ${SMITHY_PROTOCOL} '${String(protocol)}'; expected ${RPC_V2_CBOR}.`,
    );
  const type = headers['content-type'];
  if (type === undefined && bodyLength === 0) return;
  if (
    String(type ?? '')
      .split(';')[0]!
      .trim()
      .toLowerCase() !== CBOR_CONTENT_TYPE
  )
    throw new UnsupportedMediaTypeException(
      `Unsupported Media Type: '${String(type ?? '')}'; expected ${CBOR_CONTENT_TYPE}.`,
    );
}

/**
 * Parses a CBOR body into the form the validator reads (that of AWS JSON): timestamps (tag 1)
 * as epoch seconds, integers beyond 2^53 as the nearest number. An empty body is `{}`; anything
 * but a CBOR map is refused, and so is a byte string anywhere (no input member is a blob).
 */
export function parseCborBody(raw: Buffer): unknown {
  if (raw.length === 0) return {};
  let value: unknown;
  try {
    value = cbor.deserialize(raw);
  } catch {
    throw new SerializationException('Request body is not valid CBOR.');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value) || isTag(value))
    throw new SerializationException('Start of structure or map expected.');
  return plain(value, 1);
}

type Tag = { tag: number | bigint; value: unknown };
const isTag = (v: object): v is Tag =>
  Object.getOwnPropertySymbols(v).length > 0 && 'tag' in v && 'value' in v;

function plain(value: unknown, depth: number): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > MAX_NESTING)
    throw new SerializationException(
      `Request body is nested more than ${MAX_NESTING} levels deep.`,
    );
  // No member of an input served in CBOR is a blob: a byte string is never a string's value.
  if (value instanceof Uint8Array)
    throw new SerializationException('A CBOR byte string is not the value of any member here.');
  if (isTag(value)) {
    if (Number(value.tag) === 1 && typeof value.value === 'number') return value.value;
    throw new SerializationException(`CBOR tag ${String(value.tag)} is not supported here.`);
  }
  if (Array.isArray(value)) return value.map((v) => plain(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = plain(v, depth + 1);
  // The decoder assigns each key, so a map's `__proto__` key (object-valued) became the map's
  // prototype: it is a key like any other (an unknown member, or a filter name refused).
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null)
    Object.defineProperty(out, '__proto__', {
      value: plain(proto, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return out;
}

/** Serializes an output structure: Dates as tag 1 (epoch seconds), undefined members dropped. */
export function serializeCborOutput(value: unknown): Buffer {
  // The encoder writes into a shared buffer: the answer is a copy of its bytes.
  return Buffer.from(cbor.serialize(cborValue(value)));
}

function cborValue(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return dateToTag(value);
  if (Array.isArray(value)) return value.map(cborValue);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = cborValue(v);
  return out;
}

/**
 * An error as RPC v2 CBOR sends it: a CBOR map of `__type` (the error's shape id in the
 * service's namespace) and `message`, with the error's status, the protocol header, and the
 * request id in `x-amzn-RequestId`.
 */
export function cborErrorResponse(
  error: AwsError,
  requestId: string,
  namespace: string | undefined,
  status = error.$status,
) {
  const type = namespace ? `${namespace}#${error.name}` : error.name;
  return {
    status,
    headers: {
      'content-type': CBOR_CONTENT_TYPE,
      [SMITHY_PROTOCOL]: RPC_V2_CBOR,
      'x-amzn-ErrorType': error.name,
      'x-amzn-RequestId': requestId,
    },
    body: Buffer.from(cbor.serialize({ __type: type, message: error.message })),
  };
}

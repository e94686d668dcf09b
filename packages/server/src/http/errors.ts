/**
 * @module The two shapes of meterd's HTTP errors, each written here only: AWS's (the endpoint,
 * and every path outside the admin API) and the admin API's; and the handlers that answer
 * anything thrown, unknown routes and Fastify's own refusals in the shape of the path's area.
 * Fastify's error codes (FST_ERR_…) are never sent: each refusal is told in meterd's words.
 */

import type { FastifyReply, FastifyRequest } from 'fastify';
import { CatalogError } from '../catalog/document.js';
import { AlreadyExistsError, InUseError, NotFoundError } from '../catalog/service.js';
import {
  AwsError,
  RequestEntityTooLargeException,
  SerializationException,
  UnknownOperationException,
  toWireError,
} from '../protocol/errors.js';
import { cborErrorResponse, isRpcV2Path, namespaceAt } from '../protocol/rpc-v2-cbor.js';
import { MAX_BODY_BYTES, errorResponse, unsupportedMediaType } from '../protocol/wire.js';
import { TransientStoreError } from '../storage/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The AWS operation called, for metrics and the request log. */
    meterdOperation?: string;
    /** The AWS error answered, for metrics and the request log. */
    meterdOutcome?: string;
    /** That error's message, for the request log. */
    meterdErrorMessage?: string;
    /** The product the call names, and the caller's account, for the request log. */
    meterdProductCode?: string;
    meterdCallerAccount?: string;
  }
}

/** An admin API error: `{"error": {"code", "message"}}` with an HTTP status. */
export class AdminError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Sends `error` as AWS does, in the protocol of the request's path: RPC v2 CBOR under
 * `/service/` (protocol/rpc-v2-cbor.ts), AWS JSON elsewhere (protocol/wire.ts).
 */
export function sendAwsError(
  request: FastifyRequest,
  reply: FastifyReply,
  error: AwsError,
  status = error.$status,
) {
  request.meterdOutcome = error.name;
  request.meterdErrorMessage = error.message;
  const answer = isRpcV2Path(request.url)
    ? cborErrorResponse(error, request.id, namespaceAt(request.url), status)
    : errorResponse(error, request.id, status);
  // A Buffer: Fastify would append "; charset=utf-8" to a string's content type.
  return reply.code(answer.status).headers(answer.headers).send(Buffer.from(answer.body));
}

/** Sends an admin API error. */
export function sendAdminError(request: FastifyRequest, reply: FastifyReply, error: AdminError) {
  return reply
    .code(error.status)
    .header('x-amzn-RequestId', request.id)
    .send({ error: { code: error.code, message: error.message } });
}

/** Whether a request is the admin API's: `/admin` and everything under it, the console under
 * `/console`, and the LocalStack Chaos API alias under `/_localstack/`. */
const isAdmin = (request: FastifyRequest) =>
  /^\/(?:admin|_localstack|console)(?:[/?#]|$)/.test(request.url);

/** Answers anything thrown while serving a request (or refusing it before routing). */
export function errorHandler(error: Error, request: FastifyRequest, reply: FastifyReply) {
  return isAdmin(request)
    ? sendAdminError(request, reply, adminErrorOf(error, request))
    : sendAwsError(request, reply, awsErrorOf(error, request));
}

/** Answers a path or method no route serves. */
export function notFoundHandler(request: FastifyRequest, reply: FastifyReply) {
  const message = `No route for ${request.method} ${request.url.split('?')[0]}.`;
  return isAdmin(request)
    ? sendAdminError(request, reply, new AdminError(404, 'NotFound', message))
    : sendAwsError(request, reply, new UnknownOperationException(message), 404);
}

type Thrown = Error & { code?: unknown; statusCode?: unknown };

const tooLarge = `Request body is larger than ${MAX_BODY_BYTES} bytes.`;

function awsErrorOf(error: Thrown, request: FastifyRequest): AwsError {
  if (error instanceof AwsError) return error;
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return new RequestEntityTooLargeException(tooLarge);
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
    return unsupportedMediaType(request.headers['content-type']);
  const refused = refusalOf(error, request);
  if (refused) return new SerializationException(refused.message);
  request.log.error({ err: error }, 'unexpected error');
  return toWireError(error);
}

function adminErrorOf(error: Thrown, request: FastifyRequest): AdminError {
  if (error instanceof AdminError) return error;
  if (error instanceof CatalogError) return new AdminError(400, 'InvalidCatalog', error.message);
  if (error instanceof NotFoundError) return new AdminError(404, 'NotFound', error.message);
  if (error instanceof AlreadyExistsError)
    return new AdminError(409, 'AlreadyExists', error.message);
  if (error instanceof InUseError) return new AdminError(409, 'InUse', error.message);
  // A full disk or a lost database: nothing was written, the write may be sent again later.
  // The store's write health logs the episode once (storage/health.ts), not each refusal.
  if (error instanceof TransientStoreError)
    return new AdminError(503, 'StoreUnavailable', `${error.message}; retry later.`);
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return new AdminError(413, 'RequestEntityTooLarge', tooLarge);
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
    return new AdminError(
      415,
      'UnsupportedMediaType',
      `Unsupported Media Type: '${request.headers['content-type'] ?? ''}'; expected application/json.`,
    );
  const refused = refusalOf(error, request);
  if (refused) return new AdminError(refused.status, refused.code, refused.message);
  request.log.error({ err: error }, 'admin request failed');
  return new AdminError(500, 'InternalError', 'An internal error occurred.');
}

// Fastify's other refusals of a request, in meterd's words: [admin code, message].
const REFUSALS = new Map<unknown, [string, (request: FastifyRequest) => string]>([
  ['FST_ERR_CTP_INVALID_JSON_BODY', ['InvalidJson', () => 'Request body is not valid JSON.']],
  [
    'FST_ERR_CTP_EMPTY_JSON_BODY',
    ['InvalidJson', () => 'Request body is empty; a JSON content type needs a JSON body.'],
  ],
  [
    'FST_ERR_CTP_INVALID_CONTENT_LENGTH',
    ['BadRequest', () => 'Request body length does not match its Content-Length.'],
  ],
  ['FST_ERR_BAD_URL', ['BadRequest', (r) => `Request URL ${r.url} cannot be decoded.`]],
]);

/** A client error thrown outside meterd's code: its status, an admin code and a message. */
function refusalOf(error: Thrown, request: FastifyRequest) {
  const status = error.statusCode;
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  const known = REFUSALS.get(error.code);
  // An unknown one keeps its message but never its code: that is the library's, not meterd's.
  const [code, message] = known ? [known[0], known[1](request)] : ['BadRequest', error.message];
  return { status, code, message };
}

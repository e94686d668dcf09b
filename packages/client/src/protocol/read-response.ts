/**
 * @module Turns an HTTP response into an operation's output, or throws the service error it carries.
 */
import { MODELLED_ERRORS } from '../errors.js';
import { MarketplaceMeteringServiceException } from '../errors.js';
import type { StructureShape } from '../model/shapes.js';
import type { ResponseMetadata } from '../model/types.js';
import { deserialize } from './deserialize.js';
import { errorCode } from './error-code.js';

/** A response as the transport hands it over. */
export interface WireResponse {
  status: number;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: Buffer;
}

/** Attempts and waits so far, for `$metadata`. */
export interface CallProgress {
  attempts: number;
  totalRetryDelay: number;
}

const header = (r: WireResponse, name: string): string | undefined => {
  const v = r.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

function parseBody(text: string): { json: Record<string, unknown> } | { text: string } {
  if (text.trim() === '') return { json: {} };
  try {
    const json: unknown = JSON.parse(text);
    if (typeof json === 'object' && json !== null && !Array.isArray(json)) {
      return { json: json as Record<string, unknown> };
    }
  } catch {
    // not JSON: reported below with the text
  }
  return { text };
}

const snippet = (text: string) => (text.length > 200 ? `${text.slice(0, 200)}...` : text);

/**
 * Reads a response: a 2xx becomes the output (with `$metadata`); anything else becomes the
 * modelled error class named by its code, or a `MarketplaceMeteringServiceException` whose
 * `name` is the code (`Unknown` when the response names none).
 *
 * @example
 * const out = readResponse(OPERATIONS.MeterUsage.output, response, { attempts: 1, totalRetryDelay: 0 });
 */
export function readResponse(
  output: StructureShape,
  response: WireResponse,
  progress: CallProgress,
): Record<string, unknown> & { $metadata: ResponseMetadata } {
  const requestId = header(response, 'x-amzn-requestid');
  const parsed = parseBody(response.body.toString('utf8'));
  const init = {
    $httpStatus: response.status,
    requestId,
    attempts: progress.attempts,
    totalRetryDelay: progress.totalRetryDelay,
  };
  if (response.status >= 200 && response.status < 300) {
    if ('text' in parsed) {
      throw new MarketplaceMeteringServiceException({
        ...init,
        name: 'InvalidResponse',
        $fault: 'server',
        message: `The service's response is not a JSON object: ${snippet(parsed.text)}`,
      });
    }
    return {
      ...deserialize(output, parsed.json),
      $metadata: {
        httpStatusCode: response.status,
        requestId,
        attempts: progress.attempts,
        totalRetryDelay: progress.totalRetryDelay,
      },
    };
  }
  const body = 'json' in parsed ? parsed.json : undefined;
  const code = errorCode(body, response.headers) ?? 'Unknown';
  const rawMessage = body?.message ?? body?.Message;
  const message =
    typeof rawMessage === 'string'
      ? rawMessage
      : 'text' in parsed
        ? snippet(parsed.text)
        : 'UnknownError';
  const Modelled = Object.hasOwn(MODELLED_ERRORS, code) ? MODELLED_ERRORS[code] : undefined;
  if (Modelled) throw new Modelled({ ...init, message });
  throw new MarketplaceMeteringServiceException({ ...init, name: code, message });
}

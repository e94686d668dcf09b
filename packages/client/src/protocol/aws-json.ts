/**
 * @module The AWS JSON 1.1 protocol: input to request body (members in wire order, `Date` as epoch
 * seconds), and response to output or to the service error it carries.
 */
import { MODELLED_ERRORS, MarketplaceMeteringServiceException } from '../errors.js';
import type { Shape, StructureShape } from '../model/shapes.js';
import type { ResponseMetadata } from '../model/types.js';

// ---- request body -------------------------------------------------------------------------

/** A structure's members as the AWS SDKs write them: required members first, each group in model order. */
export function wireOrder(shape: StructureShape): string[] {
  const names = Object.keys(shape.members);
  return [
    ...names.filter((n) => shape.required.includes(n)),
    ...names.filter((n) => !shape.required.includes(n)),
  ];
}

function toWire(shape: Shape, value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  switch (shape.type) {
    case 'timestamp':
      return value instanceof Date ? value.getTime() / 1000 : value;
    case 'list':
      return Array.isArray(value) ? value.map((item) => toWire(shape.member, item) ?? null) : value;
    case 'structure': {
      if (typeof value !== 'object') return value;
      const source = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const name of wireOrder(shape)) {
        const member = shape.members[name];
        const v = member === undefined ? undefined : toWire(member.shape, source[name]);
        if (v !== undefined) out[name] = v;
      }
      return out;
    }
    default:
      return value;
  }
}

/**
 * Serializes an input structure to its JSON body. Members not in the model are left out, as
 * the AWS SDKs do; the service validates everything else.
 *
 * @example
 * serialize(OPERATIONS.ResolveCustomer.input, { RegistrationToken: 't' }); // '{"RegistrationToken":"t"}'
 */
export function serialize(shape: StructureShape, input: unknown): string {
  return JSON.stringify(toWire(shape, input ?? {}));
}

// ---- response body ------------------------------------------------------------------------

function parseTimestamp(value: unknown): unknown {
  if (typeof value === 'number') return new Date(Math.round(value * 1000));
  if (typeof value === 'string') {
    const seconds = /^-?\d*\.?\d+$/.test(value) ? Number(value) : Number.NaN;
    return Number.isNaN(seconds) ? new Date(value) : new Date(Math.round(seconds * 1000));
  }
  return value;
}

function fromWire(shape: Shape, value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  switch (shape.type) {
    case 'timestamp':
      return parseTimestamp(value);
    case 'list':
      return Array.isArray(value) ? value.map((item) => fromWire(shape.member, item)) : value;
    case 'structure': {
      if (typeof value !== 'object' || Array.isArray(value)) return value;
      const source = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const [name, member] of Object.entries(shape.members)) {
        const v = fromWire(member.shape, source[name]);
        if (v !== undefined) out[name] = v;
      }
      return out;
    }
    default:
      return value;
  }
}

/**
 * Reads an output structure from a parsed JSON body.
 *
 * @example
 * deserialize(OPERATIONS.RegisterUsage.output, { Signature: 'x', PublicKeyRotationTimestamp: 1763859600 });
 * // { PublicKeyRotationTimestamp: new Date('2025-11-23T01:00:00Z'), Signature: 'x' }
 */
export function deserialize(shape: StructureShape, body: unknown): Record<string, unknown> {
  return (fromWire(shape, body ?? {}) ?? {}) as Record<string, unknown>;
}

// ---- error codes --------------------------------------------------------------------------

/**
 * Cleans a raw error code: the part after `#` and before `:` (and before `,`).
 *
 * @example
 * sanitizeErrorCode('aws.protocoltests#ThrottlingException:http://internal'); // 'ThrottlingException'
 */
export function sanitizeErrorCode(raw: string | number): string {
  let code = String(raw);
  code = code.split(',')[0] ?? code;
  code = code.split(':')[0] ?? code;
  if (code.includes('#')) code = code.split('#')[1] ?? code;
  return code;
}

/**
 * The error code of a response: the body's `__type`, else its `code`, else the
 * `x-amzn-ErrorType` header; `undefined` when none is there.
 *
 * @example
 * errorCode({ __type: 'ValidationException', message: 'bad' }, {}); // 'ValidationException'
 */
export function errorCode(
  body: Record<string, unknown> | undefined,
  headers: Readonly<Record<string, string | string[] | undefined>>,
): string | undefined {
  const type = body?.__type;
  if (typeof type === 'string' || typeof type === 'number') return sanitizeErrorCode(type);
  const codeKey = body && Object.keys(body).find((k) => k.toLowerCase() === 'code');
  const code = codeKey ? body[codeKey] : undefined;
  if (typeof code === 'string' || typeof code === 'number') return sanitizeErrorCode(code);
  const header = headers['x-amzn-errortype'];
  const value = Array.isArray(header) ? header[0] : header;
  return value ? sanitizeErrorCode(value) : undefined;
}

// ---- responses ----------------------------------------------------------------------------

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

/**
 * @module The input families meterd is fuzzed with, for `test/fuzz.test.ts` and the long run of
 * `npm run fuzz`: malformed and adversarial requests of every kind (wrong JSON types,
 * constraint violations, arbitrary and invalid bytes, huge and deeply nested bodies, garbled
 * signatures, wrong content types and targets, duplicated and missing headers, truncated and
 * garbage HTTP, slow clients, malformed admin API input). Each family is a fast-check property
 * against a running meterd: every input must get an AWS-shaped 4xx (or a closed connection).
 */

import assert from 'node:assert/strict';
import fc from 'fast-check';
import { cbor, dateToTag } from '@smithy/core/cbor';
import { SERVICES, serviceOf, speaks } from '../../src/protocol/services.js';
import {
  inputShapes,
  operationNames,
  type OperationName,
  type Shape,
} from '../../src/protocol/shapes.js';
import { ADMIN_TOKEN, KEYS, type Credentials, type Meterd } from './meterd.js';
import {
  assertAwsError,
  assertCborError,
  exchange,
  plain,
  rawRequest,
  type Exchange,
  type Part,
} from './raw-http.js';
import { signCall, type RawCall } from './sign.js';

/** The running meterd a family is fuzzed against. */
export interface FuzzTarget {
  url: string;
  /** A live registration token (acme-saas, 222222222222), the start of ResolveCustomer inputs. */
  registrationToken: string;
  /** The NextToken of the second page of that customer's entitlements (GetEntitlements inputs). */
  nextToken: string;
  /** Counts one input of `kind`. */
  count(kind: string): void;
  /** Sees the status of every answer (the long run counts the 5xx). */
  answered?(status: number): void;
}

/** A family's property, with the number of runs it gets in one `npm test`. */
export interface Fuzzing {
  runs: number;
  /** Inputs one run tries, on average (a run of slow clients is a crowd of them). */
  inputsPerRun: number;
  /**
   * The fast-check property. Without `onFailure` an input that fails its check fails the
   * property; with it, the failure is reported there and fuzzing goes on (the long run).
   */
  property(onFailure?: (error: unknown) => void): fc.IAsyncPropertyWithHooks<[unknown[]]>;
}

/** A family of inputs: `prepare` builds its property against a running meterd. */
export interface Family {
  title: string;
  prepare(meterd: FuzzTarget): Promise<Fuzzing>;
}

const family = (title: string, prepare: Family['prepare']): Family => ({ title, prepare });

/** The property over `arbitraries` whose check of each input is `check`. */
function fuzz<Ts extends unknown[]>(
  runs: number,
  arbitraries: { [K in keyof Ts]: fc.Arbitrary<Ts[K]> },
  check: (...inputs: Ts) => Promise<void>,
  inputsPerRun = 1,
): Fuzzing {
  return {
    runs,
    inputsPerRun,
    property(onFailure) {
      const run = onFailure
        ? async (...inputs: Ts) => {
            try {
              await check(...inputs);
            } catch (error) {
              onFailure(error);
            }
          }
        : check;
      return fc.asyncProperty(fc.tuple(...(arbitraries as fc.Arbitrary<unknown>[])), (inputs) =>
        run(...(inputs as Ts)),
      );
    },
  };
}

const seen = <T extends { status: number }>(meterd: FuzzTarget, answer: T): T => {
  meterd.answered?.(answer.status);
  return answer;
};

/** `meterd serve` flags for fuzzing: short timeouts, so that the slow clients are cut within the run. */
export const SERVER_ARGS = ['--headers-timeout', '1000', '--request-timeout', '2000'];

export const MB = 1024 * 1024;
/** How much the server's resident memory may grow over a whole fuzzing run. */
export const MEMORY_GROWTH_BOUND = 512 * MB;

/** meterd's resident memory, as its /metrics reports it. */
export async function residentMemory(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^process_resident_memory_bytes (\d+)/m.exec(text)?.[1]);
}

/** Log lines at level error or fatal. */
export const errorLines = (output: string): string[] =>
  output.split('\n').filter((line) => /"level":(50|60)/.test(line));

/**
 * Where an operation is called: each operation in AWS JSON 1.1 (`POST /`, the operation in
 * `X-Amz-Target`), and those of a service whose model speaks Smithy RPC v2 CBOR (the
 * entitlement service's GetEntitlements) at `POST /service/{service}/operation/{operation}` too.
 */
export interface Endpoint {
  operation: OperationName;
  protocol: 'json' | 'cbor';
}
export const ENDPOINTS: Endpoint[] = operationNames.flatMap((operation) => [
  ...(speaks(serviceOf(operation), 'json') ? [{ operation, protocol: 'json' as const }] : []),
  ...(speaks(serviceOf(operation), 'smithy-rpc-v2-cbor')
    ? [{ operation, protocol: 'cbor' as const }]
    : []),
]);
const JSON_ENDPOINTS = ENDPOINTS.filter((e) => e.protocol === 'json');
const CBOR_ENDPOINTS = ENDPOINTS.filter((e) => e.protocol === 'cbor');
const named = ({ operation, protocol }: Endpoint) => `${operation} (${protocol})`;

const CALLER: Record<OperationName, Credentials> = {
  BatchMeterUsage: KEYS.acme,
  ResolveCustomer: KEYS.acme,
  MeterUsage: KEYS.globex,
  RegisterUsage: KEYS.globexTask,
  GetEntitlements: KEYS.acme,
};
const AUTH_ERROR =
  /^(MissingAuthenticationToken|IncompleteSignature|UnrecognizedClient|InvalidSignature)Exception$/;
const ACCEPTED_TYPES = [
  'application/x-amz-json-1.1',
  'application/x-amz-json-1.0',
  'application/json',
];
const hex64 = fc.string({
  unit: fc.constantFrom(...'0123456789abcdef'),
  minLength: 64,
  maxLength: 64,
});

const targetOf = (operation: OperationName) =>
  `${serviceOf(operation).metadata.targetPrefix}.${operation}`;
const cborPath = (operation: OperationName) =>
  `/service/${serviceOf(operation).metadata.targetPrefix}/operation/${operation}`;

/** A value as the endpoint's protocol encodes a body. */
export const encode = (endpoint: Endpoint, value: unknown): Buffer =>
  endpoint.protocol === 'json'
    ? Buffer.from(JSON.stringify(value))
    : // The encoder writes into a shared buffer: a copy.
      Buffer.from(cbor.serialize(value));

/** An answer of either protocol: its body as text and as bytes. */
export type Answer = Awaited<ReturnType<typeof plain>>;

/** Signs and sends `request` with fetch. */
export async function call(meterd: FuzzTarget, what: string, request: RawCall): Promise<Answer> {
  const { headers, body } = await signCall(meterd.url, request);
  const { host: _, ...rest } = headers;
  try {
    return seen(
      meterd,
      await plain(
        await fetch(`${meterd.url}${request.path ?? '/'}`, { method: 'POST', headers: rest, body }),
      ),
    );
  } catch (error) {
    throw new Error(`${what}: no answer (${(error as Error).message})`, { cause: error });
  }
}

/** The call of `endpoint` as its protocol frames it, signed by the operation's caller. */
export function framed(
  endpoint: Endpoint,
  body: string | Buffer,
  overrides: RawCall = {},
): RawCall {
  const { operation } = endpoint;
  return endpoint.protocol === 'json'
    ? { target: targetOf(operation), credentials: CALLER[operation], body, ...overrides }
    : {
        operation: null,
        path: cborPath(operation),
        contentType: 'application/cbor',
        headers: { 'smithy-protocol': 'rpc-v2-cbor' },
        credentials: CALLER[operation],
        body,
        ...overrides,
      };
}

/** An AWS-shaped error in the endpoint's protocol (CBOR errors decoded as the SDK does). */
export function assertError(
  endpoint: Endpoint,
  answer: Answer,
  type: string | RegExp | undefined,
  what: string,
) {
  if (endpoint.protocol === 'json') assertAwsError(answer, type, what);
  else assertCborError(answer, type, what);
}

/** A successful answer in the endpoint's protocol: an object. */
function assertAnswer(endpoint: Endpoint, answer: Answer, what: string) {
  const decoded: unknown =
    endpoint.protocol === 'json' ? JSON.parse(answer.body) : cbor.deserialize(answer.bytes);
  assert.equal(typeof decoded, 'object', what);
  if (endpoint.protocol === 'cbor')
    assert.equal(answer.headers['smithy-protocol'], 'rpc-v2-cbor', what);
}

// Valid requests of each operation, the starting points of mutations. None of them stores
// anything: MeterUsage is a dry run, BatchMeterUsage names a customer who is not subscribed,
// GetEntitlements only reads (the second page of a customer's entitlements).
function validInput(meterd: FuzzTarget, operation: OperationName): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000) - 120;
  const allocations = [{ AllocatedUsageQuantity: 1, Tags: [{ Key: 'team', Value: 'blue' }] }];
  switch (operation) {
    case 'BatchMeterUsage':
      return {
        ProductCode: 'acme-saas',
        UsageRecords: [
          {
            Timestamp: now,
            CustomerAWSAccountId: '999999999999',
            Dimension: 'requests',
            Quantity: 1,
            UsageAllocations: allocations,
          },
        ],
      };
    case 'ResolveCustomer':
      return { RegistrationToken: meterd.registrationToken };
    case 'MeterUsage':
      return {
        ProductCode: 'acme-ami',
        Timestamp: now,
        UsageDimension: 'hours',
        UsageQuantity: 1,
        DryRun: true,
        UsageAllocations: allocations,
        ClientToken: 'fuzz',
      };
    case 'RegisterUsage':
      return { ProductCode: 'acme-container', PublicKeyVersion: 1, Nonce: 'fuzz' };
    case 'GetEntitlements':
      return { ...ENTITLEMENTS_PAGE, NextToken: meterd.nextToken };
  }
}

/** The first page of the fuzzed customer's entitlements (it has two). */
const ENTITLEMENTS_PAGE = {
  ProductCode: 'acme-saas',
  Filter: { CUSTOMER_AWS_ACCOUNT_ID: ['222222222222'] },
  MaxResults: 1,
};

/**
 * Readies a running meterd (the fixture catalog) for fuzzing: a live registration token, and
 * entitlements on an agreement, with the NextToken of their second page.
 */
export async function fuzzTarget(
  meterd: { url: string; admin: Meterd['admin'] },
  hooks: Pick<FuzzTarget, 'count' | 'answered'>,
): Promise<FuzzTarget> {
  const minted = await meterd.admin<{ registrationToken: string }>('POST', '/registration-tokens', {
    productCode: 'acme-saas',
    customerAWSAccountId: '222222222222',
  });
  const arn = encodeURIComponent(
    'arn:aws:license-manager::222222222222:license:l-0123456789abcdef',
  );
  const put = await meterd.admin('PUT', `/agreements/${arn}/entitlements`, {
    entitlements: [
      { dimension: 'requests', integerValue: 1000 },
      { dimension: 'storage_gb', integerValue: 50 },
    ],
  });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  const first = await call(
    { url: meterd.url, registrationToken: '', nextToken: '', count() {} },
    'the first page of entitlements',
    framed({ operation: 'GetEntitlements', protocol: 'json' }, JSON.stringify(ENTITLEMENTS_PAGE)),
  );
  const nextToken = (JSON.parse(first.body) as { NextToken?: string }).NextToken;
  assert.ok(nextToken, `a NextToken: ${first.status} ${first.body}`);
  return { url: meterd.url, registrationToken: minted.body.registrationToken, nextToken, ...hooks };
}

type Path = Array<string | number>;

/** Every member present in `value`, with its shape in the API model (a map's values too). */
function membersOf(shape: Shape, value: unknown, path: Path = []): Array<[Path, Shape]> {
  const found: Array<[Path, Shape]> = [];
  if (shape.kind === 'structure')
    for (const [name, member] of Object.entries(shape.members)) {
      const item = (value as Record<string, unknown>)[name];
      if (item === undefined) continue;
      found.push([[...path, name], member], ...membersOf(member, item, [...path, name]));
    }
  if (shape.kind === 'map')
    for (const [key, item] of Object.entries(value as Record<string, unknown>))
      found.push([[...path, key], shape.value], ...membersOf(shape.value, item, [...path, key]));
  if (shape.kind === 'list')
    (value as unknown[]).forEach((item, i) =>
      found.push([[...path, i], shape.member], ...membersOf(shape.member, item, [...path, i])),
    );
  return found;
}

function setAt(root: Record<string, unknown>, path: Path, value: unknown): unknown {
  const copy = structuredClone(root);
  let node = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path.at(-1)!] = value;
  return copy;
}

const text = fc.string({ maxLength: 20 });
const integer = fc.integer();
const fraction = fc
  .double({ noNaN: true, noDefaultInfinity: true })
  .filter((x) => !Number.isInteger(x));
const boolean = fc.boolean();
const list = fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 });
const object = fc.dictionary(text, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 });
// What CBOR has and JSON has not: byte strings, and timestamps (tag 1).
const bytes = fc.uint8Array({ maxLength: 16 });
const timestamp = fc.date({ noInvalidDate: true }).map(dateToTag);

/** Values that are not of the shape's kind (in CBOR, also its byte strings and timestamps). */
function wrongType(shape: Shape, protocol: Endpoint['protocol']): fc.Arbitrary<unknown> {
  const cborOnly =
    protocol === 'cbor' ? [bytes, ...(shape.kind === 'timestamp' ? [] : [timestamp])] : [];
  switch (shape.kind) {
    case 'string':
      return fc.oneof(integer, fraction, boolean, list, object, ...cborOnly);
    case 'integer':
      return fc.oneof(text, fraction, boolean, list, object, ...cborOnly);
    case 'number':
      return fc.oneof(text, boolean, list, object, ...cborOnly);
    case 'timestamp': // any finite number is a timestamp
      return fc.oneof(text, boolean, list, object, ...cborOnly);
    case 'boolean':
      return fc.oneof(text, integer, list, object, ...cborOnly);
    case 'list':
      return fc.oneof(text, integer, boolean, object, ...cborOnly);
    case 'structure':
    case 'map':
      return fc.oneof(text, integer, boolean, list, ...cborOnly);
  }
}

/** Values of the shape's kind that break one of its constraints. */
function violation(shape: Shape, current: unknown): fc.Arbitrary<unknown> | undefined {
  const options: Array<fc.Arbitrary<unknown>> = [];
  switch (shape.kind) {
    case 'string': {
      const s = String(current);
      // An identifier meterd looks up must be text its databases can hold.
      if (shape.identifier)
        options.push(
          fc.nat(s.length).map((i) => `${s.slice(0, i)}\u0000${s.slice(i)}`),
          fc
            .tuple(fc.nat(s.length), fc.integer({ min: 0xd800, max: 0xdfff }))
            .map(([i, c]) => `${s.slice(0, i)}${String.fromCharCode(c)}${s.slice(i)}`),
        );
      if (shape.max !== undefined)
        options.push(fc.string({ minLength: shape.max + 1, maxLength: shape.max + 50 }));
      if (shape.min) options.push(fc.constant(''));
      if (shape.pattern) {
        const pattern = shape.pattern;
        const breaking = [`~${s}`, '', ' ', '\t\n '].filter((t) => !pattern.test(t));
        if (breaking.length > 0) options.push(fc.constantFrom(...breaking));
      }
      if (shape.enum) {
        const values = shape.enum;
        options.push(
          fc
            .oneof(text, fc.constant(s.toLowerCase()), fc.constant(`${s} `))
            .filter((t) => !values.includes(t)),
        );
      }
      break;
    }
    case 'integer':
      if (shape.min !== undefined) options.push(fc.integer({ max: shape.min - 1 }));
      if (shape.max !== undefined)
        options.push(fc.double({ min: shape.max + 1, max: 1e300, noNaN: true }).map(Math.floor));
      break;
    case 'timestamp':
      options.push(fc.constantFrom(1e20, -1e20, 0, -1e9, 1e12));
      break;
    case 'list':
      if (shape.max !== undefined && Array.isArray(current) && current.length > 0)
        options.push(fc.constant(Array(shape.max + 1).fill(current[0])));
      if (shape.min) options.push(fc.constant([]));
      break;
    case 'map': {
      // A key outside the key's enum, or a value that is null.
      const entries = Object.entries(current as object);
      const values = shape.key.kind === 'string' ? shape.key.enum : undefined;
      if (values)
        options.push(
          fc
            .oneof(text, fc.constantFrom(...values.map((v) => v.toLowerCase()), '__proto__'))
            .filter((k) => !values.includes(k))
            .map((key) => Object.fromEntries([...entries, [key, entries[0]?.[1] ?? ['x']]])),
        );
      if (entries.length > 0)
        options.push(fc.constant(Object.fromEntries(entries.map(([k]) => [k, null]))));
      break;
    }
    case 'structure':
      for (const name of shape.required ?? [])
        options.push(
          fc.constant(
            Object.fromEntries(Object.entries(current as object).filter(([k]) => k !== name)),
          ),
        );
      break;
    case 'boolean':
    case 'number':
      break;
  }
  return options.length > 0 ? fc.oneof(...options) : undefined;
}

/** A valid request of some endpoint with one member replaced by a value of the wrong type. */
const typeConfusion = (meterd: FuzzTarget) =>
  fc.constantFrom(...ENDPOINTS).chain((endpoint) => {
    const input = validInput(meterd, endpoint.operation);
    return fc
      .constantFrom(...membersOf(inputShapes[endpoint.operation], input))
      .chain(([path, shape]) =>
        wrongType(shape, endpoint.protocol).map((value) => ({
          endpoint,
          path,
          body: setAt(input, path, value),
        })),
      );
  });

/** A valid request of some endpoint with one member breaking one of its constraints. */
const constraintViolation = (meterd: FuzzTarget) =>
  fc.constantFrom(...ENDPOINTS).chain((endpoint) => {
    const input = validInput(meterd, endpoint.operation);
    const shape = inputShapes[endpoint.operation];
    const members: Array<[Path, Shape]> = [[[], shape], ...membersOf(shape, input)];
    const breakable = members
      .map(([path, shape]) => {
        const current =
          path.length === 0 ? input : path.reduce<unknown>((n, k) => (n as never)[k], input);
        const arb = violation(shape, current);
        return (
          arb &&
          arb.map((value) => ({
            endpoint,
            path,
            body: path.length === 0 ? value : setAt(input, path, value),
          }))
        );
      })
      .filter((arb) => arb !== undefined);
    return fc.oneof(...breakable);
  });

/** Printable ASCII, never empty. */
const visible = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  minLength: 1,
  maxLength: 60,
});

/** The head of a CBOR item of major type `major` with argument `n` (a length, for strings and containers). */
function cborHead(major: number, n: number | bigint): Buffer {
  const m = major << 5;
  const value = BigInt(n);
  if (value < 24n) return Buffer.from([m | Number(value)]);
  if (value < 0x100n) return Buffer.from([m | 24, Number(value)]);
  const [info, size] = value < 0x10000n ? [25, 2] : value < 0x100000000n ? [26, 4] : [27, 8];
  return Buffer.concat([Buffer.from([m | info]), bigEndian(value, size)]);
}

function bigEndian(value: bigint, size: number): Buffer {
  const out = Buffer.alloc(size);
  for (let i = size - 1, v = value; i >= 0; i--, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
}

/** A CBOR text string. */
const cborText = (s: string) => {
  const bytes = Buffer.from(s);
  return Buffer.concat([cborHead(3, bytes.length), bytes]);
};

/**
 * `value` in CBOR with indefinite lengths, as hex: every map and list (ended by a break), and
 * also every text string in two chunks. Both are well formed and mean `value`.
 */
function indefinite(value: unknown): string[] {
  const encode = (v: unknown, chunked: boolean): Buffer => {
    if (Array.isArray(v))
      return Buffer.concat([
        Buffer.from([0x9f]),
        ...v.map((x) => encode(x, chunked)),
        Buffer.from([0xff]),
      ]);
    if (v !== null && typeof v === 'object')
      return Buffer.concat([
        Buffer.from([0xbf]),
        ...Object.entries(v).flatMap(([k, x]) => [encode(k, chunked), encode(x, chunked)]),
        Buffer.from([0xff]),
      ]);
    if (typeof v === 'string' && chunked && v.length > 1) {
      const half = Math.floor(v.length / 2);
      return Buffer.concat([
        Buffer.from([0x7f]),
        cborText(v.slice(0, half)),
        cborText(v.slice(half)),
        Buffer.from([0xff]),
      ]);
    }
    return Buffer.from(cbor.serialize(v));
  };
  return [encode(value, false).toString('hex'), encode(value, true).toString('hex')];
}

/** A body as the fuzzer shows it in a failure: JSON text, or CBOR as hex. */
const shown = (endpoint: Endpoint, body: Buffer, length = 200) =>
  endpoint.protocol === 'json'
    ? body.toString('utf8').slice(0, length)
    : `cbor ${body.subarray(0, length / 2).toString('hex')}`;

function assertNo5xx(answer: { status: number; body: string }, what: string) {
  assert.ok(answer.status < 500, `${what}: ${answer.status} ${answer.body.slice(0, 300)}`);
}

/** Every family, in the order the test runs them. */
export const FAMILIES: Family[] = [
  family(
    'answers wrong types, in JSON and in CBOR, with SerializationException',
    async (meterd) => {
      return fuzz(325, [typeConfusion(meterd)], async ({ endpoint, path, body }) => {
        meterd.count('type confusions');
        const encoded = encode(endpoint, body);
        const what = `${named(endpoint)} with ${path.join('.')} of the wrong type: ${shown(endpoint, encoded)}`;
        const answer = await call(meterd, what, framed(endpoint, encoded));
        assertError(endpoint, answer, 'SerializationException', what);
      });
    },
  ),

  family('answers constraint violations with an AWS-shaped 4xx', async (meterd) => {
    return fuzz(325, [constraintViolation(meterd)], async ({ endpoint, path, body }) => {
      meterd.count('constraint violations');
      const encoded = encode(endpoint, body);
      const what = `${named(endpoint)} with ${path.join('.') || 'the input'} broken: ${shown(endpoint, encoded)}`;
      const answer = await call(meterd, what, framed(endpoint, encoded));
      assertError(endpoint, answer, undefined, what);
    });
  }),

  family(
    'never fails on an arbitrary JSON or CBOR object, with or without the real member names',
    async (meterd) => {
      const names = [
        ...new Set(operationNames.flatMap((o) => Object.keys(inputShapes[o].members))),
        ...['CUSTOMER_IDENTIFIER', 'DIMENSION', 'CUSTOMER_AWS_ACCOUNT_ID', 'LICENSE_ARN'],
      ];
      const key = fc.oneof(fc.constantFrom(...names, '__proto__', 'constructor'), text);
      const body = fc.dictionary(key, fc.jsonValue({ maxDepth: 4 }), { maxKeys: 8 });
      return fuzz(275, [fc.constantFrom(...ENDPOINTS), body], async (endpoint, value) => {
        meterd.count('arbitrary objects');
        const encoded = encode(endpoint, value);
        const what = `${named(endpoint)} with ${shown(endpoint, encoded, 300)}`;
        const answer = await call(meterd, what, framed(endpoint, encoded));
        // An object that happens to be a valid call may succeed (an empty batch does).
        if (answer.status === 200) assertAnswer(endpoint, answer, what);
        else assertError(endpoint, answer, undefined, what);
      });
    },
  ),

  family(
    'answers bodies that are not a JSON object, or not UTF-8, with SerializationException',
    async (meterd) => {
      const invalidUtf8 = fc.constantFrom(
        [0xc3, 0x28],
        [0xff],
        [0xed, 0xa0, 0x80], // an encoded surrogate
        [0xf8, 0x88, 0x80, 0x80, 0x80],
        [0xe2, 0x82],
      );
      const bodies = fc.oneof(
        // Random bytes.
        fc.uint8Array({ minLength: 1, maxLength: 512 }).map((b) => Buffer.from(b)),
        // A valid body cut short.
        fc
          .tuple(fc.constantFrom(...operationNames), fc.double({ min: 0, max: 1, noNaN: true }))
          .map(([operation, at]) => {
            const json = JSON.stringify(validInput(meterd, operation));
            return Buffer.from(json.slice(0, Math.max(1, Math.floor(json.length * at) - 1)));
          })
          .filter((b) => b.toString().trim() !== ''),
        // A valid body with invalid UTF-8 inside a string.
        fc.tuple(fc.constantFrom(...operationNames), invalidUtf8).map(([operation, bytes]) => {
          const json = JSON.stringify(validInput(meterd, operation));
          const quote = json.indexOf('"', json.indexOf(':'));
          return Buffer.concat([
            Buffer.from(json.slice(0, quote + 1)),
            Buffer.from(bytes),
            Buffer.from(json.slice(quote + 1)),
          ]);
        }),
        // JSON that is not an object.
        fc
          .oneof(fc.jsonValue(), fc.array(fc.jsonValue()))
          .map((v) => Buffer.from(JSON.stringify(v))),
      );
      return fuzz(250, [fc.constantFrom(...JSON_ENDPOINTS), bodies], async (endpoint, body) => {
        meterd.count('raw JSON bodies');
        // Random bytes may happen to be an object (`{}`) or blank: validation answers those.
        const what = `${named(endpoint)} with ${JSON.stringify(body.toString('latin1').slice(0, 200))}`;
        const answer = await call(meterd, what, framed(endpoint, body));
        // The entitlement service's validation error is InvalidParameterException.
        assertAwsError(answer, /^(Serialization|Validation|InvalidParameter)Exception$/, what);
      });
    },
  ),

  family(
    'answers huge and deeply nested bodies with a 4xx, up to a 413 past 1 MB',
    async (meterd) => {
      const nested = fc
        .tuple(fc.integer({ min: 33, max: 150_000 }), fc.constantFrom('[', '{"a":'))
        .map(([depth, open]) => {
          const close = open === '[' ? ']' : '}';
          return `${open.repeat(depth)}0${close.repeat(depth)}`;
        });
      const where = fc.constantFrom(
        'UsageRecords',
        'RegistrationToken',
        'Unknown',
        'Tags',
        'Filter',
      );
      const bodies = fc.oneof(
        // Nested deeper than meterd accepts, under a real or an unknown member.
        fc.tuple(where, nested).map(([name, value]) => `{"${name}": ${value}}`),
        // A huge string in a member (over 1 MB: a 413).
        fc
          .tuple(
            fc.constantFrom('RegistrationToken', 'ProductCode', 'Nonce', 'Unknown'),
            fc.integer({ min: 256, max: Math.floor(1.2 * MB) }),
          )
          .map(([name, length]) => JSON.stringify({ [name]: 'x'.repeat(length) })),
        // A long list of small items where 25 records at most belong.
        fc
          .tuple(
            fc.integer({ min: 26, max: 300_000 }),
            fc.constantFrom('null', '{}', '0', '[]', '"x"'),
          )
          .map(([n, item]) => `{"UsageRecords": [${Array(n).fill(item).join(',')}]}`),
        // Many members.
        fc
          .integer({ min: 100, max: 100_000 })
          .map((n) =>
            JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]))),
          ),
        // Numbers beyond every range.
        fc
          .constantFrom('1e308', '-1e308', '123456789012345678901234567890', '1e-320', '-0')
          .map(
            (n) =>
              `{"UsageRecords": [{"Timestamp": ${n}, "Quantity": ${n}, "Dimension": "requests"}], "PublicKeyVersion": ${n}, "UsageQuantity": ${n}, "Timestamp": ${n}}`,
          ),
      );
      return fuzz(60, [fc.constantFrom(...JSON_ENDPOINTS), bodies], async (endpoint, body) => {
        meterd.count('huge or nested bodies');
        const what = `${named(endpoint)} with a ${body.length}-byte body ${body.slice(0, 80)}`;
        const answer = await call(meterd, what, framed(endpoint, body));
        if (Buffer.byteLength(body) > MB)
          assertAwsError(answer, 'RequestEntityTooLargeException', what);
        else assertAwsError(answer, undefined, what);
      });
    },
  ),

  family(
    'refuses garbled, missing and forged signatures with an authentication error',
    async (meterd) => {
      const printable = fc.string({
        unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
        maxLength: 60,
      });
      const keyId = fc.oneof(
        fc.constantFrom(...Object.values(KEYS).map((k) => k.accessKeyId)),
        printable.filter((s) => !s.includes('/') && !s.includes(',')),
      );
      const amzDate = fc.oneof(
        fc.constant(new Date().toISOString().replace(/[-:]|\.\d{3}/g, '')),
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString().replace(/[-:]|\.\d{3}/g, '')),
        printable,
      );
      const credential = fc
        .tuple(
          keyId,
          fc.oneof(
            amzDate.map((d) => d.slice(0, 8)),
            printable,
          ),
          fc.constantFrom('us-east-1', 'eu-west-1', ''),
          fc.constantFrom('aws-marketplace', 's3', ''),
          fc.constantFrom('aws4_request', 'aws5_request'),
        )
        .map((parts) => parts.join('/'));
      const authorization = fc.oneof(
        printable,
        fc
          .tuple(
            fc.constantFrom('AWS4-HMAC-SHA256', 'AWS4-HMAC-SHA512', 'AWS', 'Bearer'),
            credential,
            fc.constantFrom('host;x-amz-date', 'host;x-amz-date;x-amz-target', 'x-amz-date', ''),
            fc.oneof(hex64, printable),
          )
          .map(
            ([scheme, cred, signed, signature]) =>
              `${scheme} Credential=${cred}, SignedHeaders=${signed}, Signature=${signature}`,
          ),
      );
      const headers = fc.record(
        {
          authorization,
          'x-amz-date': amzDate,
          'x-amz-security-token': printable,
          'x-amz-content-sha256': hex64,
        },
        { requiredKeys: [] },
      );
      return fuzz(275, [fc.constantFrom(...ENDPOINTS), headers], async (endpoint, extra) => {
        meterd.count('garbled signatures');
        const what = `${named(endpoint)} with ${JSON.stringify(extra)}`;
        const body = encode(endpoint, validInput(meterd, endpoint.operation));
        const request = framed(endpoint, body, { unsigned: true });
        const { host: _, ...unsigned } = (await signCall(meterd.url, request)).headers;
        const response = await fetch(`${meterd.url}${request.path ?? '/'}`, {
          method: 'POST',
          headers: { ...unsigned, ...extra },
          body,
        });
        assertError(endpoint, seen(meterd, await plain(response)), AUTH_ERROR, what);
      });
    },
  ),

  family(
    'answers wrong content types with 415 and wrong targets with UnknownOperationException',
    async (meterd) => {
      const contentType = fc
        .oneof(
          visible,
          fc.constantFrom(
            'text/plain',
            'application/xml',
            'application/json-patch+json',
            'multipart/form-data; boundary=x',
            'application/x-amz-json-1.2',
            'application/cbor',
          ),
        )
        .filter(
          (t) => t.trim() !== '' && !ACCEPTED_TYPES.includes(t.split(';')[0]!.trim().toLowerCase()),
        );
      const targets = JSON_ENDPOINTS.map((e) => targetOf(e.operation));
      const target = fc
        .oneof(
          visible,
          fc.constantFrom(...targets).map((t) => t.replace(/\.(.*)$/, (o) => o.toLowerCase())),
          fc.constantFrom(...targets).map((t) => `${t}.Extra`),
          fc
            .constantFrom(...SERVICES.map((s) => s.metadata.targetPrefix))
            .chain((prefix) =>
              fc.constantFrom(
                `${prefix}.`,
                `${prefix}.__proto__`,
                `${prefix}.constructor`,
                `${prefix}.toString`,
                ...operationNames.map((o) => `${prefix}.${o}`),
              ),
            ),
          fc.constantFrom(...operationNames).map((o) => `.${o}`),
        )
        .filter((t) => !targets.includes(t.trim()));
      return fuzz(
        175,
        [
          fc.constantFrom(...JSON_ENDPOINTS),
          fc.oneof(
            contentType.map((value) => ({ contentType: value })),
            target.map((value) => ({ target: value })),
          ),
        ],
        async (endpoint, broken) => {
          meterd.count('content types and targets');
          const what = `${named(endpoint)} with ${JSON.stringify(broken)}`;
          const body = encode(endpoint, validInput(meterd, endpoint.operation));
          const answer = await call(meterd, what, framed(endpoint, body, broken));
          assertAwsError(
            answer,
            'contentType' in broken ? 'UnsupportedMediaTypeException' : 'UnknownOperationException',
            what,
          );
        },
      );
    },
  ),

  family(
    'answers RPC v2 CBOR with a wrong content type (415), smithy-protocol header or path (404), in CBOR',
    async (meterd) => {
      const contentType = fc
        .oneof(
          visible,
          fc.constantFrom(
            'application/json',
            'application/x-amz-json-1.1',
            'application/cbor-seq',
            'application/octet-stream',
            'text/plain',
          ),
        )
        .filter(
          (t) => t.trim() !== '' && t.split(';')[0]!.trim().toLowerCase() !== 'application/cbor',
        );
      // The header left out, or any other value (HTTP trims the ends of a value).
      const protocol = fc
        .oneof(
          fc.constant(null),
          visible,
          fc.constantFrom(
            '',
            'rpc-v2-json',
            'RPC-V2-CBOR',
            'rpc-v2-cbor, rpc-v2-cbor',
            'rpcv2cbor',
          ),
        )
        .filter((p) => p === null || p.trim() !== 'rpc-v2-cbor');
      const segment = fc.stringMatching(/^[A-Za-z0-9._~-]{1,30}$/);
      const prefixes = SERVICES.map((s) => s.metadata.targetPrefix);
      const path = fc
        .oneof(
          fc
            .tuple(
              fc.oneof(
                fc.constantFrom(...prefixes, ...prefixes.map((p) => p.toLowerCase())),
                segment,
              ),
              fc.oneof(
                fc.constantFrom(...operationNames, '__proto__', 'constructor', 'toString'),
                fc.constantFrom(...operationNames).map((o) => o.toLowerCase()),
                segment,
              ),
            )
            .map(([service, operation]) => `/service/${service}/operation/${operation}`),
          fc
            .constantFrom(...CBOR_ENDPOINTS)
            .chain(({ operation }) =>
              fc.constantFrom(
                `${cborPath(operation)}/extra`,
                cborPath(operation).replace('/operation/', '/operations/'),
                cborPath(operation).replace(/\/operation\/.*/, ''),
                `${cborPath(operation)}.json`,
                '/service/',
              ),
            ),
        )
        .filter((p) => !CBOR_ENDPOINTS.some((e) => cborPath(e.operation) === p));
      return fuzz(
        150,
        [
          fc.constantFrom(...CBOR_ENDPOINTS),
          fc.oneof(
            contentType.map((value) => ({ contentType: value })),
            protocol.map((value) => ({ protocol: value })),
            path.map((value) => ({ path: value })),
          ),
        ],
        async (endpoint, broken) => {
          meterd.count('CBOR content types, protocol headers and paths');
          const what = `${named(endpoint)} with ${JSON.stringify(broken)}`;
          const body = encode(endpoint, validInput(meterd, endpoint.operation));
          const overrides: RawCall =
            'protocol' in broken
              ? { headers: broken.protocol === null ? {} : { 'smithy-protocol': broken.protocol } }
              : broken;
          const answer = await call(meterd, what, framed(endpoint, body, overrides));
          assertCborError(
            answer,
            'contentType' in broken
              ? 'UnsupportedMediaTypeException'
              : 'protocol' in broken
                ? 'SerializationException'
                : 'UnknownOperationException',
            what,
          );
          if ('path' in broken) assert.equal(answer.status, 404, what);
        },
      );
    },
  ),

  family(
    'answers malformed, truncated and adversarial CBOR with an AWS-shaped 4xx in CBOR',
    async (meterd) => {
      const valid = (endpoint: Endpoint) =>
        encode(endpoint, validInput(meterd, endpoint.operation));
      const at = fc.double({ min: 0, max: 1, noNaN: true });
      const member = fc.constantFrom('ProductCode', 'Filter', 'NextToken', 'MaxResults', 'Unknown');
      /** A map of one member whose value is `value` (raw CBOR). */
      const under = (name: string, value: Buffer) =>
        Buffer.concat([Buffer.from([0xa1]), cborText(name), value]);
      const body = (endpoint: Endpoint) =>
        fc.oneof(
          // Random bytes.
          fc
            .uint8Array({ minLength: 1, maxLength: 512 })
            .map((b) => ({ kind: 'random bytes', bytes: Buffer.from(b) })),
          // A valid body cut short: never a whole item.
          at.map((where) => {
            const whole = valid(endpoint);
            return {
              kind: 'truncated',
              bytes: whole.subarray(0, Math.max(1, Math.floor(whole.length * where) - 1)),
              type: 'SerializationException',
            };
          }),
          // A valid body with one byte changed.
          fc.tuple(at, fc.integer({ min: 0, max: 255 })).map(([where, byte]) => {
            const bytes = Buffer.from(valid(endpoint));
            bytes[Math.min(bytes.length - 1, Math.floor(bytes.length * where))] = byte;
            return { kind: 'a byte changed', bytes };
          }),
          // A whole item that is not a map.
          fc
            .constantFrom(
              '00',
              '20',
              '3bffffffffffffffff',
              '1bffffffffffffffff',
              '4100',
              '6161',
              '820102',
              '80',
              'c11a5f000000',
              'c0647465787421',
              'f4',
              'f5',
              'f6',
              'f7',
              'f97e00',
              'f90000',
              'fb3ff8000000000000',
              'f820',
            )
            .map((hex) => ({
              kind: 'not a map',
              bytes: Buffer.from(hex, 'hex'),
              type: 'SerializationException',
            })),
          // A length far beyond the body, at the top or under a member.
          fc
            .tuple(
              fc.constantFrom(2, 3, 4, 5),
              fc.constantFrom(0xffff, 2 ** 31, 2 ** 32 - 1, 2 ** 53, 2n ** 64n - 1n),
              fc.uint8Array({ maxLength: 16 }),
              fc.option(member),
            )
            .map(([major, length, rest, name]) => {
              const item = Buffer.concat([cborHead(major, length), Buffer.from(rest)]);
              return {
                kind: 'huge length',
                bytes: name === null ? item : under(name, item),
                type: 'SerializationException',
              };
            }),
          // Nested deeper than meterd accepts (up to about a megabyte of nesting).
          fc
            .tuple(
              fc.integer({ min: 33, max: 300_000 }),
              fc.constantFrom('81', 'a16161', '9f', 'c6', 'bf6161'),
              member,
            )
            .map(([depth, open, name]) => ({
              kind: 'deep nesting',
              bytes: under(
                name,
                Buffer.concat([Buffer.from(open.repeat(depth), 'hex'), Buffer.from([0])]),
              ),
            })),
          // Indefinite-length items: well formed (a valid call), or broken.
          fc
            .constantFrom(
              ...indefinite(validInput(meterd, endpoint.operation)),
              'bf', // never ended
              'ff', // a break with nothing to end
              'bf6b50726f64756374436f6465ff', // a key with no value
              'bf6b50726f64756374436f64657f4161ffff', // a byte string chunk in a text string
              'bf6b50726f64756374436f64657f7f6161ffffff', // a text string chunk that is indefinite
              'bf6b50726f64756374436f64659f', // a list never ended
              'a16b50726f64756374436f6465ff', // a break in a definite map
            )
            .map((hex) => ({ kind: 'indefinite length', bytes: Buffer.from(hex, 'hex') })),
          // Reserved and unassigned initial bytes, at the top or under a member.
          fc
            .tuple(
              fc.constantFrom(
                '1c',
                '3d',
                '5e',
                '7c',
                '9d',
                'be',
                'dc',
                'fc',
                'fd',
                'fe',
                'f800',
                'f818',
              ),
              fc.option(member),
            )
            .map(([hex, name]) => ({
              kind: 'reserved byte',
              bytes: name === null ? Buffer.from(hex, 'hex') : under(name, Buffer.from(hex, 'hex')),
            })),
          // Keys that are not text, a key given twice, text that is not UTF-8, bytes after the item.
          fc
            .constantFrom(
              'a10102',
              'a18000',
              'a1416100',
              'a1f600',
              'a16646696c746572a101816161',
              `a26b50726f64756374436f6465${cborText('acme-saas').toString('hex')}6b50726f64756374436f646563616263`,
              'a16b50726f64756374436f646562c328',
              'a16b50726f64756374436f6465c11a5f000000',
            )
            .map((hex) => ({ kind: 'odd map', bytes: Buffer.from(hex, 'hex') })),
          fc.uint8Array({ minLength: 1, maxLength: 16 }).map((rest) => ({
            kind: 'trailing bytes',
            bytes: Buffer.concat([valid(endpoint), Buffer.from(rest)]),
          })),
          // Over 1 MB: a 413.
          fc.integer({ min: MB, max: Math.floor(1.2 * MB) }).map((length) => ({
            kind: 'over 1 MB',
            bytes: under('ProductCode', cborText('x'.repeat(length))),
            type: 'RequestEntityTooLargeException',
          })),
        );
      return fuzz(
        200,
        [
          fc
            .constantFrom(...CBOR_ENDPOINTS)
            .chain((e) => body(e).map((b) => ({ endpoint: e, ...b }))),
        ],
        async ({ endpoint, kind, bytes, ...expected }) => {
          meterd.count('malformed CBOR bodies');
          const what = `${named(endpoint)}, ${kind}: ${bytes.length} bytes ${shown(endpoint, bytes)}`;
          const answer = await call(meterd, what, framed(endpoint, bytes));
          // A change may leave a valid call (a byte of a filter value), and indefinite lengths are CBOR.
          if (answer.status === 200 && !('type' in expected)) assertAnswer(endpoint, answer, what);
          else assertCborError(answer, 'type' in expected ? expected.type : undefined, what);
        },
      );
    },
  ),

  family(
    'answers broken HTTP framing over raw sockets with an AWS-shaped 4xx or a closed connection',
    async (meterd) => {
      const emptyBatch = JSON.stringify({ ProductCode: 'acme-saas', UsageRecords: [] });
      const base = await rawRequest(meterd.url, { credentials: KEYS.acme, body: emptyBatch });
      const [head, body] = [
        base.subarray(0, base.indexOf('\r\n\r\n')).toString('latin1'),
        emptyBatch,
      ];
      const lines = head.split('\r\n');
      const headerLine = fc.oneof(
        fc.constantFrom(...lines.slice(1)),
        fc.constantFrom(
          'content-length: 0',
          `content-length: ${body.length + 5}`,
          'content-length: -1',
          'content-length: abc',
          'transfer-encoding: chunked',
          'transfer-encoding: gzip, chunked',
          'host: other.example',
          'content-type: text/plain',
          'expect: 100-continue',
          'connection: upgrade',
          'upgrade: websocket',
        ),
      );
      const garbage = fc
        .uint8Array({ minLength: 1, maxLength: 64 })
        .map((b) => Buffer.from(b).toString('latin1'));
      const at = fc.double({ min: 0, max: 1, noNaN: true });
      const framing = fc.oneof(
        // A header repeated, with the same or another value.
        headerLine.map((line) => ({ kind: 'duplicated header', head: `${head}\r\n${line}`, body })),
        // A header left out.
        fc.integer({ min: 1, max: lines.length - 1 }).map((i) => ({
          kind: 'missing header',
          head: lines.filter((_, j) => j !== i).join('\r\n'),
          body,
        })),
        // Garbage somewhere in the head.
        fc.tuple(at, garbage).map(([where, junk]) => {
          const i = Math.floor(head.length * where);
          return {
            kind: 'garbage in the head',
            head: `${head.slice(0, i)}${junk}${head.slice(i)}`,
            body,
          };
        }),
        // Another request line.
        fc
          .tuple(
            fc.constantFrom(
              'POST',
              'GET',
              'PUT',
              'DELETE',
              'OPTIONS',
              'TRACE',
              'CONNECT',
              'PRI',
              'post',
              'P0ST',
              '',
            ),
            fc.constantFrom(
              '/',
              '/?a=b',
              '//',
              '*',
              'http://x/',
              '/%00',
              '/..%2f',
              '/%',
              '/%E2%82',
              '',
            ),
            fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/0.9', 'HTTP/1.1 x', ''),
          )
          .map(([method, path, version]) => ({
            kind: 'request line',
            head: [`${method} ${path} ${version}`, ...lines.slice(1)].join('\r\n'),
            body,
          })),
        // The body sent chunked, well or badly.
        fc.tuple(fc.integer({ min: 1, max: 40 }), fc.boolean()).map(([size, broken]) => {
          const chunks: string[] = [];
          for (let i = 0; i < body.length; i += size) {
            const piece = body.slice(i, i + size);
            chunks.push(
              `${(broken ? piece.length + 3 : piece.length).toString(16)}\r\n${piece}\r\n`,
            );
          }
          const chunked = lines.filter((l) => !l.startsWith('content-length')).join('\r\n');
          return {
            kind: 'chunked body',
            head: `${chunked}\r\ntransfer-encoding: chunked`,
            body: `${chunks.join('')}0\r\n\r\n`,
          };
        }),
        // Pure garbage.
        garbage.map((junk) => ({ kind: 'garbage', head: junk, body: '' })),
      );
      return fuzz(300, [framing, fc.boolean()], async ({ kind, head: h, body: b }, halfClose) => {
        meterd.count('raw HTTP framings');
        const what = `${kind}: ${JSON.stringify(`${h}\r\n\r\n${b}`).slice(0, 400)}`;
        const result = await exchange(meterd.url, [`${h}\r\n\r\n${b}`], {
          end: halfClose,
          responses: 1,
          timeoutMs: 5000,
        });
        assertFramingOutcome(meterd, result, what);
      });
    },
  ),

  family(
    'cuts truncated requests that stall, and slow clients, within the timeouts',
    async (meterd) => {
      const emptyBatch = JSON.stringify({ ProductCode: 'acme-saas', UsageRecords: [] });
      const base = await rawRequest(meterd.url, { credentials: KEYS.acme, body: emptyBatch });
      const client = fc.oneof(
        // Cut anywhere, then silence.
        fc.double({ min: 0.01, max: 0.99, noNaN: true }).map((at) => ({
          kind: 'stalled',
          parts: [base.subarray(0, Math.floor(base.length * at))] as Part[],
        })),
        // The whole request, a few bytes at a time.
        fc
          .tuple(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 5, max: 150 }))
          .map(([size, pause]) => {
            const parts: Part[] = [];
            for (let i = 0; i < base.length; i += size)
              parts.push(base.subarray(i, i + size), pause);
            return { kind: 'slow', parts };
          }),
      );
      // Each property run is a crowd of such clients at once, while a fast one is served.
      return fuzz(
        3,
        [fc.array(client, { minLength: 4, maxLength: 10 })],
        async (crowd) => {
          const results = Promise.all(
            crowd.map(async ({ kind, parts }) => {
              meterd.count('slow or stalled clients');
              const result = await exchange(meterd.url, parts, { responses: 1, timeoutMs: 6000 });
              return [kind, result] as const;
            }),
          );
          const fast = await call(meterd, 'a fast client among slow ones', {
            credentials: KEYS.acme,
            body: emptyBatch,
          });
          assert.equal(fast.status, 200, fast.body);
          for (const [kind, result] of await results) {
            assertFramingOutcome(meterd, result, kind);
            assert.notEqual(result.end, 'timeout', `${kind}: cut within the timeouts`);
            if (result.responses.length > 0 && result.responses[0]!.status !== 200)
              assertAwsError(result.responses[0]!, 'RequestTimeoutException', kind);
          }
        },
        7, // clients in a crowd, on average
      );
    },
  ),

  family(
    'answers malformed admin API input, with the admin token, with a 4xx of its own shape',
    async (meterd) => {
      // Path segments as sent: encoded text, and raw escapes of NUL, of an encoded surrogate,
      // cut short, or bare.
      const segment = fc.oneof(
        text.map(encodeURIComponent),
        fc.constantFrom('acme-saas', '111111111111', '%00', '%ED%A0%80', '%E2%82', '%', '..', ''),
      );
      const route = fc.oneof(
        fc.constantFrom(
          'POST /accounts',
          'POST /agreements',
          'POST /registration-tokens',
          'POST /catalog',
          'POST /signing-keys/rotate',
        ),
        segment.map((id) => `POST /accounts/${id}/access-keys`),
        segment.map((code) => `PUT /products/${code}`),
        segment.map((arn) => `PATCH /agreements/${arn}`),
        segment.map((id) => `GET /accounts/${id}`),
        segment.map((code) => `GET /products/${code}`),
        fc
          .tuple(
            fc.constantFrom('/usage', '/events', '/agreements'),
            fc.dictionary(
              fc.constantFrom(
                'productCode',
                'customerAWSAccountId',
                'limit',
                'after',
                'startTime',
                'endTime',
                'operation',
                'eventName',
              ),
              fc.oneof(
                text,
                fc.constantFrom('-1', '0', '1e400', '99999999999999999', '\u0000', 'NaN'),
              ),
            ),
          )
          .map(([path, query]) => `GET ${path}?${new URLSearchParams(query)}`),
      );
      const names = [
        'accountId',
        'name',
        'accessKeys',
        'sellerAccountId',
        'type',
        'dimensions',
        'productCode',
        'customerAWSAccountId',
        'status',
        'endedAt',
        'accounts',
        'products',
        'agreements',
        'previousKeyGraceSeconds',
      ];
      const body = fc.oneof(
        fc
          .dictionary(fc.oneof(fc.constantFrom(...names), text), fc.jsonValue({ maxDepth: 3 }), {
            maxKeys: 6,
          })
          .map((v) => JSON.stringify(v)),
        fc.jsonValue().map((v) => JSON.stringify(v)),
        fc.string({ maxLength: 40 }),
      );
      return fuzz(200, [route, body], async (r, b) => {
        meterd.count('admin API calls');
        const [method, path] = r.split(' ') as [string, string];
        // Rotating keys with a valid body would succeed; keep the RegisterUsage key stable.
        if (path === '/signing-keys/rotate' && !b.startsWith('{')) return;
        const response = await fetch(`${meterd.url}/admin/v1${path}`, {
          method,
          headers: {
            authorization: `Bearer ${ADMIN_TOKEN}`,
            ...(method === 'GET' ? {} : { 'content-type': 'application/json' }),
          },
          ...(method === 'GET' ? {} : { body: b }),
        });
        const answer = seen(meterd, await plain(response));
        const what = `${r} ${b.slice(0, 200)}`;
        assertNo5xx(answer, what);
        // A path that leaves the admin routes ('..', an empty segment) is answered AWS-shaped.
        if (answer.headers['x-amzn-errortype']) assertAwsError(answer, undefined, what);
        else if (answer.status >= 400) {
          const json = JSON.parse(answer.body) as { error?: { code?: unknown; message?: unknown } };
          assert.equal(typeof json.error?.code, 'string', what);
          assert.equal(typeof json.error?.message, 'string', what);
        }
      });
    },
  ),
];

/**
 * The server answered (a 200 or an AWS-shaped 4xx) or closed the connection, within the
 * timeouts, and sent nothing but whole HTTP responses.
 */
function assertFramingOutcome(meterd: FuzzTarget, result: Exchange, what: string) {
  assert.notEqual(result.end, 'timeout', `${what}: no answer and still open`);
  for (const response of result.responses) {
    seen(meterd, response);
    assertNo5xx(response, what);
    if (response.status !== 200) assertAwsError(response, undefined, what);
  }
  if (result.end !== 'answered') assert.equal(result.leftover, '', `${what}: whole responses`);
}

/**
 * @module Who may call what, as one table: every metering operation against every kind of
 * caller (the product's seller, another seller, the entitled buyer, another buyer, and
 * requests that must fail authentication), and the admin API against every kind of token.
 *
 * Replays: AWS accepts an identical signed request again while its signature is within the
 * 15-minute window, and so does meterd. The metering operations are idempotent, so a replay is
 * deduplicated: it gets the original MeteringRecordId (the same customer, the same entitlement)
 * and stores nothing new. Once the signing time is more than 15 minutes old, the same bytes
 * are refused as expired.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN_TOKEN, KEYS, startMeterd, type Credentials, type Meterd } from './helpers/meterd.js';
import { assertAwsError, plain } from './helpers/raw-http.js';
import { signCall, type RawCall } from './helpers/sign.js';

type Operation = 'BatchMeterUsage' | 'ResolveCustomer' | 'MeterUsage' | 'RegisterUsage';
const OPERATIONS: Operation[] = [
  'BatchMeterUsage',
  'ResolveCustomer',
  'MeterUsage',
  'RegisterUsage',
];

/** `Success`, `Replayed` (the same answer again, nothing new stored) or an error shape name. */
type Outcome = 'Success' | 'Replayed' | string;

const INVALID_PRODUCT = 'InvalidProductCodeException';
const INVALID_TOKEN = 'InvalidTokenException';
const NOT_ENTITLED = 'CustomerNotEntitledException';
const UNRECOGNIZED = 'UnrecognizedClientException';
const BAD_SIGNATURE = 'InvalidSignatureException';

// prettier-ignore
const MATRIX: Array<[caller: string, outcomes: [Outcome, Outcome, Outcome, Outcome]]> = [
  //                                BatchMeterUsage   ResolveCustomer  MeterUsage      RegisterUsage
  ['the seller of the product',     ['Success',       'Success',       NOT_ENTITLED,   NOT_ENTITLED]],
  ['another seller',                [INVALID_PRODUCT, INVALID_TOKEN,   NOT_ENTITLED,   NOT_ENTITLED]],
  ['the entitled buyer',            [INVALID_PRODUCT, INVALID_TOKEN,   'Success',      'Success']],
  ['another buyer',                 [INVALID_PRODUCT, INVALID_TOKEN,   NOT_ENTITLED,   NOT_ENTITLED]],
  ['an unknown access key',         [UNRECOGNIZED,    UNRECOGNIZED,    UNRECOGNIZED,   UNRECOGNIZED]],
  ['an expired signature',          [BAD_SIGNATURE,   BAD_SIGNATURE,   BAD_SIGNATURE,  BAD_SIGNATURE]],
  ['a wrong region in the scope',   [BAD_SIGNATURE,   BAD_SIGNATURE,   BAD_SIGNATURE,  BAD_SIGNATURE]],
  ['a wrong service in the scope',  [BAD_SIGNATURE,   BAD_SIGNATURE,   BAD_SIGNATURE,  BAD_SIGNATURE]],
  ['a body tampered with',          [BAD_SIGNATURE,   BAD_SIGNATURE,   BAD_SIGNATURE,  BAD_SIGNATURE]],
  ['a replay within 15 minutes',    ['Replayed',      'Replayed',      'Replayed',     'Replayed']],
  ['a replay after 15 minutes',     [BAD_SIGNATURE,   BAD_SIGNATURE,   BAD_SIGNATURE,  BAD_SIGNATURE]],
];

// [caller, status of GET /catalog, POST /registration-tokens and GET /usage]
// prettier-ignore
const ADMIN_MATRIX: Array<[caller: string, headers: () => Promise<Record<string, string>>, status: number]> = [
  ['no token',                        async () => ({}),                                            401],
  ['an empty bearer token',           async () => ({ authorization: 'Bearer ' }),                  401],
  ['a wrong token',                   async () => ({ authorization: 'Bearer not-the-token' }),     401],
  ['the token with a suffix',         async () => ({ authorization: `Bearer ${ADMIN_TOKEN}x` }),   401],
  ['the token without "Bearer"',      async () => ({ authorization: ADMIN_TOKEN }),                401],
  ['the seller\'s SigV4 signature',    async () => sigv4Headers(KEYS.acme),                         401],
  ['the admin token',                 async () => ({ authorization: `Bearer ${ADMIN_TOKEN}` }),    200],
];

const SELLER = KEYS.acme;
const BUYER_INSTANCE = KEYS.globex; // an AMI instance of the buyer
const BUYER_TASK = KEYS.globexTask; // a container task of the buyer
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let meterd: Meterd;
let registrationToken: string;
let cells = 0;

before(async () => {
  meterd = await startMeterd();
  const minted = await meterd.admin<{ registrationToken: string }>('POST', '/registration-tokens', {
    productCode: 'acme-saas',
    customerAWSAccountId: '222222222222',
  });
  registrationToken = minted.body.registrationToken;
});
after(async () => {
  await meterd.stop();
  console.log(`authorization matrix: ${cells} cells checked`);
});

async function sigv4Headers(credentials: Credentials): Promise<Record<string, string>> {
  const { headers } = await signCall(meterd.url, { credentials, body: '{}' });
  const { host: _, ...rest } = headers;
  return rest;
}

// The rows that store records meter hours of their own, so that they never deduplicate each
// other: the seller's BatchMeterUsage and the buyer's MeterUsage an hour back, replays further.
const HOURS_BACK: Record<string, number> = {
  'a replay within 15 minutes': 2,
  'a replay after 15 minutes': 3,
};
const timestampFor = (caller: string) =>
  Math.floor(Date.now() / 3_600_000) * 3600 - 3600 * (HOURS_BACK[caller] ?? 1) + 60;

/** The legitimate call of each operation: who makes it and with what body. */
function legitimate(
  operation: Operation,
  timestamp: number,
): { credentials: Credentials; body: unknown } {
  switch (operation) {
    case 'BatchMeterUsage':
      return {
        credentials: SELLER,
        body: {
          ProductCode: 'acme-saas',
          UsageRecords: [
            {
              Timestamp: timestamp,
              CustomerAWSAccountId: '222222222222',
              Dimension: 'requests',
              Quantity: 3,
            },
          ],
        },
      };
    case 'ResolveCustomer':
      return { credentials: SELLER, body: { RegistrationToken: registrationToken } };
    case 'MeterUsage':
      return {
        credentials: BUYER_INSTANCE,
        body: {
          ProductCode: 'acme-ami',
          Timestamp: timestamp,
          UsageDimension: 'hours',
          UsageQuantity: 1,
        },
      };
    case 'RegisterUsage':
      return {
        credentials: BUYER_TASK,
        body: { ProductCode: 'acme-container', PublicKeyVersion: 1, Nonce: crypto.randomUUID() },
      };
  }
}

/** The call a kind of caller makes: the legitimate one, with other keys or broken after signing. */
function callFor(caller: string, operation: Operation): RawCall {
  const { credentials, body } = legitimate(operation, timestampFor(caller));
  const call: RawCall = { operation, credentials, body: JSON.stringify(body) };
  switch (caller) {
    case 'the seller of the product':
      return { ...call, credentials: SELLER };
    case 'another seller':
      return { ...call, credentials: KEYS.initech };
    case 'the entitled buyer':
      return { ...call, credentials: operation === 'RegisterUsage' ? BUYER_TASK : BUYER_INSTANCE };
    case 'another buyer':
      return { ...call, credentials: KEYS.hooli };
    case 'an unknown access key':
      return {
        ...call,
        credentials: { accessKeyId: 'AKIANOBODY0000000001', secretAccessKey: 'a-guessed-secret' },
      };
    case 'an expired signature':
      return { ...call, signingDate: new Date(Date.now() - 16 * 60_000) };
    case 'a wrong region in the scope':
      return { ...call, region: 'eu-west-1' };
    case 'a wrong service in the scope':
      return { ...call, service: 'execute-api' };
    case 'a body tampered with':
      return { ...call, after: (r) => (r.body = String(r.body).replace(/"(\w+)":/, '"$1" :')) };
    default:
      return call;
  }
}

async function send(signed: { headers: Record<string, string>; body: string | Buffer }) {
  const { host: _, ...headers } = signed.headers;
  return plain(await fetch(`${meterd.url}/`, { method: 'POST', headers, body: signed.body }));
}

type Answer = Awaited<ReturnType<typeof send>>;

/** Usage records stored for a product (all of them: this meterd serves only this test). */
async function stored(productCode: string): Promise<number> {
  const answer = await meterd.admin<{ records: unknown[] }>(
    'GET',
    `/usage?productCode=${productCode}&limit=1000`,
  );
  return answer.body.records.length;
}

/** Checks a successful answer; returns what a replay must answer again. */
function assertSuccess(operation: Operation, answer: Answer): unknown {
  assert.equal(answer.status, 200, `${operation}: ${answer.body}`);
  const json = JSON.parse(answer.body) as Record<string, unknown>;
  switch (operation) {
    case 'BatchMeterUsage': {
      const [result] = json.Results as Array<{ Status: string; MeteringRecordId: string }>;
      assert.equal(result?.Status, 'Success');
      assert.match(result.MeteringRecordId, UUID);
      return result.MeteringRecordId;
    }
    case 'ResolveCustomer':
      assert.equal(json.CustomerIdentifier, 'globex-on-acme');
      return json;
    case 'MeterUsage':
      assert.match(String(json.MeteringRecordId), UUID);
      return json.MeteringRecordId;
    case 'RegisterUsage': {
      const payload = String(json.Signature).split('.')[1]!;
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as {
        nonce: string;
      };
      return claims.nonce;
    }
  }
}

const PRODUCT: Record<Operation, string | undefined> = {
  BatchMeterUsage: 'acme-saas',
  MeterUsage: 'acme-ami',
  ResolveCustomer: undefined,
  RegisterUsage: undefined,
};

async function checkCell(caller: string, operation: Operation, expected: Outcome) {
  const what = `${operation} by ${caller}`;
  if (caller === 'a replay within 15 minutes') {
    const signed = await signCall(meterd.url, callFor(caller, operation));
    const first = assertSuccess(operation, await send(signed));
    const product = PRODUCT[operation];
    const before = product && (await stored(product));
    const again = assertSuccess(operation, await send(signed));
    assert.deepEqual(again, first, `${what}: the same answer`);
    if (product) assert.equal(await stored(product), before, `${what}: nothing new stored`);
    return;
  }
  if (caller === 'a replay after 15 minutes') {
    // Signed so that the first copy is just inside the window and the replay just outside.
    const signingDate = new Date(Math.floor(Date.now() / 1000) * 1000 - 15 * 60_000 + 3000);
    const signed = await signCall(meterd.url, { ...callFor(caller, operation), signingDate });
    assertSuccess(operation, await send(signed));
    const product = PRODUCT[operation];
    const before = product && (await stored(product));
    await new Promise((r) => setTimeout(r, signingDate.getTime() + 15 * 60_000 + 300 - Date.now()));
    const replay = await send(signed);
    assertAwsError(replay, expected, what);
    assert.match(String(JSON.parse(replay.body).message), /^Signature expired: /);
    if (product) assert.equal(await stored(product), before, `${what}: nothing new stored`);
    return;
  }
  const answer = await send(await signCall(meterd.url, callFor(caller, operation)));
  if (expected === 'Success') assertSuccess(operation, answer);
  else assertAwsError(answer, expected, what);
}

describe('authorization matrix', () => {
  it('gives every kind of caller of every operation its expected outcome', async () => {
    for (const [caller, outcomes] of MATRIX)
      await Promise.all(
        OPERATIONS.map(async (operation, i) => {
          await checkCell(caller, operation, outcomes[i]!);
          cells++;
        }),
      );
    // Stored: one record per successful BatchMeterUsage and MeterUsage cell, replays included
    // once; every refused call stored nothing.
    const successes = (operation: Operation) =>
      MATRIX.filter(([caller, outcomes]) => {
        const outcome = outcomes[OPERATIONS.indexOf(operation)];
        return outcome === 'Success' || outcome === 'Replayed' || caller.includes('after 15');
      }).length;
    assert.equal(await stored('acme-saas'), successes('BatchMeterUsage'));
    assert.equal(await stored('acme-ami'), successes('MeterUsage'));
  });

  it('lets only the admin token into the admin API', async () => {
    const routes: Array<[string, string, unknown?]> = [
      ['GET', '/catalog'],
      [
        'POST',
        '/registration-tokens',
        { productCode: 'acme-saas', customerAWSAccountId: '222222222222' },
      ],
      ['GET', '/usage'],
    ];
    for (const [caller, headers, status] of ADMIN_MATRIX)
      for (const [method, path, body] of routes) {
        const response = await fetch(`${meterd.url}/admin/v1${path}`, {
          method,
          headers: {
            ...(await headers()),
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        const json = (await response.json()) as { error?: { code: string } };
        const expected = status === 200 && method === 'POST' ? 201 : status;
        assert.equal(response.status, expected, `${method} ${path} with ${caller}`);
        if (status === 401) assert.equal(json.error?.code, 'Unauthorized');
        cells++;
      }
  });
});

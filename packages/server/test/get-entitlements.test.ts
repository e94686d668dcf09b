/**
 * @module GetEntitlements against a real meterd with the official AWS SDK for JavaScript's
 * entitlement client, each protocol forced explicitly (AWS JSON 1.1 and Smithy RPC v2 CBOR):
 * every filter, paging, who may call, the service's errors in each protocol's encoding, the
 * audit event (which says the protocol a call came in), and entitlements managed through the
 * admin API. Raw CBOR requests cover the framing's edge cases.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  GetEntitlementsCommand,
  InvalidParameterException,
  MarketplaceEntitlementServiceClient,
  paginateGetEntitlements,
  type Entitlement,
  type GetEntitlementsCommandInput,
} from '@aws-sdk/client-marketplace-entitlement-service';
import { AwsJson1_1Protocol, AwsSmithyRpcV2CborProtocol } from '@aws-sdk/core/protocols';
import { cbor } from '@smithy/core/cbor';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { ARN, BUYER, CATALOG, LATER, SELLER } from './helpers/entitlements-catalog.js';
import type { AuditEvent } from '../src/audit/event.js';
import { startMeterd, type Meterd } from './helpers/meterd.js';

const PROTOCOLS = {
  json: { protocol: AwsJson1_1Protocol, recorded: 'json' },
  cbor: { protocol: AwsSmithyRpcV2CborProtocol, recorded: 'smithy-rpc-v2-cbor' },
} as const;

/** What a test compares of an entitlement: its customer, dimension and value. */
const brief = (e: Entitlement) =>
  `${e.CustomerIdentifier}/${e.Dimension}=${JSON.stringify(Object.values(e.Value ?? {})[0])}`;

describe('GetEntitlements', () => {
  let meterd: Meterd;
  const clients: MarketplaceEntitlementServiceClient[] = [];
  const client = (kind: keyof typeof PROTOCOLS, credentials = SELLER) => {
    const c = new MarketplaceEntitlementServiceClient({
      endpoint: meterd.url,
      region: 'us-east-1',
      // A copy: the SDK marks the credentials object it is given.
      credentials: { ...credentials },
      maxAttempts: 1,
      protocol: PROTOCOLS[kind].protocol,
    });
    clients.push(c);
    return c;
  };
  const events = async () =>
    (
      await meterd.admin<{ events: AuditEvent[] }>(
        'GET',
        '/events?eventName=GetEntitlements&limit=1000',
      )
    ).body.events;

  before(async () => {
    meterd = await startMeterd({ catalog: CATALOG as never });
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await meterd?.stop();
  });

  for (const kind of ['json', 'cbor'] as const) {
    describe(`with the JavaScript SDK, ${kind} forced`, () => {
      const get = (input: GetEntitlementsCommandInput, credentials = SELLER) =>
        client(kind, credentials).send(new GetEntitlementsCommand(input));

      it('answers every entitlement of the product in force, with its value and expiry', async () => {
        const out = await get({ ProductCode: 'ent-saas' });
        assert.deepEqual(out.Entitlements?.map(brief), [
          'cust-a/premium=true',
          'cust-a/ratio=0.5',
          'cust-a/seats=25',
          'cust-a/tier="gold"',
          'cust-b/seats=5',
        ]);
        assert.equal(out.NextToken, undefined);
        const seats = out.Entitlements!.find((e) => e.Dimension === 'seats')!;
        assert.deepEqual(seats, {
          ProductCode: 'ent-saas',
          Dimension: 'seats',
          CustomerIdentifier: 'cust-a',
          CustomerAWSAccountId: '222222222222',
          Value: { IntegerValue: 25 },
          ExpirationDate: new Date(LATER),
          LicenseArn: ARN('222222222222'),
        });
      });

      it('filters by each filter (values OR, filters AND)', async () => {
        const cases: Array<[GetEntitlementsCommandInput['Filter'], string[]]> = [
          [{ CUSTOMER_IDENTIFIER: ['cust-b'] }, ['cust-b/seats=5']],
          [{ CUSTOMER_IDENTIFIER: ['cust-b', 'cust-c', 'nobody'] }, ['cust-b/seats=5']],
          [{ CUSTOMER_AWS_ACCOUNT_ID: ['444444444444'] }, ['cust-b/seats=5']],
          [{ LICENSE_ARN: [ARN('444444444444')] }, ['cust-b/seats=5']],
          [
            { CUSTOMER_IDENTIFIER: ['cust-a', 'cust-b'], DIMENSION: ['seats'] },
            ['cust-a/seats=25', 'cust-b/seats=5'],
          ],
          [
            { CUSTOMER_AWS_ACCOUNT_ID: ['222222222222'], DIMENSION: ['tier', 'ratio'] },
            ['cust-a/ratio=0.5', 'cust-a/tier="gold"'],
          ],
          [{ LICENSE_ARN: [ARN('222222222222')], CUSTOMER_IDENTIFIER: ['cust-b'] }, []],
        ];
        for (const [Filter, expected] of cases) {
          const out = await get({ ProductCode: 'ent-saas', Filter });
          assert.deepEqual(out.Entitlements?.map(brief), expected, JSON.stringify(Filter));
        }
      });

      it('pages with MaxResults and NextToken, through the SDK paginator too', async () => {
        const first = await get({ ProductCode: 'ent-saas', MaxResults: 2 });
        assert.equal(first.Entitlements?.length, 2);
        assert.ok(first.NextToken);
        const second = await get({
          ProductCode: 'ent-saas',
          MaxResults: 2,
          NextToken: first.NextToken,
        });
        assert.deepEqual(second.Entitlements?.map(brief), [
          'cust-a/seats=25',
          'cust-a/tier="gold"',
        ]);
        const pages = [];
        for await (const page of paginateGetEntitlements(
          { client: client(kind), pageSize: 2 },
          { ProductCode: 'ent-saas' },
        ))
          pages.push(page.Entitlements?.map(brief));
        assert.deepEqual(pages, [
          ['cust-a/premium=true', 'cust-a/ratio=0.5'],
          ['cust-a/seats=25', 'cust-a/tier="gold"'],
          ['cust-b/seats=5'],
        ]);
      });

      it("answers the service's errors in this protocol's encoding, as modelled classes", async () => {
        const token = (await get({ ProductCode: 'ent-saas', MaxResults: 1 })).NextToken!;
        const cases: Array<[string, GetEntitlementsCommandInput, RegExp, typeof SELLER?]> = [
          [
            'a made-up NextToken',
            { ProductCode: 'ent-saas', NextToken: 'not-a-token' },
            /NextToken/,
          ],
          [
            "another filter's NextToken",
            {
              ProductCode: 'ent-saas',
              NextToken: token,
              Filter: { DIMENSION: ['seats'], CUSTOMER_IDENTIFIER: ['cust-a'] },
            },
            /NextToken/,
          ],
          [
            'MaxResults above 25',
            { ProductCode: 'ent-saas', MaxResults: 26 },
            /maxResults.*less than or equal to 25/,
          ],
          [
            'MaxResults 0',
            { ProductCode: 'ent-saas', MaxResults: 0 },
            /greater than or equal to 1/,
          ],
          [
            'an unknown filter name',
            { ProductCode: 'ent-saas', Filter: { SEATS: ['1'] } as never },
            /enum value set/,
          ],
          [
            'an empty filter list',
            { ProductCode: 'ent-saas', Filter: { DIMENSION: [] } },
            /length greater than or equal to 1/,
          ],
          [
            'both customer filters',
            {
              ProductCode: 'ent-saas',
              Filter: {
                CUSTOMER_IDENTIFIER: ['cust-a'],
                CUSTOMER_AWS_ACCOUNT_ID: ['222222222222'],
              },
            },
            /cannot be used together/,
          ],
          [
            'DIMENSION alone',
            { ProductCode: 'ent-saas', Filter: { DIMENSION: ['seats'] } },
            /along with DIMENSION/,
          ],
          ['an unknown product', { ProductCode: 'no-such-product' }, /Invalid product code/],
          ["another seller's product", { ProductCode: 'other-saas' }, /Invalid product code/],
          ["the buyer's key", { ProductCode: 'ent-saas' }, /Invalid product code/, BUYER],
        ];
        for (const [what, input, message, credentials] of cases) {
          await assert.rejects(
            get(input, credentials),
            (err: InvalidParameterException) => {
              assert.ok(err instanceof InvalidParameterException, `${what}: ${err.name}`);
              assert.equal(err.$metadata.httpStatusCode, 400, what);
              assert.match(err.message, message, what);
              return true;
            },
            what,
          );
        }
      });

      it("records each call once, with the entitlement service's event source and protocol", async () => {
        const { $metadata } = await get({
          ProductCode: 'ent-saas',
          Filter: { CUSTOMER_IDENTIFIER: ['cust-b'] },
        });
        const event = (await events()).find((e) => e.requestID === $metadata.requestId);
        assert.ok(event, 'the call is audited');
        assert.equal(event.eventSource, 'entitlement-marketplace.amazonaws.com');
        assert.equal(event.readOnly, true);
        assert.equal(event.additionalEventData?.protocol, PROTOCOLS[kind].recorded);
        assert.equal((event.requestParameters as { productCode: string }).productCode, 'ent-saas');
        assert.equal(
          (event.responseElements as { entitlements: unknown[] }).entitlements.length,
          1,
        );
        assert.equal((await events()).filter((e) => e.requestID === $metadata.requestId).length, 1);
      });
    });
  }

  it('serves entitlements changed through the admin API at once, and refuses bad ones', async () => {
    const arn = encodeURIComponent(ARN('444444444444'));
    const put = await meterd.admin('PUT', `/agreements/${arn}/entitlements`, {
      entitlements: [{ dimension: 'seats', integerValue: 50 }],
    });
    assert.equal(put.status, 200);
    const out = await client('cbor').send(
      new GetEntitlementsCommand({
        ProductCode: 'ent-saas',
        Filter: { CUSTOMER_IDENTIFIER: ['cust-b'] },
      }),
    );
    assert.deepEqual(out.Entitlements?.map(brief), ['cust-b/seats=50']);
    const refusals: Array<[unknown, RegExp]> = [
      [
        { entitlements: [{ dimension: 'gpus', integerValue: 1 }] },
        /entitlements\[0\]\.dimension: 'gpus' is not a dimension/,
      ],
      [
        { entitlements: [{ dimension: 'seats', integerValue: 1, stringValue: 'x' }] },
        /entitlements\[0\]: needs exactly one of/,
      ],
      [{ entitlements: [{ dimension: 'seats' }] }, /needs exactly one of/],
      [
        { entitlements: [{ dimension: 'seats', integerValue: 1.5 }] },
        /integerValue: must be a whole number/,
      ],
      [
        {
          entitlements: [
            { dimension: 'seats', integerValue: 1 },
            { dimension: 'seats', integerValue: 2 },
          ],
        },
        /given twice/,
      ],
      [{}, /entitlements must be a list/],
    ];
    for (const [body, message] of refusals) {
      const answer = await meterd.admin<{ error: { code: string; message: string } }>(
        'PUT',
        `/agreements/${arn}/entitlements`,
        body,
      );
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.match(answer.body.error.message, message);
    }
    const cleared = await meterd.admin('DELETE', `/agreements/${arn}/entitlements`);
    assert.deepEqual(cleared.body, { licenseArn: ARN('444444444444'), entitlements: [] });
    const missing = await meterd.admin(
      'GET',
      `/agreements/${encodeURIComponent('arn:nope')}/entitlements`,
    );
    assert.equal(missing.status, 404);
  });
});

/** Signs and sends a raw RPC v2 CBOR request for `path`, as the SDK would sign it. */
async function rawCbor(
  url: string,
  path: string,
  body: Uint8Array,
  headers: Record<string, string>,
) {
  const base = new URL(url);
  const request = new HttpRequest({
    method: 'POST',
    protocol: base.protocol,
    hostname: base.hostname,
    port: Number(base.port),
    path,
    headers: { host: base.host, ...headers },
    body,
  });
  const signer = new SignatureV4({
    credentials: { ...SELLER },
    region: 'us-east-1',
    service: 'aws-marketplace',
    sha256: Hash.bind(null, 'sha256'),
  });
  const signed = await signer.sign(request);
  const { host: _, ...send } = signed.headers;
  const answer = await fetch(`${url}${path}`, { method: 'POST', headers: send, body });
  const bytes = new Uint8Array(await answer.arrayBuffer());
  return { status: answer.status, headers: answer.headers, body: cbor.deserialize(bytes) };
}

describe('the RPC v2 CBOR framing', () => {
  let meterd: Meterd;
  before(async () => {
    meterd = await startMeterd({ catalog: CATALOG as never });
  });
  after(() => meterd?.stop());

  const PATH = '/service/AWSMPEntitlementService/operation/GetEntitlements';
  const CBOR_HEADERS = { 'content-type': 'application/cbor', 'smithy-protocol': 'rpc-v2-cbor' };
  const valid = cbor.serialize({ ProductCode: 'ent-saas', MaxResults: 1 }).slice();
  const NS = 'com.amazonaws.marketplaceentitlementservice';

  const cases: Array<[string, string, Uint8Array, Record<string, string>, number, string]> = [
    [
      'wrong content type',
      PATH,
      valid,
      { ...CBOR_HEADERS, 'content-type': 'application/json' },
      415,
      'UnsupportedMediaTypeException',
    ],
    [
      'malformed CBOR',
      PATH,
      new Uint8Array([0xa1, 0x61]),
      CBOR_HEADERS,
      400,
      'SerializationException',
    ],
    [
      'CBOR that is not a map',
      PATH,
      cbor.serialize([1, 2]).slice(),
      CBOR_HEADERS,
      400,
      'SerializationException',
    ],
    [
      'an unknown operation',
      '/service/AWSMPEntitlementService/operation/GetSeats',
      valid,
      CBOR_HEADERS,
      404,
      'UnknownOperationException',
    ],
    [
      'a metering operation (JSON only)',
      '/service/AWSMPMeteringService/operation/MeterUsage',
      valid,
      CBOR_HEADERS,
      404,
      'UnknownOperationException',
    ],
    [
      'no smithy-protocol header',
      PATH,
      valid,
      { 'content-type': 'application/cbor' },
      400,
      'SerializationException',
    ],
    [
      'a wrong ProductCode type',
      PATH,
      cbor.serialize({ ProductCode: 7 }).slice(),
      CBOR_HEADERS,
      400,
      'SerializationException',
    ],
  ];
  for (const [what, path, body, headers, status, type] of cases)
    it(`answers ${what} with ${status} ${type}, CBOR-encoded`, async () => {
      const answer = await rawCbor(meterd.url, path, body, headers);
      assert.equal(answer.status, status);
      assert.equal(answer.headers.get('content-type'), 'application/cbor');
      assert.equal(answer.headers.get('smithy-protocol'), 'rpc-v2-cbor');
      const namespaced = path.includes('AWSMPEntitlementService') || path.includes('AWSMPMetering');
      assert.equal(
        answer.body.__type,
        namespaced
          ? `${path.includes('Metering') ? 'com.amazonaws.marketplacemetering' : NS}#${type}`
          : type,
      );
      assert.equal(typeof answer.body.message, 'string');
    });

  it('answers a valid request with a CBOR body and the protocol header', async () => {
    const answer = await rawCbor(meterd.url, PATH, valid, CBOR_HEADERS);
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('smithy-protocol'), 'rpc-v2-cbor');
    assert.equal(answer.body.Entitlements.length, 1);
    assert.equal(typeof answer.body.NextToken, 'string');
  });

  it('takes an empty body as an empty input (ProductCode is then missing)', async () => {
    const answer = await rawCbor(meterd.url, PATH, new Uint8Array(), {
      'smithy-protocol': 'rpc-v2-cbor',
    });
    assert.equal(answer.status, 400);
    assert.equal(answer.body.__type, `${NS}#InvalidParameterException`);
    assert.match(answer.body.message, /productCode.*must not be null/);
  });
});

/**
 * @module MeterUsage through the official AWS SDK for JavaScript against a real meterd.
 */

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  MeterUsageCommand,
  type MarketplaceMeteringClient,
  type MeterUsageCommandInput,
} from '@aws-sdk/client-marketplace-metering';
import { KEYS, minutesAgo, startMeterd, type Credentials, type Meterd } from './helpers/meterd.js';
import { newAccessKey, newBuyer, rejectsWith, rewriteBody } from './helpers/sdk.js';

const GLOBEX = '222222222222';
const HOUR = 3600_000;

/** The start of the hour `n` hours before the current one. */
const hourStart = (n: number) => new Date(Math.floor(Date.now() / HOUR) * HOUR - n * HOUR);
/** A time `minutes` (and `ms`) into the hour that starts at `hour`. */
const into = (hour: Date, minutes: number, ms = 0) =>
  new Date(hour.getTime() + minutes * 60_000 + ms);

interface UsageRow {
  meteringRecordId: string;
  operation: string;
  productCode: string;
  customerAWSAccountId: string;
  dimension: string;
  usageTime: string;
  quantity: number;
  allocations: unknown;
  callerAccessKeyId: string;
}

let meterd: Meterd;
let globex: MarketplaceMeteringClient;
let suspendedBuyer: Credentials;
let unsubscribedBuyer: Credentials;
let lapsedBuyer: Credentials;

before(async () => {
  meterd = await startMeterd();
  globex = meterd.client(KEYS.globex);
  suspendedBuyer = (await newBuyer(meterd, { 'acme-ami': 'suspended' })).key;
  unsubscribedBuyer = (
    await newBuyer(meterd, {
      'acme-ami': { status: 'unsubscribed', endedAt: minutesAgo(30).toISOString() },
    })
  ).key;
  const agent2 = await meterd.admin('PUT', '/products/acme-agent-2', {
    sellerAccountId: '111111111111',
    type: 'container',
    dimensions: ['invocations'],
    meterUsageMode: 'continuous',
  });
  assert.equal(agent2.status, 200);
  const subscribed = await meterd.admin('POST', '/agreements', {
    productCode: 'acme-agent-2',
    customerAWSAccountId: GLOBEX,
  });
  assert.equal(subscribed.status, 201);
  lapsedBuyer = (
    await newBuyer(meterd, {
      'acme-ami': { status: 'unsubscribed', endedAt: minutesAgo(90).toISOString() },
    })
  ).key;
});
after(() => meterd.stop());

const meter = (client: MarketplaceMeteringClient, input: MeterUsageCommandInput) =>
  client.send(new MeterUsageCommand(input));

const ami = (over: Partial<MeterUsageCommandInput> = {}): MeterUsageCommandInput => ({
  ProductCode: 'acme-ami',
  Timestamp: minutesAgo(5),
  UsageDimension: 'hours',
  UsageQuantity: 1,
  ...over,
});

async function usage(query: Record<string, string> = {}): Promise<UsageRow[]> {
  const { status, body } = await meterd.admin<{ records: UsageRow[] }>(
    'GET',
    `/usage?${new URLSearchParams({ limit: '1000', ...query })}`,
  );
  assert.equal(status, 200);
  return body.records;
}

const recordsOf = async (key: Credentials, productCode: string) =>
  (await usage({ productCode })).filter((r) => r.callerAccessKeyId === key.accessKeyId);

/** A client for a new running resource (access key) of the buyer Globex. */
async function newResource(): Promise<[MarketplaceMeteringClient, Credentials]> {
  const key = await newAccessKey(meterd, GLOBEX);
  return [meterd.client(key), key];
}

describe('MeterUsage in hourly mode (AMI and container products by default)', () => {
  for (const [productCode, dimension] of [
    ['acme-ami', 'hours'],
    ['acme-container', 'vcpu'],
  ] as const)
    it(`${productCode}: rounds down to the hour, one record per hour, dimension and resource`, async () => {
      const [client, key] = await newResource();
      const hour = hourStart(1);
      const input = {
        ProductCode: productCode,
        UsageDimension: dimension,
        Timestamp: into(hour, 17, 250),
        UsageQuantity: 4,
      };
      const first = await meter(client, input);
      assert.match(first.MeteringRecordId!, /^[0-9a-f-]{36}$/);
      // An identical retry (the SDK sends a fresh ClientToken) and the same quantity later in
      // the same hour are the same record.
      const retry = await meter(client, input);
      const later = await meter(client, { ...input, Timestamp: into(hour, 48) });
      assert.equal(retry.MeteringRecordId, first.MeteringRecordId);
      assert.equal(later.MeteringRecordId, first.MeteringRecordId);
      await rejectsWith(
        meter(client, { ...input, Timestamp: into(hour, 50), UsageQuantity: 5 }),
        'DuplicateRequestException',
      );
      const earlier = new Date(hour.getTime() - HOUR);
      const next = await meter(client, { ...input, Timestamp: into(earlier, 5) });
      assert.notEqual(next.MeteringRecordId, first.MeteringRecordId);

      const rows = await recordsOf(key, productCode);
      assert.deepEqual(
        rows
          .map((r) => [r.meteringRecordId, r.usageTime, r.quantity, r.dimension, r.operation])
          .sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
        [
          [next.MeteringRecordId, earlier.toISOString(), 4, dimension, 'MeterUsage'],
          [first.MeteringRecordId, hour.toISOString(), 4, dimension, 'MeterUsage'],
        ],
        'the earlier quantity stands, timestamps rounded down to the hour',
      );
      assert.ok(rows.every((r) => r.customerAWSAccountId === GLOBEX));
    });

  it('answers concurrent identical calls (a retry storm) with one record', async () => {
    const [client, key] = await newResource();
    const input = ami({ Timestamp: into(hourStart(1), 20), UsageQuantity: 9 });
    const answers = await Promise.all(Array.from({ length: 10 }, () => meter(client, input)));
    assert.equal(new Set(answers.map((a) => a.MeteringRecordId)).size, 1);
    assert.equal((await recordsOf(key, 'acme-ami')).length, 1);
  });

  it('gives each running resource (access key) of one buyer its own record for the hour', async () => {
    const [one, oneKey] = await newResource();
    const [two, twoKey] = await newResource();
    const t = into(hourStart(1), 30);
    const a = await meter(one, ami({ Timestamp: t, UsageQuantity: 1 }));
    const b = await meter(two, ami({ Timestamp: t, UsageQuantity: 2 }));
    assert.notEqual(a.MeteringRecordId, b.MeteringRecordId);
    assert.deepEqual(
      (await recordsOf(oneKey, 'acme-ami')).map((r) => r.quantity),
      [1],
    );
    assert.deepEqual(
      (await recordsOf(twoKey, 'acme-ami')).map((r) => r.quantity),
      [2],
    );
  });

  it('keeps one record per dimension in the same hour', async () => {
    const [client, key] = await newResource();
    const t = into(hourStart(1), 10);
    const hours = await meter(client, ami({ Timestamp: t, UsageDimension: 'hours' }));
    const vcpu = await meter(client, ami({ Timestamp: t, UsageDimension: 'vcpu' }));
    assert.notEqual(hours.MeteringRecordId, vcpu.MeteringRecordId);
    assert.deepEqual((await recordsOf(key, 'acme-ami')).map((r) => r.dimension).sort(), [
      'hours',
      'vcpu',
    ]);
  });

  it('defaults UsageQuantity to 0, a normal zero-usage record', async () => {
    const [client, key] = await newResource();
    const { MeteringRecordId } = await meter(client, ami({ UsageQuantity: undefined }));
    const rows = await recordsOf(key, 'acme-ami');
    assert.deepEqual(
      rows.map((r) => [r.meteringRecordId, r.quantity]),
      [[MeteringRecordId, 0]],
    );
  });

  it('stores usage allocations with their tags', async () => {
    const [client, key] = await newResource();
    const allocations = [
      {
        AllocatedUsageQuantity: 3,
        Tags: [
          { Key: 'team', Value: 'blue' },
          { Key: 'env', Value: 'prod/eu-1:a@b+c=d' },
        ],
      },
      { AllocatedUsageQuantity: 0, Tags: [{ Key: 'team', Value: 'red' }] },
      { AllocatedUsageQuantity: 2 },
    ];
    await meter(client, ami({ UsageQuantity: 5, UsageAllocations: allocations }));
    const [row] = await recordsOf(key, 'acme-ami');
    assert.deepEqual(row?.allocations, allocations);
  });

  it('accepts usage just inside the 6-hour window', async () => {
    const [client, key] = await newResource();
    const t = minutesAgo(355);
    await meter(client, ami({ Timestamp: t }));
    const [row] = await recordsOf(key, 'acme-ami');
    assert.equal(row?.usageTime, new Date(Math.floor(t.getTime() / HOUR) * HOUR).toISOString());
  });

  it('accepts temporary credentials (a task role with its session token)', async () => {
    const task = meterd.client(KEYS.globexTask);
    const { MeteringRecordId } = await meter(task, ami({ Timestamp: into(hourStart(3), 1) }));
    const [row] = (await recordsOf(KEYS.globexTask, 'acme-ami')).filter(
      (r) => r.meteringRecordId === MeteringRecordId,
    );
    assert.equal(row?.customerAWSAccountId, GLOBEX);
    const { sessionToken: _, ...withoutToken } = KEYS.globexTask;
    for (const credentials of [
      withoutToken,
      { ...KEYS.globexTask, sessionToken: 'another-session-token' },
    ])
      await rejectsWith(meter(meterd.client(credentials), ami()), 'UnrecognizedClientException');
  });

  it('honours usage up to the unsubscribe time for one hour after it', async () => {
    const client = meterd.client(unsubscribedBuyer);
    const { MeteringRecordId } = await meter(client, ami({ Timestamp: minutesAgo(40) }));
    assert.ok(MeteringRecordId);
    await rejectsWith(
      meter(client, ami({ Timestamp: minutesAgo(10) })),
      'CustomerNotEntitledException',
    );
  });
});

describe('MeterUsage in continuous mode (acme-agent)', () => {
  const agent = (over: Partial<MeterUsageCommandInput> = {}): MeterUsageCommandInput => ({
    ProductCode: 'acme-agent',
    UsageDimension: 'invocations',
    Timestamp: into(hourStart(1), 12, 345),
    UsageQuantity: 2,
    ClientToken: randomUUID(),
    ...over,
  });

  it('keeps the exact timestamp and deduplicates by ClientToken', async () => {
    const input = agent();
    const first = await meter(globex, input);
    const again = await meter(globex, input);
    assert.equal(again.MeteringRecordId, first.MeteringRecordId);
    // The token belongs to the buyer's account: another resource of it retrying is the same call.
    const [other] = await newResource();
    assert.equal((await meter(other, input)).MeteringRecordId, first.MeteringRecordId);
    const rows = (await usage({ productCode: 'acme-agent' })).filter(
      (r) => r.meteringRecordId === first.MeteringRecordId,
    );
    assert.deepEqual(
      rows.map((r) => [r.usageTime, r.quantity]),
      [[input.Timestamp!.toISOString(), 2]],
    );
  });

  const conflicts: Array<[string, Partial<MeterUsageCommandInput>]> = [
    ['a different quantity', { UsageQuantity: 3 }],
    ['another continuous product of the same seller', { ProductCode: 'acme-agent-2' }],
    ['a different timestamp in the same hour', { Timestamp: into(hourStart(1), 13) }],
    [
      'different allocations',
      { UsageAllocations: [{ AllocatedUsageQuantity: 2, Tags: [{ Key: 'k', Value: 'v' }] }] },
    ],
  ];
  for (const [what, change] of conflicts)
    it(`answers IdempotencyConflictException (HTTP 409) to a reused ClientToken with ${what}`, async () => {
      const input = agent();
      const { MeteringRecordId } = await meter(globex, input);
      await rejectsWith(meter(globex, { ...input, ...change }), 'IdempotencyConflictException', {
        status: 409,
      });
      const rows = (await usage({ productCode: 'acme-agent' })).filter(
        (r) => r.meteringRecordId === MeteringRecordId,
      );
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.quantity, 2, 'the first call stands');
    });

  it('answers concurrent calls with one ClientToken with one record', async () => {
    const [client, key] = await newResource();
    const input = agent();
    const answers = await Promise.all(Array.from({ length: 10 }, () => meter(client, input)));
    assert.equal(new Set(answers.map((a) => a.MeteringRecordId)).size, 1);
    assert.equal((await recordsOf(key, 'acme-agent')).length, 1);
  });

  it('takes any string as ClientToken, control characters and lone surrogates included', async () => {
    const tokens = ['nul\u0000byte', 'lone\ud800surrogate', 'tab\tand \u00e9 and \u{1f600}'];
    const ids: Array<string | undefined> = [];
    for (const ClientToken of tokens) {
      const input = agent({ ClientToken });
      const { MeteringRecordId } = await meter(globex, input);
      assert.equal((await meter(globex, input)).MeteringRecordId, MeteringRecordId);
      ids.push(MeteringRecordId);
    }
    assert.equal(new Set(ids).size, tokens.length);
  });

  it('keeps a separate record for each ClientToken within one hour', async () => {
    const [client, key] = await newResource();
    const hour = hourStart(1);
    const times = [into(hour, 1, 1), into(hour, 1, 2), into(hour, 59, 999)];
    const ids = new Set<string>();
    for (const [i, Timestamp] of times.entries())
      ids.add(
        (
          await meter(
            client,
            // The last call leaves ClientToken to the SDK, which fills in a UUID.
            agent({ Timestamp, UsageQuantity: 1, ClientToken: i < 2 ? randomUUID() : undefined }),
          )
        ).MeteringRecordId!,
      );
    assert.equal(ids.size, 3);
    const rows = await recordsOf(key, 'acme-agent');
    assert.deepEqual(
      rows.map((r) => r.usageTime).sort(),
      times.map((t) => t.toISOString()),
    );
    assert.ok(rows.every((r) => ids.has(r.meteringRecordId)));
  });
});

describe('MeterUsage DryRun', () => {
  for (const input of [
    ami({ DryRun: true }),
    ami({ ProductCode: 'acme-container', UsageDimension: 'vcpu', DryRun: true }),
    {
      ProductCode: 'acme-agent',
      UsageDimension: 'invocations',
      Timestamp: minutesAgo(1),
      DryRun: true,
    },
  ])
    it(`answers DryRunOperation (HTTP 412) for ${input.ProductCode} and stores nothing`, async () => {
      const [client, key] = await newResource();
      await rejectsWith(meter(client, input), 'DryRunOperation', { status: 412 });
      assert.deepEqual(await recordsOf(key, input.ProductCode!), []);
      // The dry run left no trace: the real call afterwards creates the record.
      await meter(client, { ...input, DryRun: false });
      assert.equal((await recordsOf(key, input.ProductCode!)).length, 1);
    });

  const wouldFail: Array<[string, Credentials, MeterUsageCommandInput, string]> = [
    [
      'an unknown dimension',
      KEYS.globex,
      ami({ UsageDimension: 'gpus' }),
      'InvalidUsageDimensionException',
    ],
    ['a buyer without an agreement', KEYS.hooli, ami(), 'CustomerNotEntitledException'],
    [
      'an old timestamp',
      KEYS.globex,
      ami({ Timestamp: minutesAgo(400) }),
      'TimestampOutOfBoundsException',
    ],
    ['another region', KEYS.globexEu, ami(), 'InvalidEndpointRegionException'],
  ];
  for (const [what, credentials, input, error] of wouldFail)
    it(`reports ${error} instead of DryRunOperation for ${what}`, () =>
      rejectsWith(meter(meterd.client(credentials), { ...input, DryRun: true }), error));
});

describe('MeterUsage rejections', () => {
  // Each case: who calls, what they send, the AWS error they must get; nothing may be stored.
  const rejections: Array<[string, () => Credentials, MeterUsageCommandInput, string, RegExp?]> = [
    [
      'the seller calling for its own product',
      () => KEYS.acme,
      ami(),
      'CustomerNotEntitledException',
    ],
    ['a buyer with no agreement', () => KEYS.hooli, ami(), 'CustomerNotEntitledException'],
    [
      'a buyer whose agreement is suspended',
      () => suspendedBuyer,
      ami(),
      'CustomerNotEntitledException',
    ],
    [
      'a buyer after the unsubscribe time',
      () => unsubscribedBuyer,
      ami({ Timestamp: minutesAgo(5) }),
      'CustomerNotEntitledException',
    ],
    [
      'a buyer unsubscribed more than an hour ago',
      () => lapsedBuyer,
      ami({ Timestamp: minutesAgo(100) }),
      'CustomerNotEntitledException',
    ],
    [
      'a SaaS product',
      () => KEYS.globex,
      ami({ ProductCode: 'acme-saas', UsageDimension: 'requests' }),
      'InvalidProductCodeException',
      /BatchMeterUsage/,
    ],
    [
      'an unknown product',
      () => KEYS.globex,
      ami({ ProductCode: 'no-such-product' }),
      'InvalidProductCodeException',
    ],
    [
      'an empty product code',
      () => KEYS.globex,
      ami({ ProductCode: '' }),
      'InvalidProductCodeException',
    ],
    [
      'a resource in another region (eu-west-1 against us-east-1)',
      () => KEYS.globexEu,
      ami(),
      'InvalidEndpointRegionException',
      /eu-west-1/,
    ],
    [
      'a timestamp 6 hours old',
      () => KEYS.globex,
      ami({ Timestamp: minutesAgo(360) }),
      'TimestampOutOfBoundsException',
    ],
    [
      'a timestamp a day old',
      () => KEYS.globex,
      ami({ Timestamp: minutesAgo(24 * 60) }),
      'TimestampOutOfBoundsException',
    ],
    [
      'a timestamp in the future',
      () => KEYS.globex,
      ami({ Timestamp: minutesAgo(-30) }),
      'TimestampOutOfBoundsException',
    ],
    [
      'a dimension of another product',
      () => KEYS.globex,
      ami({ UsageDimension: 'invocations' }),
      'InvalidUsageDimensionException',
    ],
    [
      'allocations not adding up to the quantity',
      () => KEYS.globex,
      ami({
        UsageQuantity: 5,
        UsageAllocations: [
          { AllocatedUsageQuantity: 2, Tags: [{ Key: 'team', Value: 'a' }] },
          { AllocatedUsageQuantity: 2 },
        ],
      }),
      'InvalidUsageAllocationsException',
      /add up to 4/,
    ],
    [
      'allocations when the quantity defaults to 0',
      () => KEYS.globex,
      ami({ UsageQuantity: undefined, UsageAllocations: [{ AllocatedUsageQuantity: 1 }] }),
      'InvalidUsageAllocationsException',
    ],
    [
      'two untagged allocations',
      () => KEYS.globex,
      ami({
        UsageQuantity: 2,
        UsageAllocations: [{ AllocatedUsageQuantity: 1 }, { AllocatedUsageQuantity: 1 }],
      }),
      'InvalidUsageAllocationsException',
    ],
    [
      'two allocations with the same tags',
      () => KEYS.globex,
      ami({
        UsageQuantity: 2,
        UsageAllocations: [
          {
            AllocatedUsageQuantity: 1,
            Tags: [
              { Key: 'a', Value: '1' },
              { Key: 'b', Value: '2' },
            ],
          },
          {
            AllocatedUsageQuantity: 1,
            Tags: [
              { Key: 'b', Value: '2' },
              { Key: 'a', Value: '1' },
            ],
          },
        ],
      }),
      'InvalidUsageAllocationsException',
    ],
    [
      'a tag key with a character AWS does not allow',
      () => KEYS.globex,
      ami({
        UsageAllocations: [
          { AllocatedUsageQuantity: 1, Tags: [{ Key: 'cost#center', Value: 'v' }] },
        ],
      }),
      'InvalidTagException',
    ],
    [
      'a repeated tag key',
      () => KEYS.globex,
      ami({
        UsageAllocations: [
          {
            AllocatedUsageQuantity: 1,
            Tags: [
              { Key: 'k', Value: 'v' },
              { Key: 'k', Value: 'w' },
            ],
          },
        ],
      }),
      'InvalidTagException',
    ],
    [
      'six tags on one allocation',
      () => KEYS.globex,
      ami({
        UsageAllocations: [
          {
            AllocatedUsageQuantity: 1,
            Tags: Array.from({ length: 6 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })),
          },
        ],
      }),
      'ValidationException',
      /at 'usageAllocations\.1\.member\.tags' failed to satisfy constraint: Member must have length less than or equal to 5/,
    ],
    [
      'a tag value of 257 characters',
      () => KEYS.globex,
      ami({
        UsageAllocations: [
          { AllocatedUsageQuantity: 1, Tags: [{ Key: 'k', Value: 'v'.repeat(257) }] },
        ],
      }),
      'ValidationException',
      /usageAllocations\.1\.member\.tags\.1\.member\.value/,
    ],
    [
      'a negative quantity',
      () => KEYS.globex,
      ami({ UsageQuantity: -1 }),
      'ValidationException',
      /^1 validation error detected: Value '-1' at 'usageQuantity' failed to satisfy constraint: Member must have value greater than or equal to 0$/,
    ],
    [
      'no dimension',
      () => KEYS.globex,
      ami({ UsageDimension: undefined }),
      'ValidationException',
      /Value null at 'usageDimension' failed to satisfy constraint: Member must not be null/,
    ],
    [
      'a dimension of 256 characters',
      () => KEYS.globex,
      ami({ UsageDimension: 'd'.repeat(256) }),
      'ValidationException',
      /at 'usageDimension' failed to satisfy constraint: Member must have length less than or equal to 255/,
    ],
    [
      'a ClientToken of 65 characters',
      () => KEYS.globex,
      ami({ ClientToken: 't'.repeat(65) }),
      'ValidationException',
      /at 'clientToken'/,
    ],
    [
      'an empty ClientToken',
      () => KEYS.globex,
      ami({ ClientToken: '' }),
      'ValidationException',
      /at 'clientToken' failed to satisfy constraint: Member must have length greater than or equal to 1/,
    ],
    [
      'a product code with spaces and an empty dimension',
      () => KEYS.globex,
      ami({ ProductCode: 'bad code!', UsageDimension: '' }),
      'ValidationException',
      /^2 validation errors detected: .*'productCode'.*; .*'usageDimension'/,
    ],
  ];
  for (const [what, who, input, error, message] of rejections)
    it(`answers ${error} to ${what}`, async () => {
      const before = (await usage()).length;
      await rejectsWith(meter(meterd.client(who()), input), error, message ? { message } : {});
      assert.equal((await usage()).length, before, 'nothing stored');
    });
});

describe('MeterUsage with malformed bodies (signed by the SDK)', () => {
  // Each case rewrites the JSON body the SDK built, before it is signed.
  const malformed: Array<[string, (body: Record<string, unknown>) => unknown, string, RegExp?]> = [
    [
      'a quantity sent as a string',
      (b) => ({ ...b, UsageQuantity: '5' }),
      'SerializationException',
    ],
    ['a fractional quantity', (b) => ({ ...b, UsageQuantity: 1.5 }), 'SerializationException'],
    [
      'a quantity above 2^31-1',
      (b) => ({ ...b, UsageQuantity: 2 ** 31 }),
      'ValidationException',
      /less than or equal to 2147483647/,
    ],
    [
      'a timestamp as an ISO string',
      (b) => ({ ...b, Timestamp: new Date().toISOString() }),
      'SerializationException',
    ],
    ['a timestamp out of any range', (b) => ({ ...b, Timestamp: 1e300 }), 'SerializationException'],
    ['DryRun as a string', (b) => ({ ...b, DryRun: 'yes' }), 'SerializationException'],
    ['allocations as an object', (b) => ({ ...b, UsageAllocations: {} }), 'SerializationException'],
    [
      'an empty allocation list',
      (b) => ({ ...b, UsageAllocations: [] }),
      'ValidationException',
      /at 'usageAllocations' failed to satisfy constraint: Member must have length greater than or equal to 1/,
    ],
    [
      'a null allocation',
      (b) => ({ ...b, UsageAllocations: [null] }),
      'ValidationException',
      /Value null at 'usageAllocations\.1\.member' failed to satisfy constraint: Member must not be null/,
    ],
    [
      'a tag without a value',
      (b) => ({ ...b, UsageAllocations: [{ AllocatedUsageQuantity: 1, Tags: [{ Key: 'k' }] }] }),
      'ValidationException',
      /usageAllocations\.1\.member\.tags\.1\.member\.value/,
    ],
    [
      'an empty body',
      () => '',
      'ValidationException',
      /^3 validation errors detected: .*productCode.*timestamp.*usageDimension/,
    ],
    ['a JSON array', () => [], 'SerializationException'],
    ['a JSON string', () => JSON.stringify('MeterUsage'), 'SerializationException'],
    ['a body that is not JSON', () => '{"ProductCode": ', 'SerializationException'],
  ];
  for (const [what, rewrite, error, message] of malformed)
    it(`answers ${error} to ${what}`, () =>
      rejectsWith(
        meter(rewriteBody(meterd.client(KEYS.globex), rewrite), ami()),
        error,
        message ? { message } : {},
      ));

  it('ignores members it does not know, as AWS does', async () => {
    const client = rewriteBody(meterd.client(KEYS.globex), (b) => ({ ...b, Extra: { a: 1 } }));
    assert.ok((await meter(client, ami({ Timestamp: into(hourStart(4), 1) }))).MeteringRecordId);
  });
});

describe('MeterUsage callers that are not who they claim', () => {
  it('answers an unsigned call with MissingAuthenticationTokenException', async () => {
    const response = await fetch(`${meterd.url}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AWSMPMeteringService.MeterUsage',
      },
      body: JSON.stringify({ ProductCode: 'acme-ami', Timestamp: 1, UsageDimension: 'hours' }),
    });
    assert.equal(response.status, 400);
    assert.equal(response.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');
    assert.equal(
      ((await response.json()) as { __type: string }).__type,
      'MissingAuthenticationTokenException',
    );
  });

  const impostors: Array<[string, Credentials, string]> = [
    [
      'an unknown access key',
      { accessKeyId: 'AKIANOBODY0000000001', secretAccessKey: 'whatever-secret' },
      'UnrecognizedClientException',
    ],
    [
      'a known key with the wrong secret',
      { ...KEYS.globex, secretAccessKey: 'not-the-secret' },
      'InvalidSignatureException',
    ],
  ];
  for (const [what, credentials, error] of impostors)
    it(`answers ${error} to ${what}`, () =>
      rejectsWith(meter(meterd.client(credentials), ami()), error));
});

describe('MeterUsage audit trail', () => {
  type Event = Record<string, unknown> & {
    requestID: string;
    userIdentity: { accountId: string; type: string; accessKeyId: string };
    requestParameters: Record<string, unknown>;
    responseElements: Record<string, unknown> | null;
  };
  const requestIdOf = (error: unknown) =>
    (error as { $metadata: { requestId: string } }).$metadata.requestId;

  it("lands every call, accepted or rejected, in the caller's (the buyer's) account", async () => {
    const task = meterd.client(KEYS.globexTask);
    const ok = await meter(task, ami({ Timestamp: into(hourStart(4), 2), UsageQuantity: 7 }));
    const badDimension = await meter(globex, ami({ UsageDimension: 'x' })).catch(requestIdOf);
    const seller = await meter(meterd.client(KEYS.acme), ami()).catch(requestIdOf);
    const { body } = await meterd.admin<{ events: Event[] }>(
      'GET',
      '/events?eventName=MeterUsage&limit=1000',
    );
    const byId = new Map(body.events.map((e) => [e.requestID, e]));

    const accepted = byId.get(ok.$metadata.requestId!)!;
    assert.equal(accepted.recipientAccountId, GLOBEX);
    assert.equal(accepted.eventSource, 'metering-marketplace.amazonaws.com');
    assert.equal(accepted.eventType, 'AwsApiCall');
    assert.equal(accepted.awsRegion, 'us-east-1');
    assert.equal(accepted.errorCode, undefined);
    assert.deepEqual(accepted.userIdentity.accountId, GLOBEX);
    assert.equal(accepted.userIdentity.type, 'AssumedRole');
    assert.equal(accepted.userIdentity.accessKeyId, KEYS.globexTask.accessKeyId);
    assert.equal(accepted.requestParameters.productCode, 'acme-ami');
    assert.equal(accepted.requestParameters.usageQuantity, 7);
    assert.equal(accepted.responseElements?.meteringRecordId, ok.MeteringRecordId);

    const rejected = byId.get(badDimension as string)!;
    assert.equal(rejected.recipientAccountId, GLOBEX);
    assert.equal(rejected.errorCode, 'InvalidUsageDimensionException');
    assert.equal(rejected.responseElements, null);

    const bySeller = byId.get(seller as string)!;
    assert.equal(bySeller.errorCode, 'CustomerNotEntitledException');
    assert.equal(bySeller.recipientAccountId, '111111111111', "the caller's own account");
  });
});

/**
 * @module The admin API, the operator's CLI and the process itself, against a real meterd:
 * bearer auth, the catalog, reports, CloudTrail export, health, metrics, shutdown and the demo.
 */

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import {
  BatchMeterUsageCommand,
  MeterUsageCommand,
  ResolveCustomerCommand,
  type MarketplaceMeteringClient,
} from '@aws-sdk/client-marketplace-metering';
import {
  ADMIN_TOKEN,
  CLI,
  KEYS,
  minutesAgo,
  startMeterd,
  type Credentials,
  type Meterd,
} from './helpers/meterd.js';

import { freePort } from '@meterd/testkit';

const run = promisify(execFile);

interface AdminError {
  error: { code: string; message: string };
}
interface AccessKeyOut {
  accessKeyId: string;
  accountId: string;
  secretAccessKey: string;
  sessionToken: string | null;
  region: string | null;
}
interface Agreement {
  licenseArn: string;
  productCode: string;
  customerAWSAccountId: string;
  customerIdentifier: string;
  status: string;
}
interface Event {
  eventName: string;
  eventTime: string;
  requestID: string;
  recipientAccountId: string;
  errorCode?: string;
}
interface Usage {
  meteringRecordId: string;
  operation: string;
  productCode: string;
  customerAWSAccountId: string;
  dimension: string;
  usageTime: string;
  quantity: number;
  requestId: string;
}

let meterd: Meterd;
let acme: MarketplaceMeteringClient;

before(async () => {
  meterd = await startMeterd();
  acme = meterd.client(KEYS.acme);
});
after(() => meterd.stop());

/** The start of the hour `n` hours ago: each test meters its own hours. */
const hoursAgo = (n: number, minute = 0) =>
  new Date(Math.floor(Date.now() / 3600_000) * 3600_000 - n * 3600_000 + minute * 60_000);

const creds = (key: AccessKeyOut): Credentials => ({
  accessKeyId: key.accessKeyId,
  secretAccessKey: key.secretAccessKey,
});

/** Whether `credentials` authenticate: a made-up token gets the operation's own error. */
async function authenticates(credentials: Credentials): Promise<string> {
  try {
    await meterd
      .client(credentials)
      .send(new ResolveCustomerCommand({ RegistrationToken: 'made-up' }));
    return 'Success';
  } catch (error) {
    return (error as Error).name;
  }
}

describe('admin API authentication', () => {
  const routes: Array<[string, string, unknown?]> = [
    ['GET', '/catalog'],
    ['POST', '/catalog', { accounts: [{ accountId: '999999999999' }] }],
    ['GET', '/accounts'],
    ['POST', '/accounts', { accountId: '999999999999' }],
    ['GET', '/accounts/111111111111'],
    ['POST', '/accounts/111111111111/access-keys', {}],
    ['DELETE', '/access-keys/AKIAACMESELLER000001'],
    ['GET', '/products'],
    ['GET', '/products/acme-saas'],
    [
      'PUT',
      '/products/acme-saas',
      { sellerAccountId: '333333333333', type: 'saas', dimensions: ['x'] },
    ],
    ['GET', '/agreements'],
    ['POST', '/agreements', { productCode: 'acme-saas', customerAWSAccountId: '999999999999' }],
    ['PATCH', '/agreements/x', { status: 'suspended' }],
    [
      'POST',
      '/registration-tokens',
      { productCode: 'acme-saas', customerAWSAccountId: '222222222222' },
    ],
    ['GET', '/signing-keys'],
    ['POST', '/signing-keys/rotate', {}],
    ['GET', '/events'],
    ['GET', '/usage'],
  ];
  const credentials: Array<[string, Record<string, string>]> = [
    ['no token', {}],
    ['a wrong token', { authorization: 'Bearer not-the-token' }],
    ['the token without its scheme', { authorization: ADMIN_TOKEN }],
    ['a prefix of the token', { authorization: `Bearer ${ADMIN_TOKEN.slice(0, -1)}` }],
    [
      'another scheme',
      { authorization: `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}` },
    ],
  ];
  for (const [what, headers] of credentials)
    it(`answers 401 on every route to ${what}`, async () => {
      for (const [method, path, body] of routes) {
        const response = await fetch(`${meterd.url}/admin/v1${path}`, {
          method,
          headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
          ...(body ? { body: JSON.stringify(body) } : {}),
        });
        assert.equal(response.status, 401, `${method} ${path}`);
        const answer = (await response.json()) as AdminError;
        assert.equal(answer.error.code, 'Unauthorized', `${method} ${path}`);
      }
    });

  it('changed nothing while refusing', async () => {
    const account = await meterd.admin<{ accessKeys: AccessKeyOut[] }>(
      'GET',
      '/accounts/111111111111',
    );
    assert.deepEqual(
      account.body.accessKeys.map((k) => k.accessKeyId),
      ['AKIAACMESELLER000001'],
    );
    assert.equal((await meterd.admin('GET', '/accounts/999999999999')).status, 404);
    const product = await meterd.admin<{ sellerAccountId: string }>('GET', '/products/acme-saas');
    assert.equal(product.body.sellerAccountId, '111111111111');
    assert.equal(await authenticates(KEYS.acme), 'InvalidTokenException');
  });
});

describe('admin API refusals', () => {
  const json = 'application/json';
  // [what, method, path, content type, body, status, code]
  const cases: Array<[string, string, string, string | null, string | null, number, string]> = [
    ['invalid JSON', 'POST', '/agreements', json, '{"productCode":', 400, 'InvalidJson'],
    ['an empty JSON body', 'POST', '/agreements', json, '', 400, 'InvalidJson'],
    ['an XML body', 'POST', '/agreements', 'application/xml', '<a/>', 415, 'UnsupportedMediaType'],
    [
      'a form body',
      'POST',
      '/catalog',
      'application/x-www-form-urlencoded',
      'a=b',
      415,
      'UnsupportedMediaType',
    ],
    [
      'a content type that does not parse',
      'POST',
      '/catalog',
      ';;;',
      '{}',
      415,
      'UnsupportedMediaType',
    ],
    [
      'a body over 1 MB',
      'POST',
      '/catalog',
      json,
      JSON.stringify({ pad: 'x'.repeat(1 << 20) }),
      413,
      'RequestEntityTooLarge',
    ],
    ['an unknown route', 'GET', '/no-such-route', null, null, 404, 'NotFound'],
    ['a wrong method', 'DELETE', '/products', null, null, 404, 'NotFound'],
    ['a URL that cannot be decoded', 'GET', '/products/%zz', null, null, 400, 'BadRequest'],
    [
      'an unknown route of a product',
      'GET',
      '/products/acme-saas/price',
      null,
      null,
      404,
      'NotFound',
    ],
  ];
  for (const [what, method, path, contentType, body, status, code] of cases)
    it(`answers ${what} with ${status} ${code}, in the admin API's shape`, async () => {
      const response = await fetch(`${meterd.url}/admin/v1${path}`, {
        method,
        headers: {
          authorization: `Bearer ${ADMIN_TOKEN}`,
          ...(contentType === null ? {} : { 'content-type': contentType }),
        },
        ...(body === null ? {} : { body }),
      });
      const text = await response.text();
      assert.equal(response.status, status, text);
      assert.doesNotMatch(text, /FST_/, "Fastify's own codes are not sent");
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
      assert.ok(response.headers.get('x-amzn-requestid'), 'a request id');
      const answer = JSON.parse(text) as AdminError;
      assert.deepEqual(Object.keys(answer), ['error']);
      assert.deepEqual(Object.keys(answer.error).sort(), ['code', 'message']);
      assert.equal(answer.error.code, code);
      assert.equal(typeof answer.error.message, 'string');
    });
});

describe('unknown routes of the admin area', () => {
  // Outside /admin/v1 too, with or without a token: the admin shape, never an AWS body.
  for (const path of ['/admin', '/admin/', '/admin/v2/products', '/admin?x=1'])
    for (const token of [ADMIN_TOKEN, null])
      it(`answers GET ${path} ${token ? 'with' : 'without'} a token with 404 NotFound`, async () => {
        const response = await fetch(`${meterd.url}${path}`, {
          headers: token ? { authorization: `Bearer ${token}` } : {},
        });
        const text = await response.text();
        assert.equal(response.status, 404, text);
        const answer = JSON.parse(text) as AdminError;
        assert.deepEqual(Object.keys(answer), ['error']);
        assert.equal(answer.error.code, 'NotFound');
        assert.doesNotMatch(text, /__type/);
      });
});

describe('create, put and delete', () => {
  it('refuses to create an account or a key that exists (409 AlreadyExists), and changes nothing', async () => {
    const account = await meterd.admin<AdminError>('POST', '/accounts', {
      accountId: '111111111111',
      name: 'renamed',
    });
    assert.equal(account.status, 409, JSON.stringify(account.body));
    assert.equal(account.body.error.code, 'AlreadyExists');
    assert.match(account.body.error.message, /account 111111111111 already exists/);
    const shown = await meterd.admin<{ name: string; accessKeys: unknown[] }>(
      'GET',
      '/accounts/111111111111',
    );
    assert.equal(shown.body.name, 'acme-seller');
    assert.equal(shown.body.accessKeys.length, 1, 'no key added');

    const key = await meterd.admin<AdminError>('POST', '/accounts/222222222222/access-keys', {
      accessKeyId: 'AKIAGLOBEXBUYER00002',
      secretAccessKey: 'replaced-secret',
    });
    assert.equal(key.status, 409);
    assert.equal(key.body.error.code, 'AlreadyExists');
    assert.match(key.body.error.message, /access key AKIAGLOBEXBUYER00002 already exists/);
    assert.equal(await authenticates(KEYS.globex2), 'InvalidTokenException', 'secret kept');
  });

  it('puts an account and a key: put creates, then replaces', async () => {
    const put = await meterd.admin<{ accountId: string; name: string }>(
      'PUT',
      '/accounts/616161616161',
      { name: 'put-co' },
    );
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.equal(put.body.name, 'put-co');
    await meterd.admin('PUT', '/accounts/616161616161', { name: 'put-co, renamed' });
    const shown = await meterd.admin<{ name: string; accessKeys: unknown[] }>(
      'GET',
      '/accounts/616161616161',
    );
    assert.equal(shown.body.name, 'put-co, renamed');
    assert.deepEqual(shown.body.accessKeys, []);

    const first = { accessKeyId: 'AKIAPUTCO00000000001', secretAccessKey: 'put-co-secret-1' };
    assert.equal(
      (
        await meterd.admin('PUT', `/accounts/616161616161/access-keys/${first.accessKeyId}`, {
          secretAccessKey: first.secretAccessKey,
        })
      ).status,
      200,
    );
    assert.equal(await authenticates(first), 'InvalidTokenException');
    const rotated = { ...first, secretAccessKey: 'put-co-secret-2' };
    await meterd.admin('PUT', `/accounts/616161616161/access-keys/${first.accessKeyId}`, {
      secretAccessKey: rotated.secretAccessKey,
    });
    assert.equal(await authenticates(rotated), 'InvalidTokenException');
    assert.equal(await authenticates(first), 'InvalidSignatureException', 'the old secret is gone');
  });

  it('creates a product once (POST), and PUT replaces it', async () => {
    const product = {
      productCode: 'created-saas',
      sellerAccountId: '616161616161',
      type: 'saas',
      dimensions: ['users'],
    };
    const created = await meterd.admin('POST', '/products', product);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const again = await meterd.admin<AdminError>('POST', '/products', {
      ...product,
      dimensions: ['gb'],
    });
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'AlreadyExists');
    assert.match(again.body.error.message, /product created-saas already exists/);
    const kept = await meterd.admin<{ dimensions: string[] }>('GET', '/products/created-saas');
    assert.deepEqual(kept.body.dimensions, ['users']);
    await meterd.admin('PUT', '/products/created-saas', { ...product, dimensions: ['gb'] });
    const replaced = await meterd.admin<{ dimensions: string[] }>('GET', '/products/created-saas');
    assert.deepEqual(replaced.body.dimensions, ['gb']);
  });

  it('creates an agreement once (POST), and PUT replaces it', async () => {
    const created = await meterd.admin<Agreement>('POST', '/agreements', {
      productCode: 'created-saas',
      customerAWSAccountId: '626262626262',
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const again = await meterd.admin<AdminError>('POST', '/agreements', {
      productCode: 'created-saas',
      customerAWSAccountId: '626262626262',
      status: 'suspended',
    });
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'AlreadyExists');
    const arn = encodeURIComponent(created.body.licenseArn);
    assert.equal(
      (await meterd.admin<Agreement>('GET', `/agreements/${arn}`)).body.status,
      'active',
    );
    const put = await meterd.admin<Agreement>('PUT', `/agreements/${arn}`, {
      productCode: 'created-saas',
      customerAWSAccountId: '626262626262',
      status: 'suspended',
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.equal(put.body.status, 'suspended');
    assert.equal(put.body.customerIdentifier, created.body.customerIdentifier);
  });

  it('refuses to delete what others name (409 InUse, naming them); force deletes them too', async () => {
    const product = await meterd.admin<AdminError>('DELETE', '/products/created-saas');
    assert.equal(product.status, 409, JSON.stringify(product.body));
    assert.equal(product.body.error.code, 'InUse');
    assert.match(
      product.body.error.message,
      /product created-saas has agreements \(arn:aws:license-manager::626262626262:/,
    );
    const account = await meterd.admin<AdminError>('DELETE', '/accounts/616161616161');
    assert.equal(account.status, 409);
    assert.equal(account.body.error.code, 'InUse');
    assert.match(
      account.body.error.message,
      /account 616161616161 sells products \(created-saas\)/,
    );
    assert.equal((await meterd.admin('GET', '/products/created-saas')).status, 200, 'kept');

    const forced = await meterd.admin<{ removed: Record<string, string[]> }>(
      'DELETE',
      '/accounts/616161616161?force=true',
    );
    assert.equal(forced.status, 200, JSON.stringify(forced.body));
    assert.deepEqual(forced.body.removed.accounts, ['616161616161']);
    assert.deepEqual(forced.body.removed.accessKeys, ['AKIAPUTCO00000000001']);
    assert.deepEqual(forced.body.removed.products, ['created-saas']);
    assert.equal(forced.body.removed.agreements!.length, 1);
    for (const path of ['/accounts/616161616161', '/products/created-saas'])
      assert.equal((await meterd.admin('GET', path)).status, 404, path);
    assert.equal(
      await authenticates({
        accessKeyId: 'AKIAPUTCO00000000001',
        secretAccessKey: 'put-co-secret-2',
      }),
      'UnrecognizedClientException',
    );
    const bad = await meterd.admin<AdminError>('DELETE', '/products/acme-saas?force=maybe');
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /force must be true or false/);
  });

  it('deletes an agreement: metering refuses the customer, and its usage stays', async () => {
    await meterd.admin('PUT', '/products/deleted-saas', {
      sellerAccountId: '111111111111',
      type: 'saas',
      dimensions: ['users'],
    });
    const created = await meterd.admin<Agreement>('POST', '/agreements', {
      productCode: 'deleted-saas',
      customerAWSAccountId: '636363636363',
    });
    const meter = async (hour: number) =>
      (
        await acme.send(
          new BatchMeterUsageCommand({
            ProductCode: 'deleted-saas',
            UsageRecords: [
              {
                Timestamp: hoursAgo(hour, 7),
                CustomerAWSAccountId: '636363636363',
                Dimension: 'users',
                Quantity: 3,
              },
            ],
          }),
        )
      ).Results![0]!.Status;
    assert.equal(await meter(1), 'Success');
    const arn = encodeURIComponent(created.body.licenseArn);
    const deleted = await meterd.admin<{ removed: Record<string, string[]> }>(
      'DELETE',
      `/agreements/${arn}`,
    );
    assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
    assert.deepEqual(deleted.body.removed, { agreements: [created.body.licenseArn] });
    assert.equal(await meter(2), 'CustomerNotSubscribed');
    assert.equal((await meterd.admin('DELETE', `/agreements/${arn}`)).status, 404);

    const product = await meterd.admin<{ removed: Record<string, string[]> }>(
      'DELETE',
      '/products/deleted-saas',
    );
    assert.deepEqual(product.body.removed, { products: ['deleted-saas'] });
    const usage = await meterd.admin<{ records: Usage[] }>(
      'GET',
      '/usage?productCode=deleted-saas',
    );
    assert.deepEqual(
      usage.body.records.map((r) => [r.customerAWSAccountId, r.quantity]),
      [['636363636363', 3]],
      'usage is billing history',
    );
    for (const path of ['/accounts/909090909090', '/products/no-such', '/agreements/arn%3Anope']) {
      const missing = await meterd.admin<AdminError>('DELETE', path);
      assert.equal(missing.status, 404, path);
      assert.equal(missing.body.error.code, 'NotFound');
    }
  });
});

describe('accounts and access keys', () => {
  it('creates an account with a generated id, key and secret that work with the SDK', async () => {
    const created = await meterd.admin<{
      accountId: string;
      name: string;
      accessKeys: AccessKeyOut[];
    }>('POST', '/accounts', { name: 'newco' });
    assert.equal(created.status, 201);
    assert.match(created.body.accountId, /^[1-9][0-9]{11}$/);
    assert.equal(created.body.name, 'newco');
    assert.equal(created.body.accessKeys.length, 1);
    const [key] = created.body.accessKeys;
    assert.match(key!.accessKeyId, /^AKIA[A-Z0-9]{16}$/);
    assert.ok(key!.secretAccessKey.length >= 30);
    assert.equal(await authenticates(creds(key!)), 'InvalidTokenException');

    // The account lists its keys, never their secrets.
    const shown = await meterd.admin<{ accessKeys: Array<Record<string, unknown>> }>(
      'GET',
      `/accounts/${created.body.accountId}`,
    );
    assert.deepEqual(
      shown.body.accessKeys.map((k) => k.accessKeyId),
      [key!.accessKeyId],
    );
    assert.ok(!JSON.stringify(shown.body).includes(key!.secretAccessKey));
    const listed = await meterd.admin<{
      accounts: Array<{ accountId: string; accessKeyIds: string[] }>;
    }>('GET', '/accounts');
    assert.deepEqual(
      listed.body.accounts.find((a) => a.accountId === created.body.accountId)?.accessKeyIds,
      [key!.accessKeyId],
    );
  });

  it('adds keys, deletes one, and the deleted key is refused by the endpoint', async () => {
    const created = await meterd.admin<{ accountId: string; accessKeys: AccessKeyOut[] }>(
      'POST',
      '/accounts',
      {},
    );
    const first = created.body.accessKeys[0]!;
    const added = await meterd.admin<AccessKeyOut>(
      'POST',
      `/accounts/${created.body.accountId}/access-keys`,
      {},
    );
    assert.equal(added.status, 201);
    assert.notEqual(added.body.accessKeyId, first.accessKeyId);
    const temporary = await meterd.admin<AccessKeyOut>(
      'POST',
      `/accounts/${created.body.accountId}/access-keys`,
      {
        accessKeyId: 'ASIANEWCOTASK0000001',
        secretAccessKey: 'newco-task-secret',
        sessionToken: 'newco-session',
        region: 'eu-west-1',
      },
    );
    assert.equal(temporary.status, 201);
    assert.equal(temporary.body.sessionToken, 'newco-session');
    assert.equal(
      await authenticates({
        accessKeyId: 'ASIANEWCOTASK0000001',
        secretAccessKey: 'newco-task-secret',
        sessionToken: 'newco-session',
      }),
      'InvalidTokenException',
    );

    assert.equal(await authenticates(creds(first)), 'InvalidTokenException');
    const deleted = await meterd.admin('DELETE', `/access-keys/${first.accessKeyId}`);
    assert.equal(deleted.status, 204);
    assert.equal(await authenticates(creds(first)), 'UnrecognizedClientException');
    assert.equal(
      await authenticates(creds(added.body)),
      'InvalidTokenException',
      'the other key works',
    );
    const again = await meterd.admin<AdminError>('DELETE', `/access-keys/${first.accessKeyId}`);
    assert.equal(again.status, 404);
    assert.equal(again.body.error.code, 'NotFound');
  });

  // [what, account, body, status, message]
  const refused: Array<[string, string, unknown, number, RegExp]> = [
    ['an unknown account', '999999999998', {}, 404, /account 999999999998 does not exist/],
    [
      'a malformed key id',
      '222222222222',
      { accessKeyId: 'short' },
      400,
      /^accessKey\.accessKeyId: /,
    ],
    [
      'a short secret',
      '222222222222',
      { secretAccessKey: 'x' },
      400,
      /^accessKey\.secretAccessKey: /,
    ],
    ['a bad region', '222222222222', { region: 'moon' }, 400, /^accessKey\.region: /],
    ['an unknown member', '222222222222', { owner: 'me' }, 400, /^accessKey: unknown key 'owner'/],
    [
      "another account's key",
      '222222222222',
      { accessKeyId: 'AKIAACMESELLER000001', secretAccessKey: 'stolen-secret' },
      400,
      /belongs to another account/,
    ],
  ];
  for (const [what, account, body, status, message] of refused)
    it(`refuses to add a key with ${what} (${status})`, async () => {
      const answer = await meterd.admin<AdminError>(
        'POST',
        `/accounts/${account}/access-keys`,
        body,
      );
      assert.equal(answer.status, status, JSON.stringify(answer.body));
      assert.match(answer.body.error.message, message);
    });

  it("kept acme's key untouched", async () => {
    assert.equal(await authenticates(KEYS.acme), 'InvalidTokenException');
  });
});

describe('products', () => {
  const saas = { sellerAccountId: '111111111111', type: 'saas', dimensions: ['users', 'gb'] };

  it('puts, gets and lists a product', async () => {
    const put = await meterd.admin<Record<string, unknown>>('PUT', '/products/admin-saas', {
      ...saas,
      fulfillmentUrl: 'https://example.com/signup',
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const expected = {
      productCode: 'admin-saas',
      sellerAccountId: '111111111111',
      type: 'saas',
      dimensions: ['users', 'gb'],
      fulfillmentUrl: 'https://example.com/signup',
      meterUsageMode: 'hourly',
      publicKeyVersions: null,
    };
    assert.deepEqual(put.body, expected);
    assert.deepEqual((await meterd.admin('GET', '/products/admin-saas')).body, expected);
    const list = await meterd.admin<{ products: Array<{ productCode: string }> }>(
      'GET',
      '/products',
    );
    assert.ok(list.body.products.some((p) => p.productCode === 'admin-saas'));
    assert.ok(list.body.products.some((p) => p.productCode === 'acme-ami'));

    // Putting again replaces it.
    await meterd.admin('PUT', '/products/admin-saas', { ...saas, dimensions: ['users'] });
    const replaced = await meterd.admin<{ dimensions: string[]; fulfillmentUrl: null }>(
      'GET',
      '/products/admin-saas',
    );
    assert.deepEqual(replaced.body.dimensions, ['users']);
    assert.equal(replaced.body.fulfillmentUrl, null);
    assert.equal((await meterd.admin('GET', '/products/no-such-product')).status, 404);
  });

  // [what, product code, body, message naming the offending path]
  const invalid: Array<[string, string, Record<string, unknown>, RegExp]> = [
    ['no type', 'p1', { sellerAccountId: '111111111111', dimensions: ['a'] }, /^product\.type: /],
    ['an unknown type', 'p1', { ...saas, type: 'desktop' }, /^product\.type: must be one of/],
    ['no dimensions', 'p1', { ...saas, dimensions: [] }, /^product\.dimensions: /],
    [
      'a non-string dimension',
      'p1',
      { ...saas, dimensions: ['a', 7] },
      /^product\.dimensions\[1\]: /,
    ],
    [
      'a numeric seller',
      'p1',
      { ...saas, sellerAccountId: 111111111111 },
      /^product\.sellerAccountId: must be a string \(quote numbers/,
    ],
    [
      'an unknown seller',
      'p1',
      { ...saas, sellerAccountId: '999999999997' },
      /^products\.p1\.sellerAccountId: account 999999999997 does not exist/,
    ],
    [
      'an ftp fulfillment URL',
      'p1',
      { ...saas, fulfillmentUrl: 'ftp://x' },
      /^product\.fulfillmentUrl: /,
    ],
    [
      'an unknown mode',
      'p1',
      { ...saas, meterUsageMode: 'sometimes' },
      /^product\.meterUsageMode: /,
    ],
    [
      'key versions on a SaaS product',
      'p1',
      { ...saas, publicKeyVersions: [1] },
      /^product\.publicKeyVersions: applies to container products only/,
    ],
    [
      'key version 0',
      'p1',
      { ...saas, type: 'container', publicKeyVersions: [1, 0] },
      /^product\.publicKeyVersions\[1\]: /,
    ],
    ['an unknown member', 'p1', { ...saas, price: 3 }, /^product: unknown key 'price'/],
    ['a bad product code', 'bad code!', saas, /^product\.productCode: 'bad code!' is not/],
  ];
  for (const [what, code, body, message] of invalid)
    it(`refuses a product with ${what} (400, naming the path)`, async () => {
      const answer = await meterd.admin<AdminError>(
        'PUT',
        `/products/${encodeURIComponent(code)}`,
        body,
      );
      assert.equal(answer.status, 400, JSON.stringify(answer.body));
      assert.equal(answer.body.error.code, 'InvalidCatalog');
      assert.match(answer.body.error.message, message);
      assert.equal(
        (await meterd.admin('GET', `/products/${encodeURIComponent(code)}`)).status,
        404,
      );
    });
});

describe('agreements', () => {
  it('creates, lists and changes the status of an agreement, which metering follows', async () => {
    const created = await meterd.admin<Agreement>('POST', '/agreements', {
      productCode: 'acme-saas',
      customerAWSAccountId: '777777777777',
    });
    assert.equal(created.status, 201);
    assert.equal(created.body.status, 'active');
    assert.match(created.body.licenseArn, /^arn:aws:license-manager::777777777777:license:l-/);
    assert.match(created.body.customerIdentifier, /^[a-zA-Z0-9]{13}$/);

    const listed = await meterd.admin<{ agreements: Agreement[] }>(
      'GET',
      '/agreements?productCode=acme-saas&customerAWSAccountId=777777777777',
    );
    assert.deepEqual(
      listed.body.agreements.map((a) => a.licenseArn),
      [created.body.licenseArn],
    );
    const byCustomer = await meterd.admin<{ agreements: Agreement[] }>(
      'GET',
      '/agreements?customerAWSAccountId=222222222222',
    );
    assert.ok(byCustomer.body.agreements.length >= 6);
    assert.ok(byCustomer.body.agreements.every((a) => a.customerAWSAccountId === '222222222222'));

    const meter = async (hour: number) =>
      (
        await acme.send(
          new BatchMeterUsageCommand({
            ProductCode: 'acme-saas',
            UsageRecords: [
              {
                Timestamp: hoursAgo(hour, 5),
                CustomerAWSAccountId: '777777777777',
                Dimension: 'requests',
                Quantity: 1,
              },
            ],
          }),
        )
      ).Results![0]!.Status;
    assert.equal(await meter(1), 'Success');
    const arn = encodeURIComponent(created.body.licenseArn);
    const suspended = await meterd.admin<Agreement>('PATCH', `/agreements/${arn}`, {
      status: 'suspended',
    });
    assert.equal(suspended.status, 200, JSON.stringify(suspended.body));
    assert.equal(suspended.body.status, 'suspended');
    assert.equal(suspended.body.customerIdentifier, created.body.customerIdentifier);
    assert.equal(await meter(2), 'CustomerNotSubscribed');
    const active = await meterd.admin<Agreement>('PATCH', `/agreements/${arn}`, {
      status: 'active',
    });
    assert.equal(active.body.status, 'active');
    assert.equal(await meter(3), 'Success');

    const bad = await meterd.admin<AdminError>('PATCH', `/agreements/${arn}`, { status: 'paused' });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /^agreement\.status: /);
    const missing = await meterd.admin('PATCH', '/agreements/arn%3Aaws%3Anope', {
      status: 'active',
    });
    assert.equal(missing.status, 404);
  });

  // [what, body, message naming the offending path]
  const invalid: Array<[string, Record<string, unknown>, RegExp]> = [
    [
      'no product',
      { customerAWSAccountId: '777777777777' },
      /^agreement\.productCode: is required/,
    ],
    [
      'a short account id',
      { productCode: 'acme-saas', customerAWSAccountId: '7777' },
      /^agreement\.customerAWSAccountId: /,
    ],
    [
      'an unknown product',
      { productCode: 'nope', customerAWSAccountId: '777777777777' },
      /^agreements\.nope\.777777777777: product nope does not exist/,
    ],
    [
      'a bad start time',
      { productCode: 'acme-saas', customerAWSAccountId: '777777777776', startedAt: 'yesterday' },
      /^agreement\.startedAt: /,
    ],
    [
      'a bad licence ARN',
      { productCode: 'acme-saas', customerAWSAccountId: '777777777776', licenseArn: 'l-1' },
      /^agreement\.licenseArn: /,
    ],
    [
      "another agreement's licence",
      {
        productCode: 'acme-saas',
        customerAWSAccountId: '777777777776',
        licenseArn: 'arn:aws:license-manager::222222222222:license:l-0123456789abcdef',
      },
      /belongs to another agreement/,
    ],
  ];
  for (const [what, body, message] of invalid)
    it(`refuses an agreement with ${what} (400, naming the path)`, async () => {
      const answer = await meterd.admin<AdminError>('POST', '/agreements', body);
      assert.equal(answer.status, 400, JSON.stringify(answer.body));
      assert.match(answer.body.error.message, message);
    });
});

describe('POST /admin/v1/catalog', () => {
  // Ids named, secrets, licences and customer identifiers left to meterd.
  const document = {
    accounts: [
      {
        accountId: '888888888888',
        name: 'catalog-seller',
        accessKeys: [{ accessKeyId: 'AKIACATALOGSELLER001' }],
      },
    ],
    products: [
      {
        productCode: 'catalog-saas',
        sellerAccountId: '888888888888',
        type: 'saas',
        dimensions: ['users'],
      },
    ],
    agreements: [
      { productCode: 'catalog-saas', customerAWSAccountId: '222222222222' },
      { productCode: 'catalog-saas', customerAWSAccountId: '444444444444', status: 'suspended' },
    ],
  };
  type Counts = { created: number; updated: number; unchanged: number; removed: number };
  type Applied = {
    summary: Record<string, Counts>;
    changes: Record<string, { created: string[]; updated: string[]; removed: string[] }>;
  };
  type Exported = {
    accounts: Array<{ accountId: string; accessKeys: AccessKeyOut[] }>;
    agreements: Agreement[];
  };
  const counts = (created: number, updated: number, unchanged: number, removed = 0) => ({
    created,
    updated,
    unchanged,
    removed,
  });

  it('is idempotent: the same document twice gives the same state and the same generated ids', async () => {
    const first = await meterd.admin<Applied>('POST', '/catalog', document);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.deepEqual(first.body.summary, {
      accounts: counts(1, 0, 0),
      accessKeys: counts(1, 0, 0),
      products: counts(1, 0, 0),
      agreements: counts(2, 0, 0),
    });
    assert.deepEqual(first.body.changes.accessKeys!.created, ['AKIACATALOGSELLER001']);
    const state = await meterd.admin<Exported>('GET', '/catalog');
    const second = await meterd.admin<Applied>('POST', '/catalog', document);
    assert.equal(second.status, 200);
    assert.deepEqual(second.body.summary, {
      accounts: counts(0, 0, 1),
      accessKeys: counts(0, 0, 1),
      products: counts(0, 0, 1),
      agreements: counts(0, 0, 2),
    });
    assert.deepEqual(
      (await meterd.admin('GET', '/catalog')).body,
      state.body,
      'same generated secret, licences and identifiers',
    );
    // The answer names what changed, never a secret.
    const exported = state.body.accounts.find((a) => a.accountId === '888888888888')!;
    const secret = exported.accessKeys[0]!.secretAccessKey;
    assert.ok(secret.length >= 30);
    assert.ok(!JSON.stringify(first.body).includes(secret));

    const keys = await meterd.admin<{ accessKeys: AccessKeyOut[] }>(
      'GET',
      '/accounts/888888888888',
    );
    assert.equal(keys.body.accessKeys.length, 1);
    const agreements = await meterd.admin<{ agreements: Agreement[] }>(
      'GET',
      '/agreements?productCode=catalog-saas',
    );
    assert.equal(agreements.body.agreements.length, 2);
    assert.deepEqual(
      agreements.body.agreements.map((a) => [a.customerAWSAccountId, a.status]).sort(),
      [
        ['222222222222', 'active'],
        ['444444444444', 'suspended'],
      ],
    );

    // The generated secret works, and keeps working after the second apply.
    const seller = meterd.client({ accessKeyId: 'AKIACATALOGSELLER001', secretAccessKey: secret });
    const stored = state.body.agreements.find(
      (a) => a.productCode === 'catalog-saas' && a.customerAWSAccountId === '222222222222',
    )!;
    const { body: minted } = await meterd.admin<{ registrationToken: string }>(
      'POST',
      '/registration-tokens',
      { productCode: 'catalog-saas', customerAWSAccountId: '222222222222' },
    );
    const resolved = await seller.send(
      new ResolveCustomerCommand({ RegistrationToken: minted.registrationToken }),
    );
    assert.equal(resolved.LicenseArn, stored.licenseArn);
    assert.equal(resolved.CustomerIdentifier, stored.customerIdentifier);
  });

  it('accepts its own export back unchanged, with or without its secrets', async () => {
    const exported = await meterd.admin('GET', '/catalog');
    const applied = await meterd.admin<Applied>('POST', '/catalog', exported.body);
    assert.equal(applied.status, 200, JSON.stringify(applied.body));
    for (const counted of Object.values(applied.body.summary))
      assert.deepEqual({ ...counted, unchanged: 0 }, counts(0, 0, 0));
    assert.deepEqual((await meterd.admin('GET', '/catalog')).body, exported.body);

    const bare = await meterd.admin<Exported>('GET', '/catalog?secrets=false');
    const text = JSON.stringify(bare.body);
    assert.doesNotMatch(text, /secretAccessKey|sessionToken/);
    assert.ok(bare.body.accounts.some((a) => a.accessKeys.length > 0));
    const again = await meterd.admin<Applied>('POST', '/catalog', bare.body);
    assert.equal(again.body.summary.accessKeys!.updated, 0, 'secrets and session tokens kept');
    assert.deepEqual((await meterd.admin('GET', '/catalog')).body, exported.body);
    assert.equal(await authenticates(KEYS.globexTask), 'InvalidTokenException');
  });

  it('refuses an invalid document as a whole, naming the path', async () => {
    const before = await meterd.admin('GET', '/catalog');
    const answer = await meterd.admin<AdminError>('POST', '/catalog', {
      accounts: [{ accountId: '818181818181' }],
      products: [{ productCode: 'half', sellerAccountId: '818181818181', dimensions: ['a'] }],
    });
    assert.equal(answer.status, 400);
    assert.match(answer.body.error.message, /^products\[0\]\.type: /);
    assert.deepEqual((await meterd.admin('GET', '/catalog')).body, before.body, 'nothing applied');
  });
});

describe('reports', () => {
  const started = new Date(Math.floor(Date.now() / 1000) * 1000 - 1000);
  const ids: { acme: string[]; initech: string[]; globex: string[]; records: Usage[] } = {
    acme: [],
    initech: [],
    globex: [],
    records: [],
  };

  before(async () => {
    // Usage in hours 4 and 5 ago, so that time filters can tell them apart.
    for (const [hour, dimension, quantity] of [
      [4, 'requests', 40],
      [4, 'storage_gb', 41],
      [5, 'requests', 50],
    ] as const) {
      const out = await acme.send(
        new BatchMeterUsageCommand({
          ProductCode: 'acme-saas',
          UsageRecords: [
            {
              Timestamp: hoursAgo(hour, 30),
              CustomerAWSAccountId: '222222222222',
              Dimension: dimension,
              Quantity: quantity,
            },
          ],
        }),
      );
      ids.acme.push(out.$metadata.requestId!);
    }
    const initech = meterd.client(KEYS.initech);
    await assert.rejects(
      initech.send(new ResolveCustomerCommand({ RegistrationToken: 'made-up' })),
      (error: Error & { $metadata: { requestId?: string } }) => {
        ids.initech.push(error.$metadata.requestId!);
        return true;
      },
    );
    const out = await meterd.client(KEYS.globex).send(
      new MeterUsageCommand({
        ProductCode: 'acme-ami',
        Timestamp: minutesAgo(1),
        UsageDimension: 'hours',
        UsageQuantity: 2,
      }),
    );
    ids.globex.push(out.$metadata.requestId!);
  });

  const events = async (query: string) => {
    const answer = await meterd.admin<{ events: Event[]; nextToken?: string }>(
      'GET',
      `/events?${query}`,
    );
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body;
  };

  it('filters events by name, account and time', async () => {
    const since = `startTime=${started.toISOString()}`;
    const batch = await events(`eventName=BatchMeterUsage&${since}&limit=1000`);
    assert.ok(batch.events.every((e) => e.eventName === 'BatchMeterUsage'));
    for (const id of ids.acme)
      assert.ok(
        batch.events.some((e) => e.requestID === id),
        id,
      );

    const initech = await events(`accountId=333333333333&${since}&limit=1000`);
    assert.ok(initech.events.every((e) => e.recipientAccountId === '333333333333'));
    assert.ok(initech.events.some((e) => e.requestID === ids.initech[0]));
    assert.ok(!initech.events.some((e) => ids.acme.includes(e.requestID)));

    const buyer = await events(`accountId=222222222222&eventName=MeterUsage&${since}`);
    assert.ok(
      buyer.events.some((e) => e.requestID === ids.globex[0]),
      'MeterUsage lands with the buyer',
    );

    // Epoch seconds work as well as ISO-8601.
    const future = Math.ceil(Date.now() / 1000) + 3600;
    assert.deepEqual((await events(`startTime=${future}`)).events, []);
    assert.deepEqual((await events(`endTime=${started.getTime() / 1000 - 3600}`)).events, []);
    const window = await events(
      `${since}&endTime=${new Date(Date.now() + 2000).toISOString()}&limit=1000`,
    );
    assert.ok(window.events.length >= 5);
    for (const e of window.events) assert.ok(Date.parse(e.eventTime) >= started.getTime());

    const bad = await meterd.admin<AdminError>('GET', '/events?startTime=last-week');
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /startTime/);
  });

  it('pages through events with nextToken → after', async () => {
    const all = await events('limit=1000');
    assert.equal(all.nextToken, undefined, 'the last page has no nextToken');
    const paged: Event[] = [];
    let after: string | undefined;
    let pages = 0;
    do {
      const page = await events(`limit=3${after ? `&after=${after}` : ''}`);
      assert.ok(page.events.length <= 3);
      paged.push(...page.events);
      after = page.nextToken;
      pages++;
    } while (after);
    assert.ok(pages >= 2);
    assert.deepEqual(paged, all.events);
    assert.equal(
      new Set(paged.map((e) => (e as unknown as { eventID: string }).eventID)).size,
      paged.length,
    );
    assert.equal((await meterd.admin('GET', '/events?after=x')).status, 400);
    assert.equal((await meterd.admin('GET', '/events?limit=0')).status, 400);
    assert.equal((await meterd.admin('GET', '/events?limit=1001')).status, 400);
  });

  it('filters usage by product, customer, dimension, operation and time', async () => {
    const usage = async (query: string) => {
      const answer = await meterd.admin<{ records: Usage[]; nextToken?: string }>(
        'GET',
        `/usage?limit=1000&${query}`,
      );
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      return answer.body.records;
    };
    const mine = (records: Usage[]) => records.filter((r) => ids.acme.includes(r.requestId));

    const hour4 = `startTime=${hoursAgo(4).toISOString()}&endTime=${hoursAgo(3).toISOString()}`;
    const inHour4 = await usage(`productCode=acme-saas&${hour4}`);
    assert.deepEqual(
      mine(inHour4)
        .map((r) => r.quantity)
        .sort(),
      [40, 41],
    );
    for (const r of inHour4) {
      assert.ok(Date.parse(r.usageTime) >= hoursAgo(4).getTime());
      assert.ok(Date.parse(r.usageTime) < hoursAgo(3).getTime());
    }
    const storage = await usage(
      'productCode=acme-saas&dimension=storage_gb&customerAWSAccountId=222222222222',
    );
    assert.ok(storage.every((r) => r.dimension === 'storage_gb'));
    assert.deepEqual(
      mine(storage).map((r) => r.quantity),
      [41],
    );
    const ami = await usage('operation=MeterUsage&productCode=acme-ami');
    assert.ok(ami.some((r) => r.requestId === ids.globex[0] && r.quantity === 2));
    assert.ok(ami.every((r) => r.operation === 'MeterUsage' && r.productCode === 'acme-ami'));
    assert.deepEqual(await usage('customerAWSAccountId=000000000000'), []);

    // Pagination by metering record id.
    const all = await usage('');
    const paged: Usage[] = [];
    let after: string | undefined;
    do {
      const page = await meterd.admin<{ records: Usage[]; nextToken?: string }>(
        'GET',
        `/usage?limit=2${after ? `&after=${after}` : ''}`,
      );
      paged.push(...page.body.records);
      after = page.body.nextToken;
    } while (after);
    assert.deepEqual(paged, all);

    const bad = await meterd.admin<AdminError>('GET', '/usage?operation=RegisterUsage');
    assert.equal(bad.status, 400);
  });

  it('exports CloudTrail files: gzip {"Records": [...]} under AWSLogs/<account>/CloudTrail/<region>/yyyy/mm/dd/', async () => {
    const out = mkdtempSync(join(tmpdir(), 'meterd-trail-'));
    const { stdout } = await run(process.execPath, [
      CLI,
      'audit',
      'export',
      '--out',
      out,
      '--url',
      meterd.url,
      '--admin-token',
      ADMIN_TOKEN,
    ]);
    const printed = JSON.parse(stdout) as { events: number; files: string[] };
    const all = await events('limit=1000');
    assert.equal(printed.events, all.events.length);

    const files = (readdirSync(out, { recursive: true }) as string[])
      .filter((f) => f.endsWith('.json.gz'))
      .map((f) => join(out, f));
    assert.deepEqual([...files].sort(), [...printed.files].sort());
    const records: Event[] = [];
    const accounts = new Set<string>();
    for (const file of files) {
      const parts = relative(out, file).split(sep);
      assert.equal(parts.length, 8, relative(out, file));
      const [root, account, trail, region, yyyy, mm, dd, name] = parts;
      assert.equal(root, 'AWSLogs');
      assert.match(account!, /^\d{12}$/);
      assert.equal(trail, 'CloudTrail');
      assert.equal(region, 'us-east-1');
      assert.match(`${yyyy}-${mm}-${dd}`, /^\d{4}-\d{2}-\d{2}$/);
      assert.match(
        name!,
        new RegExp(
          `^${account}_CloudTrail_us-east-1_${yyyy}${mm}${dd}T\\d{4}Z_[0-9a-f]+\\.json\\.gz$`,
        ),
      );
      const body = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as {
        Records: Event[];
      };
      assert.deepEqual(Object.keys(body), ['Records']);
      for (const r of body.Records) {
        assert.equal(r.recipientAccountId, account);
        assert.equal(r.eventTime.slice(0, 10), `${yyyy}-${mm}-${dd}`);
      }
      accounts.add(account!);
      records.push(...body.Records);
    }
    assert.equal(records.length, all.events.length);
    assert.deepEqual(
      new Set(records.map((r) => r.requestID)),
      new Set(all.events.map((r) => r.requestID)),
    );
    for (const account of ['111111111111', '222222222222', '333333333333'])
      assert.ok(accounts.has(account), `a file for ${account}`);
  });
});

describe('health and metrics', () => {
  it('answers /healthz', async () => {
    const response = await fetch(`${meterd.url}/healthz`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: 'ok' });
  });

  it('exposes Prometheus metrics with operation and outcome labels', async () => {
    await acme.send(
      new BatchMeterUsageCommand({
        ProductCode: 'acme-saas',
        UsageRecords: [
          {
            Timestamp: hoursAgo(0, 0),
            CustomerAWSAccountId: '222222222222',
            Dimension: 'requests',
            Quantity: 1,
          },
        ],
      }),
    );
    await assert.rejects(
      acme.send(new BatchMeterUsageCommand({ ProductCode: 'initech-saas', UsageRecords: [] })),
    );
    const response = await fetch(`${meterd.url}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await response.text();
    const value = (pattern: RegExp) => {
      const m = new RegExp(`^${pattern.source} (\\S+)$`, 'm').exec(text);
      assert.ok(m, `${pattern.source} in\n${text.slice(0, 2000)}`);
      return Number(m[1]);
    };
    assert.ok(value(/meterd_requests_total\{operation="BatchMeterUsage",outcome="Success"\}/) >= 1);
    assert.ok(
      value(
        /meterd_requests_total\{operation="BatchMeterUsage",outcome="InvalidProductCodeException"\}/,
      ) >= 1,
    );
    assert.ok(
      value(/meterd_usage_records_total\{operation="BatchMeterUsage",status="Success"\}/) >= 1,
    );
    assert.ok(value(/meterd_request_duration_seconds_count\{operation="BatchMeterUsage"\}/) >= 2);
    assert.ok(value(/meterd_storage_commit_seconds_count/) >= 1);
    assert.match(
      text,
      /^meterd_request_duration_seconds_bucket\{le="[^"]+",operation="BatchMeterUsage"\} /m,
    );
    assert.match(text, /^meterd_storage_commit_seconds_bucket\{le="[^"]+"\} /m);
  });
});

describe('the process', () => {
  it('exits 0 on SIGTERM and keeps what it acknowledged', async () => {
    const own = await startMeterd();
    const out = await own.client(KEYS.acme).send(
      new BatchMeterUsageCommand({
        ProductCode: 'acme-saas',
        UsageRecords: [
          {
            Timestamp: minutesAgo(1),
            CustomerAWSAccountId: '222222222222',
            Dimension: 'requests',
            Quantity: 9,
          },
        ],
      }),
    );
    // SIGTERM, then a new process on the same data.
    const again = await own.restart();
    try {
      assert.equal(own.process.exitCode, 0, own.output());
      assert.equal(own.process.signalCode, null);
      assert.match(own.output(), /"signal":"SIGTERM"[^\n]*"msg":"shutting down"/);

      const usage = await again.admin<{ records: Usage[] }>('GET', '/usage?limit=1000');
      assert.deepEqual(
        usage.body.records.map((r) => [r.meteringRecordId, r.quantity]),
        [[out.Results![0]!.MeteringRecordId, 9]],
      );
    } finally {
      await again.stop();
    }
  });

  it('runs the demo catalog without --catalog, prints working credentials, and keeps them', async () => {
    const printed = (output: string) => {
      const seller =
        /seller 111111111111 {2}AWS_ACCESS_KEY_ID=(\S+) {2}AWS_SECRET_ACCESS_KEY=(\S+)/.exec(
          output,
        );
      const buyer =
        /buyer {2}222222222222 {2}AWS_ACCESS_KEY_ID=(\S+) {2}AWS_SECRET_ACCESS_KEY=(\S+)/.exec(
          output,
        );
      assert.ok(seller && buyer, output);
      return {
        seller: { accessKeyId: seller[1]!, secretAccessKey: seller[2]! },
        buyer: { accessKeyId: buyer[1]!, secretAccessKey: buyer[2]! },
      };
    };
    const demo = await startMeterd({ catalog: null });
    const first = printed(demo.output());
    let restarted: Meterd | undefined;
    try {
      assert.equal(first.seller.accessKeyId, 'AKIADEMOSELLER000001');
      assert.equal(first.buyer.accessKeyId, 'AKIADEMOBUYER0000001');
      assert.ok(
        demo
          .output()
          .includes(
            `aws meteringmarketplace batch-meter-usage --endpoint-url ${demo.url} --region us-east-1`,
          ),
        demo.output(),
      );
      assert.match(demo.output(), /--product-code demo-saas/);
      const out = await demo.client({ ...first.seller }).send(
        new BatchMeterUsageCommand({
          ProductCode: 'demo-saas',
          UsageRecords: [
            {
              Timestamp: minutesAgo(1),
              CustomerAWSAccountId: '222222222222',
              Dimension: 'requests',
              Quantity: 1,
            },
          ],
        }),
      );
      assert.equal(out.Results![0]!.Status, 'Success');

      restarted = await demo.restart();
      assert.deepEqual(printed(restarted.output()), first, 'the same demo secrets');
      const again = await restarted
        .client({ ...first.seller })
        .send(new BatchMeterUsageCommand({ ProductCode: 'demo-saas', UsageRecords: [] }));
      assert.deepEqual(again.Results, []);
    } finally {
      await (restarted ?? demo).stop();
    }
  });
});

describe('admin API: subscriptions, run by meterd as `meterd subscribe` runs them', () => {
  let meterd: Meterd;
  before(async () => {
    meterd = await startMeterd();
  });
  after(() => meterd.stop());

  const agreementsOf = async (customer: string) =>
    (
      await meterd.admin<{ agreements: unknown[] }>(
        'GET',
        `/agreements?customerAWSAccountId=${customer}`,
      )
    ).body.agreements;

  it('refuses bad input with 400, and undoes a subscription the site did not take (502)', async () => {
    const down = `http://127.0.0.1:${await freePort()}/`;
    const cases: Array<[unknown, number, string, RegExp]> = [
      [{ productCode: 'acme-saas' }, 400, 'InvalidParameter', /required strings/],
      [
        { productCode: 'acme-saas', customerAWSAccountId: '12' },
        400,
        'InvalidParameter',
        /12-digit/,
      ],
      [
        { productCode: 'acme-saas', customerAWSAccountId: '700000000041' },
        400,
        'InvalidParameter',
        /has no fulfillmentUrl/,
      ],
      [
        {
          productCode: 'acme-saas',
          customerAWSAccountId: '700000000041',
          fulfillmentUrl: 'ftp://x',
        },
        400,
        'InvalidParameter',
        /not an http\(s\) URL/,
      ],
      [
        {
          productCode: 'no-such-product',
          customerAWSAccountId: '700000000041',
        },
        404,
        'NotFound',
        /does not exist/,
      ],
      [
        {
          productCode: 'acme-saas',
          customerAWSAccountId: '700000000041',
          fulfillmentUrl: down,
        },
        502,
        'FulfillmentFailed',
        /cannot reach the fulfillment URL .*connection refused.*the new agreement was deleted/,
      ],
    ];
    for (const [body, status, code, message] of cases) {
      const answer = await meterd.admin<AdminError>('POST', '/subscriptions', body);
      assert.equal(answer.status, status, JSON.stringify(body));
      assert.equal(answer.body.error.code, code);
      assert.match(answer.body.error.message, message);
    }
    assert.deepEqual(await agreementsOf('700000000041'), []);
  });
});

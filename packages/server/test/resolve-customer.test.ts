/**
 * @module SaaS registration against a real meterd: minted tokens resolved with the official AWS
 * SDK for JavaScript, and `meterd subscribe` posting a token to a seller's fulfillment site.
 */

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import {
  BatchMeterUsageCommand,
  ResolveCustomerCommand,
  type MarketplaceMeteringClient,
  type ResolveCustomerCommandOutput,
} from '@aws-sdk/client-marketplace-metering';
import { ADMIN_TOKEN, CLI, KEYS, startMeterd, type Meterd } from './helpers/meterd.js';
import { rawCall } from './helpers/sign.js';

const run = promisify(execFile);

interface Minted {
  registrationToken: string;
  expiresAt: string;
  productCode: string;
  customerAWSAccountId: string;
  licenseArn: string;
}

let meterd: Meterd;
let shortLived: Meterd;
let acme: MarketplaceMeteringClient;
let initech: MarketplaceMeteringClient;

before(async () => {
  [meterd, shortLived] = await Promise.all([
    startMeterd(),
    startMeterd({ args: ['--registration-token-ttl', '1'] }),
  ]);
  acme = meterd.client(KEYS.acme);
  initech = meterd.client(KEYS.initech);
});
after(() => Promise.all([meterd.stop(), shortLived.stop()]));

async function mint(on: Meterd, productCode: string, customerAWSAccountId: string) {
  const { status, body } = await on.admin<Minted>('POST', '/registration-tokens', {
    productCode,
    customerAWSAccountId,
  });
  assert.equal(status, 201, JSON.stringify(body));
  return body;
}

const resolve = (client: MarketplaceMeteringClient, token: string) =>
  client.send(new ResolveCustomerCommand({ RegistrationToken: token }));

async function rejects(promise: Promise<unknown>, name: string): Promise<string> {
  let message = '';
  await assert.rejects(promise, (error: Error & { $metadata?: { httpStatusCode?: number } }) => {
    assert.equal(error.name, name, `expected ${name}, got ${error.name}: ${error.message}`);
    assert.equal(error.$metadata?.httpStatusCode, 400);
    message = error.message;
    return true;
  });
  return message;
}

describe('ResolveCustomer', () => {
  it("returns the buyer's identity for a token minted for it", async () => {
    const minted = await mint(meterd, 'acme-saas', '222222222222');
    assert.ok(minted.registrationToken.length >= 32);
    assert.ok(Date.parse(minted.expiresAt) > Date.now() + 3500_000, 'an hour by default');
    const out = await resolve(acme, minted.registrationToken);
    assert.equal(out.CustomerIdentifier, 'globex-on-acme');
    assert.equal(out.CustomerAWSAccountId, '222222222222');
    assert.equal(out.ProductCode, 'acme-saas');
    assert.equal(
      out.LicenseArn,
      'arn:aws:license-manager::222222222222:license:l-0123456789abcdef',
    );
    assert.equal(minted.licenseArn, out.LicenseArn);
  });

  it('resolves the same token again while it is valid', async () => {
    const { registrationToken } = await mint(meterd, 'acme-saas-2', '222222222222');
    const first = await resolve(acme, registrationToken);
    const second = await resolve(acme, registrationToken);
    assert.deepEqual(strip(first), strip(second));
    assert.equal(first.CustomerIdentifier, 'globex-on-acme-2');
  });

  it('refuses an unknown token, and reveals nothing when another seller resolves one', async () => {
    const unknown = await rejects(resolve(acme, 'no-such-token'), 'InvalidTokenException');
    const { registrationToken } = await mint(meterd, 'acme-saas', '222222222222');
    const foreign = await rejects(resolve(initech, registrationToken), 'InvalidTokenException');
    assert.equal(foreign, unknown, 'the same answer as for a token that does not exist');
    // The rightful seller still can.
    const out = await resolve(acme, registrationToken);
    assert.equal(out.ProductCode, 'acme-saas');
  });

  it('refuses a buyer resolving its own token: only the seller may', async () => {
    const { registrationToken } = await mint(meterd, 'acme-saas', '222222222222');
    await rejects(resolve(meterd.client(KEYS.globex), registrationToken), 'InvalidTokenException');
  });

  it('refuses an expired token with ExpiredTokenException', async () => {
    const { registrationToken, expiresAt } = await mint(shortLived, 'acme-saas', '222222222222');
    assert.ok(Date.parse(expiresAt) <= Date.now() + 1000, '--registration-token-ttl 1');
    const client = shortLived.client(KEYS.acme);
    await sleep(1200);
    await rejects(resolve(client, registrationToken), 'ExpiredTokenException');
    // Another seller learns only that the token is invalid, not that it existed.
    await rejects(
      resolve(shortLived.client(KEYS.initech), registrationToken),
      'InvalidTokenException',
    );
  });

  it('creates an active agreement when minting for a buyer with none', async () => {
    const none = await meterd.admin<{ agreements: unknown[] }>(
      'GET',
      '/agreements?productCode=acme-saas-2&customerAWSAccountId=444444444444',
    );
    assert.deepEqual(none.body.agreements, []);
    const minted = await mint(meterd, 'acme-saas-2', '444444444444');
    const created = await meterd.admin<{
      agreements: Array<{ status: string; licenseArn: string; customerIdentifier: string }>;
    }>('GET', '/agreements?productCode=acme-saas-2&customerAWSAccountId=444444444444');
    assert.equal(created.body.agreements.length, 1);
    const [agreement] = created.body.agreements;
    assert.equal(agreement!.status, 'active');
    assert.equal(agreement!.licenseArn, minted.licenseArn);

    const out = await resolve(acme, minted.registrationToken);
    assert.equal(out.CustomerIdentifier, agreement!.customerIdentifier);
    // The seller can meter the new customer at once, by the identifier it just resolved: usage
    // from the moment of subscribing on (a second ahead, inside the allowed clock skew).
    const metered = await acme.send(
      new BatchMeterUsageCommand({
        ProductCode: 'acme-saas-2',
        UsageRecords: [
          {
            Timestamp: new Date(Date.now() + 1000),
            CustomerIdentifier: out.CustomerIdentifier,
            Dimension: 'seats',
            Quantity: 3,
          },
        ],
      }),
    );
    assert.equal(metered.Results![0]!.Status, 'Success');
    // A second token for the same buyer reuses the agreement.
    await mint(meterd, 'acme-saas-2', '444444444444');
    const again = await meterd.admin<{ agreements: unknown[] }>(
      'GET',
      '/agreements?productCode=acme-saas-2&customerAWSAccountId=444444444444',
    );
    assert.equal(again.body.agreements.length, 1);
  });

  // Minting requests the admin API refuses: [what, body, status].
  const badMints: Array<[string, unknown, number]> = [
    ['an unknown product', { productCode: 'nope', customerAWSAccountId: '222222222222' }, 404],
    ['a non-SaaS product', { productCode: 'acme-ami', customerAWSAccountId: '222222222222' }, 400],
    ['a malformed account id', { productCode: 'acme-saas', customerAWSAccountId: '2222' }, 400],
    ['no customer', { productCode: 'acme-saas' }, 400],
  ];
  for (const [what, body, status] of badMints)
    it(`refuses to mint a token for ${what} (${status})`, async () => {
      const answer = await meterd.admin<{ error: { code: string; message: string } }>(
        'POST',
        '/registration-tokens',
        body,
      );
      assert.equal(answer.status, status, JSON.stringify(answer.body));
      assert.equal(typeof answer.body.error.message, 'string');
    });

  it('never writes a token into the audit trail', async () => {
    const minted = await mint(meterd, 'acme-saas', '222222222222');
    const resolved = await resolve(acme, minted.registrationToken);
    let refusedId = '';
    await assert.rejects(
      resolve(initech, minted.registrationToken),
      (error: Error & { $metadata: { requestId?: string } }) =>
        Boolean((refusedId = error.$metadata.requestId ?? '')),
    );
    // A hand-written client getting the member name wrong must not leak it either.
    const miscased = await rawCall(meterd.url, {
      credentials: KEYS.acme,
      operation: 'ResolveCustomer',
      body: JSON.stringify({ Token: minted.registrationToken }),
    });
    assert.equal(miscased.json?.__type, 'ValidationException');

    const { body } = await meterd.admin<{ events: Array<Record<string, unknown>> }>(
      'GET',
      '/events?eventName=ResolveCustomer&limit=1000',
    );
    const byRequest = (id: string | null | undefined) => {
      const found = body.events.filter((e) => e.requestID === id);
      assert.equal(found.length, 1, `one event for request ${id}`);
      return found[0]!;
    };
    const ok = byRequest(resolved.$metadata.requestId);
    assert.equal(ok.recipientAccountId, '111111111111');
    assert.deepEqual(ok.requestParameters, { registrationToken: '***' });
    assert.equal(
      (ok.responseElements as { customerAWSAccountId: string }).customerAWSAccountId,
      '222222222222',
    );
    const refused = byRequest(refusedId);
    assert.equal(refused.errorCode, 'InvalidTokenException');
    assert.equal(refused.recipientAccountId, '333333333333');
    assert.deepEqual(refused.requestParameters, { registrationToken: '***' });
    const invalid = byRequest(miscased.headers.get('x-amzn-requestid'));
    assert.equal(invalid.errorCode, 'ValidationException');
    assert.deepEqual(invalid.requestParameters, { token: '***' });
    assert.ok(!JSON.stringify(body).includes(minted.registrationToken), 'the token leaked');
  });
});

describe('meterd subscribe', () => {
  interface Received {
    contentType: string | undefined;
    form: URLSearchParams;
    resolved?: ResolveCustomerCommandOutput;
    error?: string;
  }
  let site: Server;
  let siteUrl: string;
  const received: Received[] = [];

  // The seller's fulfillment site: takes the posted token and resolves it at once.
  before(async () => {
    const seller = meterd.client(KEYS.acme);
    site = createServer(async (req: IncomingMessage, res) => {
      let text = '';
      for await (const chunk of req) text += String(chunk);
      const form = new URLSearchParams(text);
      const entry: Received = { contentType: req.headers['content-type'], form };
      received.push(entry);
      try {
        entry.resolved = await seller.send(
          new ResolveCustomerCommand({
            RegistrationToken: form.get('x-amzn-marketplace-token') ?? '',
          }),
        );
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ welcome: entry.resolved.CustomerIdentifier }));
      } catch (error) {
        entry.error = (error as Error).name;
        res.writeHead(400).end(entry.error);
      }
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/marketplace/fulfil`;
    const put = await meterd.admin('PUT', '/products/acme-saas-signup', {
      sellerAccountId: '111111111111',
      type: 'saas',
      dimensions: ['users'],
      fulfillmentUrl: siteUrl,
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
  });
  after(() => new Promise<void>((done) => site.close(() => done())));

  const subscribe = async (product: string, ...extra: string[]) => {
    const { stdout } = await run(process.execPath, [
      CLI,
      'subscribe',
      '--product-code',
      product,
      '--customer-aws-account-id',
      '222222222222',
      '--url',
      meterd.url,
      '--admin-token',
      ADMIN_TOKEN,
      ...extra,
    ]);
    return JSON.parse(stdout) as {
      registrationToken: string;
      fulfillmentUrl: string;
      status: number;
      body: string;
    };
  };

  it("form-POSTs a fresh token to the product's fulfillment URL, which resolves it", async () => {
    const printed = await subscribe('acme-saas-signup');
    assert.equal(received.length, 1);
    const [got] = received;
    assert.equal(got!.contentType, 'application/x-www-form-urlencoded');
    assert.equal(got!.form.get('x-amzn-marketplace-token'), printed.registrationToken);
    assert.equal(got!.form.get('x-amzn-marketplace-offer-type'), null);
    assert.equal(got!.error, undefined);
    assert.equal(got!.resolved!.CustomerAWSAccountId, '222222222222');
    assert.equal(got!.resolved!.ProductCode, 'acme-saas-signup');
    assert.equal(printed.fulfillmentUrl, siteUrl);
    assert.equal(printed.status, 200);
    assert.deepEqual(JSON.parse(printed.body), {
      welcome: got!.resolved!.CustomerIdentifier,
    });
  });

  it('marks a free trial', async () => {
    await subscribe('acme-saas-signup', '--free-trial');
    const got = received.at(-1)!;
    assert.equal(got.form.get('x-amzn-marketplace-offer-type'), 'free-trial');
    assert.equal(got.resolved!.ProductCode, 'acme-saas-signup');
  });

  it('fails clearly for a product without a fulfillment URL', async () => {
    await assert.rejects(
      subscribe('acme-saas'),
      (error: Error & { code?: number; stderr?: string }) => {
        assert.equal(error.code, 1);
        assert.match(error.stderr ?? '', /has no fulfillmentUrl/);
        return true;
      },
    );
  });
});

const strip = ({ $metadata: _, ...rest }: ResolveCustomerCommandOutput) => rest;

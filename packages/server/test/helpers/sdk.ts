/**
 * @module Official-SDK helpers for integration tests: expect an AWS-shaped error, send a body
 * the SDK would never build (still signed by the SDK), and mint fresh buyer credentials.
 */

import assert from 'node:assert/strict';
import type { MarketplaceMeteringClient } from '@aws-sdk/client-marketplace-metering';
import type { Credentials, Meterd } from './meterd.js';

type SdkError = Error & { $fault?: string; $metadata?: { httpStatusCode?: number } };

/**
 * Asserts that `promise` fails with the AWS error `name`, with HTTP `status` (400 unless told),
 * never a 5xx, and a message matching `message` when given.
 * @example await rejectsWith(client.send(command), 'CustomerNotEntitledException')
 */
export async function rejectsWith(
  promise: Promise<unknown>,
  name: string,
  { status = 400, message }: { status?: number; message?: RegExp } = {},
): Promise<void> {
  await assert.rejects(promise, (error: SdkError) => {
    assert.equal(error.name, name, `expected ${name}, got ${error.name}: ${error.message}`);
    assert.equal(error.$metadata?.httpStatusCode, status, `HTTP status of ${name}`);
    if (message) assert.match(error.message, message);
    return true;
  });
}

/**
 * Makes `client` rewrite each request's JSON body before the SDK signs it, to send members of
 * the wrong type or out of range, as a buggy or hostile caller would.
 * @example rewriteBody(client, (body) => ({ ...body, UsageQuantity: '5' }))
 */
export function rewriteBody(
  client: MarketplaceMeteringClient,
  rewrite: (body: Record<string, unknown>) => unknown,
): MarketplaceMeteringClient {
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as {
        body: string | Uint8Array;
        headers: Record<string, string>;
      };
      const text =
        typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body);
      const rewritten = rewrite(JSON.parse(text) as Record<string, unknown>);
      request.body = typeof rewritten === 'string' ? rewritten : JSON.stringify(rewritten);
      delete request.headers['content-length'];
      return next(args);
    },
    { step: 'build', priority: 'high', name: 'rewriteBody' },
  );
  return client;
}

/**
 * A new access key of `accountId`: a new running resource (instance, task or pod).
 * @example const task = await newAccessKey(meterd, '222222222222')
 */
export async function newAccessKey(
  meterd: Meterd,
  accountId: string,
  key: { region?: string; sessionToken?: string } = {},
): Promise<Credentials> {
  const { status, body } = await meterd.admin<Credentials & { sessionToken: string | null }>(
    'POST',
    `/accounts/${accountId}/access-keys`,
    key,
  );
  assert.equal(status, 201, `creating an access key of ${accountId}`);
  return {
    accessKeyId: body.accessKeyId,
    secretAccessKey: body.secretAccessKey,
    ...(body.sessionToken ? { sessionToken: body.sessionToken } : {}),
  };
}

/**
 * A new buyer account with one access key and an agreement per product given.
 * @example const { accountId, key, licenseArns } = await newBuyer(meterd, { 'acme-ami': 'active' })
 */
export async function newBuyer(
  meterd: Meterd,
  agreements: Record<string, { status: string; endedAt?: string } | string> = {},
): Promise<{ accountId: string; key: Credentials; licenseArns: Record<string, string> }> {
  const account = await meterd.admin<{ accountId: string; accessKeys: Credentials[] }>(
    'POST',
    '/accounts',
    {},
  );
  assert.equal(account.status, 201, 'creating a buyer account');
  const { accountId } = account.body;
  const { accessKeyId, secretAccessKey } = account.body.accessKeys[0]!;
  const licenseArns: Record<string, string> = {};
  for (const [productCode, spec] of Object.entries(agreements)) {
    const agreement = await meterd.admin<{ licenseArn: string }>('POST', '/agreements', {
      productCode,
      customerAWSAccountId: accountId,
      startedAt: '2020-01-01T00:00:00Z',
      ...(typeof spec === 'string' ? { status: spec } : spec),
    });
    assert.equal(agreement.status, 201, `creating an agreement on ${productCode}`);
    licenseArns[productCode] = agreement.body.licenseArn;
  }
  return { accountId, key: { accessKeyId, secretAccessKey }, licenseArns };
}

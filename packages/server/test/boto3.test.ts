/**
 * @module The SaaS flow through Python's boto3 against a real meterd (test/python/saas_flow.py),
 * skipped visibly when boto3 is not installed.
 */

import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { KEYS, startMeterd, type Meterd } from './helpers/meterd.js';

const SCRIPT = fileURLToPath(new URL('./python/saas_flow.py', import.meta.url));
const hasBoto3 = spawnSync('python3', ['-c', 'import boto3'], { stdio: 'ignore' }).status === 0;

interface Result {
  status: string;
  meteringRecordId: string | null;
  quantity: number;
  timestamp: number;
}
interface Failure {
  code: string;
  message: string;
  status: number;
  requestId: string;
  modeled: boolean;
}
interface Flow {
  batch: { results: Result[]; unprocessed: unknown[]; requestId: string; status: number };
  dedupe: Result[];
  notSubscribed: Result[];
  resolve: Record<string, string>;
  invalidToken: Failure;
  validation: Failure;
  invalidProduct: Failure;
  timestamp: Failure;
}

describe('boto3', () => {
  if (!hasBoto3) {
    it('runs the SaaS flow with boto3', { skip: 'boto3 is not installed' }, () => {});
    return;
  }

  let meterd: Meterd;
  let flow: Flow;
  let licenseArn: string;

  before(async () => {
    meterd = await startMeterd();
    const minted = await meterd.admin<{ registrationToken: string; licenseArn: string }>(
      'POST',
      '/registration-tokens',
      { productCode: 'acme-saas', customerAWSAccountId: '222222222222' },
    );
    assert.equal(minted.status, 201);
    licenseArn = minted.body.licenseArn;
    const { stdout } = await promisify(execFile)('python3', [SCRIPT], {
      env: {
        // Keep the developer's own AWS configuration out of it.
        ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_'))),
        AWS_CONFIG_FILE: '/dev/null',
        AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
        AWS_EC2_METADATA_DISABLED: 'true',
        METERD_FLOW: JSON.stringify({
          endpoint: meterd.url,
          region: 'us-east-1',
          accessKeyId: KEYS.acme.accessKeyId,
          secretAccessKey: KEYS.acme.secretAccessKey,
          registrationToken: minted.body.registrationToken,
        }),
      },
    });
    flow = JSON.parse(stdout) as Flow;
  });
  after(() => meterd?.stop());

  it('meters a record with BatchMeterUsage', () => {
    assert.equal(flow.batch.status, 200);
    assert.deepEqual(flow.batch.unprocessed, []);
    assert.equal(flow.batch.results.length, 1);
    const [result] = flow.batch.results;
    assert.equal(result!.status, 'Success');
    assert.match(result!.meteringRecordId!, /^[0-9a-f-]{36}$/);
    assert.equal(result!.quantity, 3);
    assert.equal(result!.timestamp % 3600, 0, 'the timestamp comes back as sent');
    assert.match(flow.batch.requestId, /^[0-9a-f-]{36}$/);
  });

  it('deduplicates within the hour, returning the original id', () => {
    const id = flow.batch.results[0]!.meteringRecordId;
    assert.deepEqual(
      flow.dedupe.map((r) => [r.status, r.meteringRecordId]),
      [
        ['Success', id],
        ['Success', id],
        ['DuplicateRecord', id],
      ],
    );
  });

  it('answers CustomerNotSubscribed without a record id', () => {
    assert.deepEqual(
      flow.notSubscribed.map((r) => [r.status, r.meteringRecordId]),
      [
        ['CustomerNotSubscribed', null],
        ['CustomerNotSubscribed', null],
      ],
    );
  });

  it('resolves a minted registration token', () => {
    assert.deepEqual(flow.resolve, {
      CustomerIdentifier: 'globex-on-acme',
      CustomerAWSAccountId: '222222222222',
      ProductCode: 'acme-saas',
      LicenseArn: licenseArn,
    });
  });

  // [case, error code, HTTP status, message]
  const errors: Array<[keyof Flow, string, number, RegExp?]> = [
    ['invalidToken', 'InvalidTokenException', 400],
    [
      'validation',
      'ValidationException',
      400,
      /^1 validation error detected: Value '.*' at 'usageRecords' failed to satisfy constraint: Member must have length less than or equal to 25$/,
    ],
    ['invalidProduct', 'InvalidProductCodeException', 400],
    ['timestamp', 'TimestampOutOfBoundsException', 400],
  ];
  for (const [name, code, status, message] of errors)
    it(`raises ${code} (HTTP ${status}) as botocore models it`, () => {
      const failure = flow[name] as Failure;
      assert.ok(failure, `${name} did not fail`);
      assert.equal(failure.code, code);
      assert.equal(failure.status, status);
      assert.match(failure.requestId, /^[0-9a-f-]{36}$/);
      if (code !== 'ValidationException')
        assert.equal(failure.modeled, true, 'caught as client.exceptions.' + code);
      if (message) assert.match(failure.message, message);
    });

  it('leaves an audit event for each call, failed ones included', async () => {
    const { body } = await meterd.admin<{
      events: Array<{ requestID: string; errorCode?: string; userAgent: string }>;
    }>('GET', '/events?limit=1000');
    const byRequest = new Map(body.events.map((e) => [e.requestID, e]));
    assert.equal(
      byRequest.get(flow.invalidProduct.requestId)?.errorCode,
      'InvalidProductCodeException',
    );
    assert.equal(byRequest.get(flow.validation.requestId)?.errorCode, 'ValidationException');
    assert.match(byRequest.get(flow.batch.requestId)!.userAgent, /Boto3\//);
  });
});

/**
 * @module GetEntitlements through boto3's marketplace-entitlement client against a real meterd
 * (test/python/entitlements.py), once per protocol, each forced by the model boto3 loads; the
 * request the client sent says which protocol it used. Skipped visibly without boto3.
 */

import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { CATALOG, LATER, SELLER } from './helpers/entitlements-catalog.js';
import { startMeterd, type Meterd } from './helpers/meterd.js';

const SCRIPT = fileURLToPath(new URL('./python/entitlements.py', import.meta.url));
const hasBoto3 = spawnSync('python3', ['-c', 'import boto3'], { stdio: 'ignore' }).status === 0;

interface Failure {
  code: string;
  message: string;
  status: number;
  modeled: boolean;
}
interface Seen {
  all: string[];
  expiry: string | null;
  filtered: Record<string, string[]>;
  pages: string[][];
  badToken: Failure;
  bothCustomers: Failure;
  otherProduct: Failure;
  sent: { path: string; contentType: string };
}

const PROTOCOLS = {
  json: { path: '/', contentType: 'application/x-amz-json-1.1' },
  'smithy-rpc-v2-cbor': {
    path: '/service/AWSMPEntitlementService/operation/GetEntitlements',
    contentType: 'application/cbor',
  },
} as const;

describe('boto3 marketplace-entitlement', () => {
  if (!hasBoto3) {
    it('gets entitlements with boto3', { skip: 'boto3 is not installed' }, () => {});
    return;
  }
  let meterd: Meterd;
  const modelDir = mkdtempSync(join(tmpdir(), 'meterd-boto3-model-'));
  before(async () => {
    meterd = await startMeterd({ catalog: CATALOG as never });
  });
  after(async () => {
    await meterd?.stop();
    rmSync(modelDir, { recursive: true, force: true });
  });

  for (const [protocol, wire] of Object.entries(PROTOCOLS))
    describe(`${protocol} forced`, () => {
      let seen: Seen;
      before(async () => {
        const { stdout } = await promisify(execFile)('python3', [SCRIPT], {
          env: {
            ...Object.fromEntries(
              Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')),
            ),
            AWS_CONFIG_FILE: '/dev/null',
            AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
            AWS_EC2_METADATA_DISABLED: 'true',
            METERD_ENTITLEMENTS: JSON.stringify({
              endpoint: meterd.url,
              region: 'us-east-1',
              ...SELLER,
              protocol,
              modelDir: join(modelDir, protocol),
            }),
          },
        });
        seen = JSON.parse(stdout) as Seen;
      });

      it(`sends ${wire.contentType} to ${wire.path}`, () => {
        assert.deepEqual(seen.sent, wire);
      });

      it('gets every entitlement, each filter, and pages', () => {
        assert.deepEqual(seen.all, [
          'cust-a/premium=true',
          'cust-a/ratio=0.5',
          'cust-a/seats=25',
          'cust-a/tier="gold"',
          'cust-b/seats=5',
        ]);
        assert.equal(Date.parse(seen.expiry!), Date.parse(LATER));
        assert.deepEqual(seen.filtered, {
          CUSTOMER_IDENTIFIER: ['cust-b/seats=5'],
          CUSTOMER_AWS_ACCOUNT_ID: ['cust-b/seats=5'],
          LICENSE_ARN: ['cust-b/seats=5'],
          DIMENSION: ['cust-a/seats=25', 'cust-b/seats=5'],
        });
        assert.deepEqual(seen.pages, [
          ['cust-a/premium=true', 'cust-a/ratio=0.5'],
          ['cust-a/seats=25', 'cust-a/tier="gold"'],
          ['cust-b/seats=5'],
        ]);
      });

      it("gets the service's errors as its modelled exception", () => {
        for (const [what, failure, message] of [
          ['a made-up NextToken', seen.badToken, /NextToken/],
          ['both customer filters', seen.bothCustomers, /cannot be used together/],
          ["another seller's product", seen.otherProduct, /Invalid product code/],
        ] as const) {
          assert.equal(failure.code, 'InvalidParameterException', what);
          assert.equal(failure.status, 400, what);
          assert.equal(failure.modeled, true, what);
          assert.match(failure.message, message, what);
        }
      });
    });
});

/**
 * @module MeterUsage and RegisterUsage driven by Python's boto3 (test/python/meter-register.py)
 * against a real meterd; skipped, with the reason shown, where python3 cannot import boto3.
 */

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { compactVerify, importSPKI } from 'jose';
import {
  ADMIN_TOKEN,
  KEYS,
  minutesAgo,
  startMeterd,
  type Credentials,
  type Meterd,
} from './helpers/meterd.js';
import { newAccessKey, newBuyer } from './helpers/sdk.js';

const SCRIPT = fileURLToPath(new URL('./python/meter-register.py', import.meta.url));
const GLOBEX = '222222222222';
const HOUR = 3600_000;

const probe = spawnSync('python3', ['-c', 'import boto3'], { encoding: 'utf8' });
const skip =
  probe.status === 0
    ? false
    : `boto3 is not available: python3 -c 'import boto3' failed (${
        probe.error?.message ?? probe.stderr.trim().split('\n').at(-1)
      })`;

interface Context {
  meterd: Meterd;
  resource: Credentials;
  otherResource: Credentials;
  task: Credentials;
  started: Credentials;
  newTask: Credentials;
  suspended: Credentials;
  licenseArn: string;
}

type Operation = 'meter_usage' | 'register_usage';
/** A boto3 call: who makes it, its parameters, and the outcome it must have. */
interface CallStep {
  name: string;
  who: (ctx: Context) => Credentials;
  operation: Operation;
  params: (ctx: Context) => Record<string, unknown>;
  /** 'ok', or the AWS error code. */
  expect: string;
  status?: number;
  /** false turns off boto3's own parameter checks, to reach the server's. */
  validate?: boolean;
}
interface AdminStep {
  name: string;
  admin: (ctx: Context) => { method: string; path: string; body?: unknown };
}
type Step = CallStep | AdminStep;

interface Result {
  name: string;
  ok: boolean;
  status?: number;
  code?: string;
  message?: string;
  response?: { MeteringRecordId?: string; Signature?: string; PublicKeyRotationTimestamp?: number };
}

// The start of the previous hour, fixed once so that a run across an hour boundary agrees.
const LAST_HOUR = Math.floor(Date.now() / HOUR) * HOUR - HOUR;
const seconds = (ms: number) => ms / 1000;
const T1 = seconds(LAST_HOUR + 17 * 60_000);
const NONCE = randomUUID();
const TOKEN = randomUUID();

const ami = (over: Record<string, unknown> = {}) => ({
  ProductCode: 'acme-ami',
  Timestamp: seconds(minutesAgo(5).getTime()),
  UsageDimension: 'hours',
  UsageQuantity: 1,
  ...over,
});
const agent = (over: Record<string, unknown> = {}) => ({
  ProductCode: 'acme-agent',
  // boto3 sends whole epoch seconds: continuous mode keeps them as they are, to the second.
  Timestamp: seconds(LAST_HOUR + 5 * 60_000 + 7_000),
  UsageDimension: 'invocations',
  UsageQuantity: 2,
  ClientToken: TOKEN,
  ...over,
});
const container = (over: Record<string, unknown> = {}) => ({
  ProductCode: 'acme-container',
  PublicKeyVersion: 1,
  Nonce: NONCE,
  ...over,
});

const meter = (
  name: string,
  who: CallStep['who'],
  params: CallStep['params'],
  expect = 'ok',
  extra: Partial<CallStep> = {},
): CallStep => ({ name, who, operation: 'meter_usage', params, expect, ...extra });
const reg = (
  name: string,
  who: CallStep['who'],
  params: CallStep['params'],
  expect = 'ok',
  extra: Partial<CallStep> = {},
): CallStep => ({ name, who, operation: 'register_usage', params, expect, ...extra });

const globex = () => KEYS.globex;

// The whole conversation, in order: later steps depend on what earlier ones stored.
const steps: Step[] = [
  meter(
    'hourly: first record',
    (c) => c.resource,
    () => ami({ Timestamp: T1, UsageQuantity: 4 }),
  ),
  meter(
    'hourly: identical retry',
    (c) => c.resource,
    () => ami({ Timestamp: T1, UsageQuantity: 4 }),
  ),
  meter(
    'hourly: same quantity later in the hour',
    (c) => c.resource,
    () => ami({ Timestamp: T1 + 30 * 60, UsageQuantity: 4 }),
  ),
  meter(
    'hourly: another quantity in the hour',
    (c) => c.resource,
    () => ami({ Timestamp: T1 + 60, UsageQuantity: 5 }),
    'DuplicateRequestException',
  ),
  meter(
    'hourly: another resource of the buyer',
    (c) => c.otherResource,
    () => ami({ Timestamp: T1, UsageQuantity: 4 }),
  ),
  meter(
    'hourly: a container product',
    (c) => c.resource,
    () => ami({ ProductCode: 'acme-container', UsageDimension: 'vcpu', Timestamp: T1 }),
  ),
  meter(
    'hourly: allocations with tags',
    (c) => c.otherResource,
    () =>
      ami({
        UsageDimension: 'vcpu',
        UsageQuantity: 3,
        UsageAllocations: [
          { AllocatedUsageQuantity: 2, Tags: [{ Key: 'team', Value: 'blue' }] },
          { AllocatedUsageQuantity: 1 },
        ],
      }),
  ),
  meter(
    'hourly: temporary credentials',
    () => KEYS.globexTask,
    () => ami(),
  ),
  meter('continuous: first record', globex, () => agent()),
  meter('continuous: retry with the same token', globex, () => agent()),
  meter(
    'continuous: same token, other quantity',
    globex,
    () => agent({ UsageQuantity: 3 }),
    'IdempotencyConflictException',
    { status: 409 },
  ),
  meter('continuous: another token in the hour', globex, () =>
    agent({ ClientToken: randomUUID() }),
  ),
  meter('continuous: token filled in by boto3', globex, () => {
    const { ClientToken: _, ...rest } = agent();
    return rest;
  }),
  meter('dry run', globex, () => ami({ DryRun: true }), 'DryRunOperation', { status: 412 }),
  meter(
    'the seller calling',
    () => KEYS.acme,
    () => ami(),
    'CustomerNotEntitledException',
  ),
  meter(
    'a buyer with no agreement',
    () => KEYS.hooli,
    () => ami(),
    'CustomerNotEntitledException',
  ),
  meter(
    'a suspended agreement',
    (c) => c.suspended,
    () => ami(),
    'CustomerNotEntitledException',
  ),
  meter(
    'a SaaS product',
    globex,
    () => ami({ ProductCode: 'acme-saas', UsageDimension: 'requests' }),
    'InvalidProductCodeException',
  ),
  meter(
    'an unknown product',
    globex,
    () => ami({ ProductCode: 'nope' }),
    'InvalidProductCodeException',
  ),
  meter(
    'another region',
    () => KEYS.globexEu,
    () => ami(),
    'InvalidEndpointRegionException',
  ),
  meter(
    'usage 6 hours old',
    globex,
    () => ami({ Timestamp: seconds(minutesAgo(360).getTime()) }),
    'TimestampOutOfBoundsException',
  ),
  meter(
    'usage in the future',
    globex,
    () => ami({ Timestamp: seconds(minutesAgo(-30).getTime()) }),
    'TimestampOutOfBoundsException',
  ),
  meter(
    'an unknown dimension',
    globex,
    () => ami({ UsageDimension: 'gpus' }),
    'InvalidUsageDimensionException',
  ),
  meter(
    'allocations not adding up',
    globex,
    () => ami({ UsageQuantity: 3, UsageAllocations: [{ AllocatedUsageQuantity: 2 }] }),
    'InvalidUsageAllocationsException',
  ),
  meter(
    'a tag with a bad character',
    globex,
    () =>
      ami({
        UsageAllocations: [{ AllocatedUsageQuantity: 1, Tags: [{ Key: 'a#b', Value: 'v' }] }],
      }),
    'InvalidTagException',
  ),
  meter('a negative quantity', globex, () => ami({ UsageQuantity: -1 }), 'ValidationException', {
    validate: false,
  }),
  reg(
    'register: a container starting',
    (c) => c.task,
    () => container(),
  ),
  reg(
    'register: temporary credentials',
    () => KEYS.globexTask,
    () => container(),
  ),
  reg(
    'register: an AMI product',
    globex,
    () => container({ ProductCode: 'acme-ami' }),
    'PlatformNotSupportedException',
  ),
  reg(
    'register: an unknown product',
    globex,
    () => container({ ProductCode: 'nope' }),
    'InvalidProductCodeException',
  ),
  reg(
    'register: another region',
    () => KEYS.globexEu,
    () => container(),
    'InvalidRegionException',
  ),
  reg(
    'register: an unknown key version',
    globex,
    () => container({ PublicKeyVersion: 7 }),
    'InvalidPublicKeyVersionException',
  ),
  reg(
    'register: key version 0',
    globex,
    () => container({ PublicKeyVersion: 0 }),
    'ValidationException',
    { validate: false },
  ),
  reg(
    'register: a 256-character nonce',
    globex,
    () => container({ Nonce: 'n'.repeat(256) }),
    'ValidationException',
    { validate: false },
  ),
  reg(
    'register: a buyer with no agreement',
    () => KEYS.hooli,
    () => container(),
    'CustomerNotEntitledException',
  ),
  reg(
    'register: first call of a task',
    (c) => c.started,
    () => container(),
  ),
  {
    name: 'suspend the agreement',
    admin: (c) => ({
      method: 'PATCH',
      path: `/agreements/${encodeURIComponent(c.licenseArn)}`,
      body: { status: 'suspended' },
    }),
  },
  reg(
    'register: the started task again',
    (c) => c.started,
    () => container(),
  ),
  reg(
    'register: a new task of the buyer',
    (c) => c.newTask,
    () => container(),
    'CustomerNotEntitledException',
  ),
  {
    name: 'rotate the signing key with no grace',
    admin: () => ({
      method: 'POST',
      path: '/signing-keys/rotate',
      body: { previousKeyGraceSeconds: 0 },
    }),
  },
  reg(
    'register: expired key version 1',
    (c) => c.task,
    () => container(),
  ),
  reg(
    'register: current key version 2',
    (c) => c.task,
    () => container({ PublicKeyVersion: 2 }),
  ),
];

// Skipped as one test, not as a suite, so that the runner's summary counts it as skipped.
if (skip) it('MeterUsage and RegisterUsage through boto3', { skip }, () => {});
else
  describe('MeterUsage and RegisterUsage through boto3', () => {
    let meterd: Meterd;
    const results = new Map<string, Result>();

    before(async () => {
      meterd = await startMeterd();
      const buyer = await newBuyer(meterd, { 'acme-container': 'active' });
      const ctx: Context = {
        meterd,
        resource: await newAccessKey(meterd, GLOBEX),
        otherResource: await newAccessKey(meterd, GLOBEX),
        task: await newAccessKey(meterd, GLOBEX),
        started: buyer.key,
        newTask: await newAccessKey(meterd, buyer.accountId),
        suspended: (await newBuyer(meterd, { 'acme-ami': 'suspended' })).key,
        licenseArn: buyer.licenseArns['acme-container']!,
      };
      const plan = {
        url: meterd.url,
        region: 'us-east-1',
        adminToken: ADMIN_TOKEN,
        steps: steps.map((s) =>
          'admin' in s
            ? { name: s.name, admin: s.admin(ctx) }
            : {
                name: s.name,
                credentials: s.who(ctx),
                operation: s.operation,
                params: s.params(ctx),
                validate: s.validate ?? true,
              },
        ),
      };
      for (const result of await runPython(JSON.stringify(plan))) results.set(result.name, result);
    });
    after(() => meterd?.stop());

    const result = (name: string) => {
      const r = results.get(name);
      assert.ok(r, `no result for '${name}'`);
      return r;
    };
    const id = (name: string) => result(name).response?.MeteringRecordId;

    for (const step of steps)
      if ('admin' in step)
        it(`${step.name} (admin API)`, () => assert.equal(result(step.name).ok, true));
      else
        it(`${step.name}: ${step.expect}`, () => {
          const r = result(step.name);
          if (step.expect === 'ok') {
            assert.equal(r.ok, true, `${r.code}: ${r.message}`);
            assert.ok(r.response?.MeteringRecordId ?? r.response?.Signature);
          } else {
            assert.equal(r.ok, false, 'must fail');
            assert.equal(r.code, step.expect, r.message);
            assert.equal(r.status, step.status ?? 400);
          }
        });

    it('keeps one hourly record per resource, returning its id to retries', () => {
      const first = id('hourly: first record');
      assert.match(first!, /^[0-9a-f-]{36}$/);
      assert.equal(id('hourly: identical retry'), first);
      assert.equal(id('hourly: same quantity later in the hour'), first);
      assert.notEqual(id('hourly: another resource of the buyer'), first);
    });

    it('deduplicates continuous records by ClientToken only', () => {
      const first = id('continuous: first record');
      assert.equal(id('continuous: retry with the same token'), first);
      const others = [
        id('continuous: another token in the hour'),
        id('continuous: token filled in by boto3'),
      ];
      assert.equal(new Set([first, ...others]).size, 3);
    });

    it('stored what boto3 sent, rounded in hourly mode and exact in continuous mode', async () => {
      const { body } = await meterd.admin<{
        records: Array<{ meteringRecordId: string; usageTime: string; quantity: number }>;
      }>('GET', '/usage?limit=1000');
      const byId = new Map(body.records.map((r) => [r.meteringRecordId, r]));
      const hourly = byId.get(id('hourly: first record')!);
      assert.deepEqual(
        [hourly?.usageTime, hourly?.quantity],
        [new Date(LAST_HOUR).toISOString(), 4],
      );
      const continuous = byId.get(id('continuous: first record')!);
      assert.equal(continuous?.usageTime, new Date(agent().Timestamp * 1000).toISOString());
      const accepted = new Set(
        steps
          .filter((s) => 'operation' in s && s.operation === 'meter_usage' && s.expect === 'ok')
          .map((s) => id(s.name)),
      );
      assert.deepEqual(
        new Set(byId.keys()),
        accepted,
        'exactly the accepted calls were stored: nothing for a dry run or a rejected call',
      );
    });

    it('returns signatures a container verifies with the public key fetched from meterd', async () => {
      for (const [name, version] of [
        ['register: a container starting', 1],
        ['register: the started task again', 1],
        ['register: expired key version 1', 1],
        ['register: current key version 2', 2],
      ] as const) {
        const pem = await (await fetch(`${meterd.url}/public-keys/${version}.pem`)).text();
        const { payload, protectedHeader } = await compactVerify(
          result(name).response!.Signature!,
          await importSPKI(pem, 'PS256'),
        );
        assert.deepEqual(protectedHeader, { alg: 'PS256', typ: 'JWT' });
        const claims = JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>;
        assert.equal(claims.productCode, 'acme-container', name);
        assert.equal(claims.publicKeyVersion, version, name);
        assert.equal(claims.nonce, NONCE, name);
        assert.ok(Math.abs((claims.iat as number) - Date.now() / 1000) < 120, name);
      }
    });

    it('adds PublicKeyRotationTimestamp only for the expired key version', () => {
      const expired = result('register: expired key version 1').response!;
      assert.equal(typeof expired.PublicKeyRotationTimestamp, 'number');
      assert.ok(expired.PublicKeyRotationTimestamp! <= Date.now() / 1000);
      for (const name of ['register: a container starting', 'register: current key version 2'])
        assert.equal(result(name).response!.PublicKeyRotationTimestamp, undefined, name);
    });

    it('never answered with a 5xx', () => {
      for (const r of results.values()) assert.ok((r.status ?? 200) < 500, r.name);
    });
  });

/** Runs the boto3 driver with `plan` on stdin and parses its JSON answer. */
function runPython(plan: string): Promise<Result[]> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${SCRIPT} exited with ${code}:\n${err}`));
      try {
        resolve(JSON.parse(out) as Result[]);
      } catch (e) {
        reject(new Error(`${SCRIPT} printed no JSON (${String(e)}):\n${out}\n${err}`));
      }
    });
    child.stdin.end(plan);
  });
}

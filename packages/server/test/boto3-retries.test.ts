/**
 * @module boto3's `standard` and `adaptive` retry modes against a real meterd (through
 * test/python/retries.py): both retry injected ThrottlingException and
 * InternalServiceErrorException and then succeed, with the attempts counted in the audit trail;
 * under AWS's quotas, adaptive mode slows its sending rate to about the quota. Skipped visibly
 * when boto3 is not installed.
 */

import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { KEYS, startMeterd, type Meterd } from './helpers/meterd.js';

const SCRIPT = fileURLToPath(new URL('./python/retries.py', import.meta.url));
const hasBoto3 = spawnSync('python3', ['-c', 'import boto3'], { stdio: 'ignore' }).status === 0;

interface Run {
  attempts: number[];
  calls: Array<{ status?: string; error?: string; attempts: number }>;
}

async function boto3(
  meterd: Meterd,
  options: {
    mode: string;
    calls: number;
    userAgent: string;
    seller?: 'acme' | 'initech';
    maxAttempts?: number;
  },
): Promise<Run> {
  const seller = options.seller ?? 'acme';
  const { stdout } = await promisify(execFile)('python3', [SCRIPT], {
    env: {
      // Keep the developer's own AWS configuration out of it.
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_'))),
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_EC2_METADATA_DISABLED: 'true',
      METERD_RETRIES: JSON.stringify({
        endpoint: meterd.url,
        region: 'us-east-1',
        accessKeyId: KEYS[seller].accessKeyId,
        secretAccessKey: KEYS[seller].secretAccessKey,
        productCode: seller === 'acme' ? 'acme-saas' : 'initech-saas',
        mode: options.mode,
        calls: options.calls,
        userAgent: options.userAgent,
        ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
      }),
    },
  });
  return JSON.parse(stdout) as Run;
}

interface Event {
  userAgent: string;
  errorCode?: string;
  additionalEventData?: { injectedFault?: { rule: string } };
}

async function eventsOf(meterd: Meterd, marker: string, since: number) {
  const r = await meterd.admin<{ events: Event[] }>(
    'GET',
    `/events?limit=1000&startTime=${Math.floor(since / 1000)}`,
  );
  return r.body.events.filter((e) => e.userAgent.includes(marker));
}

describe('boto3 retry modes', () => {
  if (!hasBoto3) {
    it('retries injected faults with boto3', { skip: 'boto3 is not installed' }, () => {});
    return;
  }

  let meterd: Meterd;
  // The quota is on initech's calls only (the rate test); acme's calls meet only the rules.
  before(async () => {
    meterd = await startMeterd({ args: ['--aws-quotas'] });
  });
  after(() => meterd?.stop());

  for (const mode of ['standard', 'adaptive'])
    for (const code of ['ThrottlingException', 'InternalServiceErrorException'])
      it(`${mode} mode retries an injected ${code} twice, then succeeds`, async () => {
        const rule = `${mode}-${code}`;
        const r = await meterd.admin('POST', '/faults', [
          { id: rule, accountId: '111111111111', error: { code }, times: 2 },
        ]);
        assert.equal(r.status, 200);
        const since = Date.now();
        const run = await boto3(meterd, { mode, calls: 1, userAgent: `boto3-${rule}` });
        assert.deepEqual(run.calls, [{ status: 'Success', attempts: 3 }]);
        const events = await eventsOf(meterd, `boto3-${rule}`, since);
        assert.equal(events.length, 3, 'three attempts in the audit trail');
        assert.deepEqual(
          events.map((e) => [e.errorCode, e.additionalEventData?.injectedFault?.rule]),
          [
            [code, rule],
            [code, rule],
            [undefined, undefined],
          ],
        );
      });

  it('adaptive mode slows its rate to about the quota under throttling', async (t) => {
    await meterd.admin('POST', '/faults', []);
    const run = await boto3(meterd, {
      mode: 'adaptive',
      calls: 40,
      userAgent: 'boto3-adaptive-rate',
      seller: 'initech',
      maxAttempts: 10,
    });
    assert.ok(
      run.calls.every((c) => c.status === 'Success'),
      JSON.stringify(run.calls),
    );
    const times = run.attempts;
    const throttles = times.length - run.calls.length;
    assert.ok(throttles > 0, 'the burst met the quota');
    // The first attempts go out at full speed; the last second's at the rate adaptive mode settled on.
    const firstRate = 10 / (times[9]! - times[0]!);
    const end = times.at(-1)!;
    const lastRate = times.filter((x) => x > end - 1).length;
    t.diagnostic(
      `adaptive: ${times.length} attempts for 40 calls (${throttles} throttled); first 10 at ${firstRate.toFixed(0)}/s, last second ${lastRate}/s`,
    );
    // How far adaptive mode comes down depends on how many throttles it met, fewer on a loaded
    // machine: at most twice the quota, and well below the burst it began with.
    assert.ok(lastRate <= 20, `the last second's rate (${lastRate}/s) is near the quota of 10/s`);
    assert.ok(firstRate > 2 * lastRate, 'slower than at the start');
  });
});

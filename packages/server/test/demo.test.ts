/**
 * @module The demo: `meterd serve` without a catalog on loopback accepts the published demo
 * credentials, and the call its start banner prints works as pasted (with the AWS CLI). Beyond
 * loopback, or with a catalog, the published secrets are refused: the demo gets generated
 * secrets, and a catalog start removes demo keys that still hold them, unless the catalog gives
 * them itself.
 */

import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { BatchMeterUsageCommand } from '@aws-sdk/client-marketplace-metering';
import { createDatabase, type Database } from '@meterd/testkit';
import {
  BACKEND,
  CATALOG,
  minutesAgo,
  startMeterd,
  type Credentials,
  type Meterd,
  type StartOptions,
} from './helpers/meterd.js';

const PUBLISHED = {
  seller: { accessKeyId: 'AKIADEMOSELLER000001', secretAccessKey: 'demo-seller-secret' },
  buyer: { accessKeyId: 'AKIADEMOBUYER0000001', secretAccessKey: 'demo-buyer-secret' },
};
const hasAws = spawnSync('aws', ['--version'], { stdio: 'ignore' }).status === 0;

/** The credentials the banner printed. */
function printed(output: string): { seller: Credentials; buyer: Credentials } {
  const line = (who: string) => {
    const m = new RegExp(
      `${who} +\\d{12} {2}AWS_ACCESS_KEY_ID=(\\S+) {2}AWS_SECRET_ACCESS_KEY=(\\S+)`,
    ).exec(output);
    assert.ok(m, `the banner names the ${who}'s credentials:\n${output}`);
    return { accessKeyId: m[1]!, secretAccessKey: m[2]! };
  };
  return { seller: line('seller'), buyer: line('buyer') };
}

/** A SaaS call of the demo seller's; resolves with the result's status or the error's name. */
async function meter(meterd: Meterd, credentials: Credentials): Promise<string> {
  try {
    const out = await meterd.client({ ...credentials }).send(
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
    return out.Results![0]!.Status!;
  } catch (error) {
    return (error as Error).name;
  }
}

describe('the demo', () => {
  // One data directory (or PostgreSQL database) that several starts share.
  let dataDir: string;
  let database: Database | undefined;
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'meterd-demo-'));
    if (BACKEND === 'postgres') database = await createDatabase();
  });
  after(async () => {
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const start = (options: StartOptions) =>
    startMeterd({
      dataDir: join(dataDir, 'data'),
      ...(database ? { databaseUrl: database.url } : {}),
      ...options,
    });

  it('on loopback accepts the published credentials, and the banner prints them with a call that works as pasted', async () => {
    const meterd = await start({ catalog: null });
    try {
      assert.deepEqual(printed(meterd.output()), PUBLISHED);
      assert.match(meterd.output(), /published credentials/);
      assert.equal(await meter(meterd, PUBLISHED.seller), 'Success');
      if (!hasAws) return;
      // The banner's call, from "Try it:" on, run by a shell as pasted into a terminal.
      const lines = meterd.output().split('Try it:\n')[1]!.split('\n');
      const call = lines
        .slice(
          0,
          lines.findIndex((l) => !l.startsWith('  ')),
        )
        .join('\n');
      const { stdout } = await promisify(execFile)('sh', ['-c', call], {
        env: { PATH: process.env.PATH!, HOME: dataDir },
      });
      assert.equal(JSON.parse(stdout).Results[0].Status, 'Success', stdout);
    } finally {
      await meterd.stop();
    }
  });

  it('beyond loopback refuses the published secrets and accepts the generated ones it prints, across restarts', async () => {
    const wide = await start({ catalog: null, host: '0.0.0.0' });
    let again: Meterd | undefined;
    try {
      const generated = printed(wide.output());
      assert.equal(generated.seller.accessKeyId, PUBLISHED.seller.accessKeyId);
      assert.notEqual(generated.seller.secretAccessKey, PUBLISHED.seller.secretAccessKey);
      assert.notEqual(generated.buyer.secretAccessKey, PUBLISHED.buyer.secretAccessKey);
      assert.match(wide.output(), /listening beyond loopback/);
      assert.equal(await meter(wide, PUBLISHED.seller), 'InvalidSignatureException');
      assert.equal(await meter(wide, generated.seller), 'Success');
      again = await wide.restart();
      assert.deepEqual(printed(again.output()), generated, 'the generated secrets are kept');
    } finally {
      await (again ?? wide).stop();
    }
    // Back on loopback, the demo has its published secrets again.
    const local = await start({ catalog: null });
    try {
      assert.equal(await meter(local, PUBLISHED.seller), 'Success');
    } finally {
      await local.stop();
    }
  });

  it('with a catalog removes the demo keys that hold the published secrets, unless the catalog gives them', async () => {
    // The data now holds the demo, with its published secrets (the previous test ends so).
    const withCatalog = await start({ catalog: CATALOG });
    try {
      assert.match(
        withCatalog.output(),
        /"accessKeyIds":\["AKIADEMOSELLER000001","AKIADEMOBUYER0000001"\][^\n]*demo access keys with published secrets removed/,
      );
      assert.doesNotMatch(withCatalog.output(), /demo-seller-secret/, 'the secret is not logged');
      assert.equal(await meter(withCatalog, PUBLISHED.seller), 'UnrecognizedClientException');
    } finally {
      await withCatalog.stop();
    }
    const local = await start({ catalog: null });
    await local.stop();
    // A catalog that gives the demo seller's key and published secret itself keeps it.
    const file = join(dataDir, 'explicit.yaml');
    writeFileSync(
      file,
      [
        'accounts:',
        "  - accountId: '111111111111'",
        '    accessKeys:',
        `      - accessKeyId: ${PUBLISHED.seller.accessKeyId}`,
        `        secretAccessKey: ${PUBLISHED.seller.secretAccessKey}`,
      ].join('\n'),
    );
    const explicit = await start({ catalog: file });
    try {
      assert.equal(await meter(explicit, PUBLISHED.seller), 'Success');
      assert.equal(
        await meter(explicit, PUBLISHED.buyer),
        'UnrecognizedClientException',
        'the buyer key the catalog does not give is removed',
      );
    } finally {
      await explicit.stop();
    }
  });
});

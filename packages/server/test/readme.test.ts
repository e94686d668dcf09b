/**
 * @module The READMEs' examples run as written against meterd started the default way (no
 * catalog: the demo), so that they cannot drift from it. Each example runs against a meterd of
 * its own, and the record it made is then looked up in the admin API. The one change made to an
 * example: `127.0.0.1:9400` becomes the test meterd's port. The AWS JavaScript SDK and
 * `@meterd/client` examples run with tsx, boto3 with python3, the AWS CLI with sh; each skips
 * visibly when its tool is missing. The paws (R) example cannot run here (no R): it is checked to
 * use the boto3 example's keys, endpoint and names. The client README's table cells that use a
 * `svc` made in another cell run after a preamble that makes it, with the demo keys of the caller
 * the operation needs (the seller for SaaS calls, the buyer for the others).
 */

import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ADMIN_TOKEN, CLI, startMeterd } from './helpers/meterd.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const CLIENT_README = readFileSync(join(ROOT, 'packages/client/README.md'), 'utf8');
const SERVER_README = readFileSync(join(ROOT, 'packages/server/README.md'), 'utf8');
const ENDPOINT = '127.0.0.1:9400';

const has = (command: string, args: string[]) =>
  spawnSync(command, args, { stdio: 'ignore' }).status === 0;
const TOOLS = {
  ts: true,
  python: has('python3', ['-c', 'import boto3']),
  sh: has('aws', ['--version']),
};

/** The text of a section, from its heading to the next heading of its level or above. */
function section(markdown: string, heading: string): string {
  const lines = markdown.split('\n');
  const start = lines.indexOf(heading);
  assert.ok(start >= 0, `the section '${heading}' exists`);
  const level = heading.split(' ')[0]!.length;
  let fenced = false;
  let end = start + 1;
  for (; end < lines.length; end++) {
    const line = lines[end]!;
    if (/^ *```/.test(line)) fenced = !fenced;
    else if (!fenced && /^#+ /.test(line) && line.split(' ')[0]!.length <= level) break;
  }
  return lines.slice(start + 1, end).join('\n');
}

/** The fenced code blocks of `text`, by language. */
function blocks(text: string, lang: string): string[] {
  return [...text.matchAll(/^ *```(\w+)\n([\s\S]*?)^ *```$/gm)]
    .filter((m) => m[1] === lang)
    .map((m) => m[2]!);
}

interface Usage {
  productCode: string;
  customerAWSAccountId: string;
  dimension: string;
  quantity: number;
}

interface Example {
  name: string;
  lang: keyof typeof TOOLS;
  code: string;
  /** The usage the example stores. */
  expect: Omit<Usage, 'customerAWSAccountId'>;
}

const SELLER = { access_key_id: 'AKIADEMOSELLER000001', secret_access_key: 'demo-seller-secret' };
const BUYER = { access_key_id: 'AKIADEMOBUYER0000001', secret_access_key: 'demo-buyer-secret' };

/** The client README's table cells that call `svc`, each after the preamble that makes it. */
function tableCells(): Example[] {
  const cells = blocks(section(CLIENT_README, '## From paws to TypeScript'), 'ts');
  const out: Example[] = [];
  const ops = {
    batchMeterUsage: { creds: SELLER, product: 'demo-saas', dimension: 'requests', quantity: 120 },
    meterUsage: { creds: BUYER, product: 'demo-ami', dimension: 'hours', quantity: 1 },
  } as const;
  for (const cell of cells) {
    const op = /^(?:const \w+ = )?await svc\.(\w+)\(\{/.exec(cell)?.[1];
    if (op !== 'batchMeterUsage' && op !== 'meterUsage') continue;
    const { creds, product, dimension, quantity } = ops[op];
    const preamble = [
      "import { marketplacemetering } from '@meterd/client';",
      `const svc = marketplacemetering({ credentials: { creds: ${JSON.stringify(creds)} }, endpoint: 'http://${ENDPOINT}', region: 'us-east-1' });`,
      '',
    ].join('\n');
    out.push({
      name: `the client README's ${op} cell`,
      lang: 'ts',
      code: preamble + cell,
      expect: { productCode: product, dimension, quantity },
    });
  }
  assert.equal(out.length, 2, 'the table has a batchMeterUsage and a meterUsage cell');
  return out;
}

const sdk = section(README, '## Pointing an SDK at meterd');
const [jsSdk, meterdClient, ...moreTs] = blocks(sdk, 'ts');
const saas = { productCode: 'demo-saas', dimension: 'requests', quantity: 3 };
const EXAMPLES: Example[] = [
  {
    name: 'the README’s AWS SDK for JavaScript v3 example',
    lang: 'ts',
    code: jsSdk!,
    expect: saas,
  },
  { name: 'the README’s @meterd/client example', lang: 'ts', code: meterdClient!, expect: saas },
  {
    name: 'the README’s boto3 example',
    lang: 'python',
    code: blocks(sdk, 'python')[0]!,
    expect: saas,
  },
  { name: 'the README’s AWS CLI example', lang: 'sh', code: blocks(sdk, 'sh')[0]!, expect: saas },
  {
    name: 'the README’s MeterUsage example (AWS CLI)',
    lang: 'sh',
    code: blocks(section(README, '### AMI products: MeterUsage'), 'sh')[0]!,
    expect: { productCode: 'demo-ami', dimension: 'hours', quantity: 1 },
  },
  {
    name: 'the client README’s first example',
    lang: 'ts',
    code: blocks(CLIENT_README, 'ts')[0]!,
    expect: { productCode: 'demo-ami', dimension: 'hours', quantity: 1 },
  },
  ...tableCells(),
  {
    name: 'the server README’s AWS SDK example',
    lang: 'ts',
    code: blocks(section(SERVER_README, '## Pointing an AWS SDK at meterd'), 'ts')[0]!,
    expect: { productCode: 'demo-saas', dimension: 'requests', quantity: 0 },
  },
];

describe('the README examples, against the default start', { concurrency: 3 }, () => {
  let work: string;
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'meterd-readme-'));
    // The examples import the packages as a project that installed them would.
    symlinkSync(join(ROOT, 'node_modules'), join(work, 'node_modules'));
    writeFileSync(join(work, 'package.json'), '{"type": "module"}');
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('has the examples it runs', () => {
    assert.equal(moreTs.length, 0, 'two TypeScript examples in "Pointing an SDK at meterd"');
    for (const e of EXAMPLES) assert.ok(e.code, e.name);
  });

  for (const [n, example] of EXAMPLES.entries())
    it(`runs ${example.name} unchanged and stores its record`, async (t) => {
      if (!TOOLS[example.lang])
        return t.skip(`${example.lang === 'sh' ? 'aws' : 'boto3'} is not installed`);
      const meterd = await startMeterd({ catalog: null });
      try {
        assert.ok(example.code.includes(ENDPOINT), `${example.name} calls ${ENDPOINT}`);
        const code = example.code.replaceAll(ENDPOINT, `127.0.0.1:${meterd.port}`);
        const file = join(
          work,
          `example-${n}.${{ ts: 'ts', python: 'py', sh: 'sh' }[example.lang]}`, // one file each: they run together
        );
        writeFileSync(file, code);
        const [command, ...args] = {
          ts: [process.execPath, '--import', 'tsx', file],
          python: ['python3', file],
          sh: ['sh', '-e', file],
        }[example.lang];
        // The machine's own AWS settings must not help (or hinder) the example.
        const env = Object.fromEntries(
          Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')),
        );
        await promisify(execFile)(command!, args, {
          cwd: work,
          env: {
            ...env,
            AWS_CONFIG_FILE: join(work, 'no-config'),
            AWS_SHARED_CREDENTIALS_FILE: join(work, 'no-credentials'),
          },
        }).catch((error: Error & { stderr?: string }) => {
          throw new Error(`${example.name} failed: ${error.stderr ?? error.message}`);
        });
        const usage = await meterd.admin<{ records: Usage[] }>('GET', '/usage');
        assert.deepEqual(
          usage.body.records.map((r) => ({
            productCode: r.productCode,
            customerAWSAccountId: r.customerAWSAccountId,
            dimension: r.dimension,
            quantity: r.quantity,
          })),
          [{ ...example.expect, customerAWSAccountId: '222222222222' }],
        );
      } finally {
        await meterd.stop();
      }
    });

  it("runs the README's entitlements example unchanged against the demo", async () => {
    const code = blocks(section(README, '## Entitlements'), 'ts')[0];
    assert.ok(code?.includes(ENDPOINT), 'the README has an entitlements example');
    const meterd = await startMeterd({ catalog: null });
    try {
      const file = join(work, 'example-entitlements.ts');
      writeFileSync(file, code!.replaceAll(ENDPOINT, `127.0.0.1:${meterd.port}`));
      const env = Object.fromEntries(
        Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')),
      );
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', file], {
        cwd: work,
        env: {
          ...env,
          AWS_CONFIG_FILE: join(work, 'no-config'),
          AWS_SHARED_CREDENTIALS_FILE: join(work, 'no-credentials'),
        },
      });
      assert.deepEqual(JSON.parse(stdout), [
        ['requests', { IntegerValue: 1_000_000 }],
        ['storage_gb', { IntegerValue: 500 }],
      ]);
    } finally {
      await meterd.stop();
    }
  });

  it('has a paws (R) example with the boto3 example’s keys, endpoint and names', () => {
    const r = blocks(sdk, 'r')[0];
    assert.ok(r, 'the README has a paws example');
    const strings = (code: string) => new Set([...code.matchAll(/"([^"]*)"/g)].map((m) => m[1]!));
    const python = strings(blocks(sdk, 'python')[0]!);
    const inR = strings(r);
    for (const value of [
      'AKIADEMOSELLER000001',
      'demo-seller-secret',
      `http://${ENDPOINT}`,
      'us-east-1',
      'demo-saas',
      '222222222222',
    ])
      assert.ok(inR.has(value), `the paws example uses ${value}`);
    for (const value of inR) assert.ok(python.has(value), `the boto3 example uses ${value} too`);
  });
});

describe('README: Usage reports', () => {
  it('runs its curl and `meterd report usage` as written', async () => {
    const meterd = await startMeterd({ catalog: null });
    const work = mkdtempSync(join(tmpdir(), 'meterd-readme-report-'));
    try {
      // `meterd` on the PATH, as an install puts it there.
      writeFileSync(join(work, 'meterd'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
      chmodSync(join(work, 'meterd'), 0o755);
      const code = blocks(section(README, '## Usage reports'), 'sh')[0]!.replaceAll(
        `http://${ENDPOINT}`,
        meterd.url,
      );
      const { stdout } = await promisify(execFile)('sh', ['-e', '-c', code], {
        cwd: work,
        env: {
          ...process.env,
          PATH: `${work}:${process.env.PATH}`,
          METERD_ADMIN_TOKEN: ADMIN_TOKEN,
        },
      });
      const report = JSON.parse(stdout) as {
        granularity: string;
        groupBy: string[];
        rows: unknown[];
      };
      assert.equal(report.granularity, 'day');
      assert.deepEqual(report.groupBy, ['dimension', 'tag:team']);
      assert.deepEqual(report.rows, []);
      assert.equal(
        readFileSync(join(work, 'january.csv'), 'utf8'),
        'period,customerAWSAccountId,dimension,quantity,records\r\n',
      );
    } finally {
      rmSync(work, { recursive: true, force: true });
      await meterd.stop();
    }
  });
});

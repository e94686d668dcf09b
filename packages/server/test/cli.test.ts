/**
 * @module The `meterd` command (the real binary, in a process of its own) against a real
 * meterd: flags named and checked, paging, create/put/delete, `catalog apply` summaries and
 * `--prune`, `audit export` twice into one folder, `entitlements` (each value kind, as
 * GetEntitlements then answers it, and its refusals), and the errors at the edges: no meterd
 * listening, a fulfillment site that is down or failing.
 */

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  GetEntitlementsCommand,
  MarketplaceEntitlementServiceClient,
} from '@aws-sdk/client-marketplace-entitlement-service';
import { BatchMeterUsageCommand } from '@aws-sdk/client-marketplace-metering';
import { ADMIN_TOKEN, CLI, KEYS, startMeterd, type Meterd } from './helpers/meterd.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `meterd args…` against `url`; resolves with its exit code and output. */
function cli(url: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { ...process.env, METERD_URL: url, METERD_ADMIN_TOKEN: ADMIN_TOKEN, ...env } },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A fulfillment site answering `status` to every POST; `posts` counts what it received. */
async function fulfillmentSite(status: number) {
  const posts: string[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      posts.push(body);
      response.writeHead(status, status === 302 ? { location: '/welcome' } : {});
      response.end(status >= 400 ? 'seller database down' : '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/signup`,
    posts,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

const hoursAgo = (n: number) =>
  new Date(Math.floor(Date.now() / 3600_000) * 3600_000 - n * 3600_000 + 60_000);

let meterd: Meterd;
let run: (...args: string[]) => Promise<Run>;
const json = <T>(r: Run): T => {
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
};

before(async () => {
  meterd = await startMeterd();
  run = (...args) => cli(meterd.url, args);
});
after(() => meterd.stop());

describe('flags', () => {
  it('names an unknown flag, and a renamed one by its new name, before any missing one', async () => {
    const typo = await run('tokens', 'create', '--prodct-code', 'acme-saas');
    assert.equal(typo.code, 1);
    assert.match(typo.stderr, /unknown option '--prodct-code'/);
    assert.match(typo.stderr, /Did you mean --product-code\?/);
    assert.doesNotMatch(typo.stderr, /required option/);

    for (const [args, before, now] of [
      [['tokens', 'create', '--product', 'acme-saas'], '--product', '--product-code'],
      [['subscribe', '--customer', '222222222222'], '--customer', '--customer-aws-account-id'],
      [['products', 'put', '--seller', '111111111111'], '--seller', '--seller-account-id'],
      [['usage', 'list', '--limit', '3'], '--limit', '--page-size'],
    ] as const) {
      const renamed = await run(...args);
      assert.equal(renamed.code, 1, args.join(' '));
      assert.match(renamed.stderr, new RegExp(`option '${before}' is now '${now}'`));
    }

    const missing = await run('tokens', 'create', '--product-code', 'acme-saas');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /required option '--customer-aws-account-id <id>' not specified/);
  });

  it('marks required flags in help', async () => {
    for (const [command, flags] of [
      ['tokens create', ['--product-code', '--customer-aws-account-id']],
      ['products put', ['--product-code', '--seller-account-id', '--type', '--dimensions']],
      ['agreements put', ['--product-code', '--customer-aws-account-id', '--license-arn']],
      ['accounts delete', ['--account-id']],
    ] as const) {
      const help = await run(...command.split(' '), '--help');
      assert.equal(help.code, 0);
      for (const flag of flags)
        assert.match(help.stdout, new RegExp(`${flag} <[^>]+>\\s+[^\\n]*\\(required\\)`), flag);
      assert.doesNotMatch(help.stdout, /--(product|customer|seller) </, 'no old names');
    }
    const optional = await run('agreements', 'create', '--help');
    assert.doesNotMatch(optional.stdout, /--license-arn <arn>\s+[^\n]*\(required\)/);
  });
});

describe('edge errors', () => {
  it('says meterd cannot be reached, and how to fix it, when nothing listens at --url', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const down = await cli(url, ['products', 'list']);
    assert.equal(down.code, 1);
    assert.equal(
      down.stderr.trim(),
      `meterd: cannot reach meterd at ${url} (connection refused): is \`meterd serve\` running? set --url / METERD_URL`,
    );
  });

  it('says the admin token was refused, and where to set it', async () => {
    const refused = await cli(meterd.url, ['products', 'list'], { METERD_ADMIN_TOKEN: 'wrong' });
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /refused the admin token: set --admin-token \/ METERD_ADMIN_TOKEN/,
    );
  });

  it('subscribe: an unreachable fulfillment URL leaves no agreement behind', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/signup`;
    const failed = await run(
      'subscribe',
      '--product-code',
      'acme-saas',
      '--customer-aws-account-id',
      '565656565656',
      '--fulfillment-url',
      url,
    );
    assert.equal(failed.code, 1);
    assert.match(
      failed.stderr,
      new RegExp(
        `cannot reach the fulfillment URL ${url} \\(connection refused\\); nothing was subscribed`,
      ),
    );
    const left = json<{ agreements: unknown[] }>(
      await run('agreements', 'list', '--customer-aws-account-id', '565656565656'),
    );
    assert.deepEqual(left.agreements, []);
  });

  it("subscribe: a fulfillment site's error is reported with its status, and undone", async () => {
    const site = await fulfillmentSite(500);
    try {
      const failed = await run(
        'subscribe',
        '--product-code',
        'acme-saas',
        '--customer-aws-account-id',
        '575757575757',
        '--fulfillment-url',
        site.url,
      );
      assert.equal(failed.code, 1);
      assert.match(
        failed.stderr,
        /answered HTTP 500: seller database down; nothing was subscribed/,
      );
      assert.equal(site.posts.length, 1);
      assert.match(site.posts[0]!, /^x-amzn-marketplace-token=/);
      const left = json<{ agreements: unknown[] }>(
        await run('agreements', 'list', '--customer-aws-account-id', '575757575757'),
      );
      assert.deepEqual(left.agreements, []);

      // A buyer who was subscribed already keeps the agreement.
      const kept = await run(
        'subscribe',
        '--product-code',
        'acme-saas',
        '--customer-aws-account-id',
        '222222222222',
        '--fulfillment-url',
        site.url,
      );
      assert.equal(kept.code, 1);
      assert.match(kept.stderr, /the buyer keeps the agreement it had/);
      const still = json<{ agreements: unknown[] }>(
        await run(
          'agreements',
          'list',
          '--product-code',
          'acme-saas',
          '--customer-aws-account-id',
          '222222222222',
        ),
      );
      assert.equal(still.agreements.length, 1);
    } finally {
      await site.close();
    }
  });

  it('subscribe: a site that takes the token keeps the new agreement', async () => {
    const site = await fulfillmentSite(302);
    try {
      const done = json<{ status: number; location: string; licenseArn: string }>(
        await run(
          'subscribe',
          '--product-code',
          'acme-saas',
          '--customer-aws-account-id',
          '585858585858',
          '--fulfillment-url',
          site.url,
        ),
      );
      assert.equal(done.status, 302);
      assert.equal(done.location, '/welcome');
      const listed = json<{ agreements: Array<{ licenseArn: string }> }>(
        await run('agreements', 'list', '--customer-aws-account-id', '585858585858'),
      );
      assert.deepEqual(
        listed.agreements.map((a) => a.licenseArn),
        [done.licenseArn],
      );
    } finally {
      await site.close();
    }
  });
});

describe('paging', () => {
  interface Page {
    records: Array<{ meteringRecordId: string }>;
    nextToken?: string;
  }
  let all: string[];
  const list = async (...args: string[]) =>
    json<Page>(await run('usage', 'list', '--product-code', 'acme-saas-2', ...args));

  before(async () => {
    const client = meterd.client(KEYS.acme);
    const answer = await client.send(
      new BatchMeterUsageCommand({
        ProductCode: 'acme-saas-2',
        UsageRecords: [1, 2, 3, 4, 5].map((n) => ({
          Timestamp: hoursAgo(n),
          CustomerAWSAccountId: '222222222222',
          Dimension: 'seats',
          Quantity: n,
        })),
      }),
    );
    assert.ok(answer.Results!.every((r) => r.Status === 'Success'));
    all = (await list('--page-size', '1000')).records.map((r) => r.meteringRecordId);
    assert.equal(all.length, 5);
  });

  it('a page of exactly the records there are carries no nextToken', async () => {
    const exact = await list('--page-size', '5');
    assert.equal(exact.records.length, 5);
    assert.equal(exact.nextToken, undefined);
  });

  it('--next-token continues where a page ended', async () => {
    const first = await list('--page-size', '2');
    assert.equal(first.records.length, 2);
    assert.ok(first.nextToken);
    const second = await list('--page-size', '2', '--next-token', first.nextToken);
    const third = await list('--page-size', '2', '--next-token', second.nextToken!);
    assert.equal(third.nextToken, undefined);
    assert.deepEqual(
      [...first.records, ...second.records, ...third.records].map((r) => r.meteringRecordId),
      all,
    );
  });

  it('--all follows every token into one result; --max-items stops and says where to resume', async () => {
    const merged = await list('--page-size', '2', '--all');
    assert.deepEqual(
      merged.records.map((r) => r.meteringRecordId),
      all,
    );
    assert.equal(merged.nextToken, undefined);

    const some = await list('--page-size', '2', '--max-items', '3');
    assert.equal(some.records.length, 3);
    assert.ok(some.nextToken);
    const rest = await list('--page-size', '2', '--all', '--next-token', some.nextToken);
    assert.deepEqual(
      [...some.records, ...rest.records].map((r) => r.meteringRecordId),
      all,
    );

    const events = json<{ events: Array<{ eventID: string }>; nextToken?: string }>(
      await run('audit', 'list', '--page-size', '1', '--all'),
    );
    const direct = await meterd.admin<{ events: Array<{ eventID: string }> }>(
      'GET',
      '/events?limit=1000',
    );
    assert.deepEqual(
      events.events.map((e) => e.eventID),
      direct.body.events.map((e) => e.eventID),
    );
    assert.equal(events.nextToken, undefined);
  });
});

describe('create, put and delete', () => {
  it('create fails on an existing id, put replaces, delete refuses what is in use unless --force', async () => {
    const exists = await run('accounts', 'create', '--account-id', '111111111111');
    assert.equal(exists.code, 1);
    assert.match(
      exists.stderr,
      /AlreadyExists: account 111111111111 already exists \(`put` replaces it\)/,
    );
    const key = await run(
      'accounts',
      'add-key',
      '--account-id',
      '222222222222',
      '--access-key-id',
      'AKIAGLOBEXBUYER00001',
    );
    assert.equal(key.code, 1);
    assert.match(
      key.stderr,
      /access key AKIAGLOBEXBUYER00001 already exists \(`put-key` replaces it\)/,
    );

    const product = ['--product-code', 'cli-saas', '--seller-account-id', '111111111111'];
    json(await run('products', 'create', ...product, '--type', 'saas', '--dimensions', 'a'));
    const again = await run(
      'products',
      'create',
      ...product,
      '--type',
      'saas',
      '--dimensions',
      'b',
    );
    assert.equal(again.code, 1);
    assert.match(again.stderr, /AlreadyExists: product cli-saas already exists/);
    const put = json<{ dimensions: string[] }>(
      await run('products', 'put', ...product, '--type', 'saas', '--dimensions', 'b,c'),
    );
    assert.deepEqual(put.dimensions, ['b', 'c']);

    const agreement = json<{ licenseArn: string }>(
      await run(
        'agreements',
        'create',
        '--product-code',
        'cli-saas',
        '--customer-aws-account-id',
        '595959595959',
      ),
    );
    const inUse = await run('products', 'delete', '--product-code', 'cli-saas');
    assert.equal(inUse.code, 1);
    assert.match(
      inUse.stderr,
      /InUse: product cli-saas has agreements \(arn:aws:license-manager::595959595959:/,
    );
    const forced = json<{ removed: Record<string, string[]> }>(
      await run('products', 'delete', '--product-code', 'cli-saas', '--force'),
    );
    assert.deepEqual(forced.removed, {
      products: ['cli-saas'],
      agreements: [agreement.licenseArn],
    });
    const gone = await run('products', 'get', '--product-code', 'cli-saas');
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /NotFound: product cli-saas does not exist/);
  });
});

describe('entitlements', () => {
  it('list, put with each value kind (GetEntitlements answers them), clear, and the refusals', async () => {
    json(
      await run(
        'products',
        'create',
        '--product-code',
        'cli-contract',
        '--seller-account-id',
        '111111111111',
        '--type',
        'saas',
        '--dimensions',
        'seats,storage,sso,tier',
      ),
    );
    const { licenseArn } = json<{ licenseArn: string }>(
      await run(
        'agreements',
        'create',
        '--product-code',
        'cli-contract',
        '--customer-aws-account-id',
        '616161616161',
      ),
    );
    const arn = ['--license-arn', licenseArn];
    type Listed = { licenseArn: string; entitlements: Array<Record<string, unknown>> };
    assert.deepEqual(json<Listed>(await run('entitlements', 'list', ...arn)), {
      licenseArn,
      entitlements: [],
    });

    const put = json<Listed>(
      await run(
        'entitlements',
        'put',
        ...arn,
        '--integer',
        'seats=25',
        '--double',
        'storage=2.5',
        '--boolean',
        'sso=true',
        '--string',
        'tier=gold=plus',
        '--expiration-date',
        '2099-01-01T00:00:00Z',
      ),
    );
    const expected = [
      { dimension: 'seats', integerValue: 25 },
      { dimension: 'storage', doubleValue: 2.5 },
      { dimension: 'sso', booleanValue: true },
      { dimension: 'tier', stringValue: 'gold=plus' },
    ].map((e) => ({ ...e, expirationDate: '2099-01-01T00:00:00.000Z' }));
    assert.deepEqual(put.entitlements, expected);
    assert.deepEqual(
      json<Listed>(await run('entitlements', 'list', ...arn)).entitlements,
      expected,
    );

    // What the seller's code reads.
    const client = new MarketplaceEntitlementServiceClient({
      endpoint: meterd.url,
      region: 'us-east-1',
      credentials: { ...KEYS.acme },
      maxAttempts: 1,
    });
    try {
      const got = await client.send(new GetEntitlementsCommand({ ProductCode: 'cli-contract' }));
      assert.deepEqual(
        got.Entitlements!.map((e) => [e.Dimension, e.Value]),
        [
          ['seats', { IntegerValue: 25 }],
          ['sso', { BooleanValue: true }],
          ['storage', { DoubleValue: 2.5 }],
          ['tier', { StringValue: 'gold=plus' }],
        ],
      );
    } finally {
      client.destroy();
    }

    // put replaces them all.
    const replaced = json<Listed>(await run('entitlements', 'put', ...arn, '--integer', 'seats=5'));
    assert.deepEqual(replaced.entitlements, [{ dimension: 'seats', integerValue: 5 }]);

    // Refusals: a dimension the product lacks, a value of the wrong kind, no agreement.
    const refused = await run('entitlements', 'put', ...arn, '--integer', 'gpus=1');
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /InvalidCatalog: .*entitlements\[0\]\.dimension: 'gpus' is not a dimension of product cli-contract/,
    );
    const notBoolean = await run('entitlements', 'put', ...arn, '--boolean', 'sso=yes');
    assert.equal(notBoolean.code, 1);
    assert.match(notBoolean.stderr, /'yes' is not true or false/);
    const notNumber = await run('entitlements', 'put', ...arn, '--integer', 'seats=many');
    assert.equal(notNumber.code, 1);
    assert.match(notNumber.stderr, /'many' is not a number/);
    const noEquals = await run('entitlements', 'put', ...arn, '--integer', 'seats');
    assert.equal(noEquals.code, 1);
    assert.match(noEquals.stderr, /'seats' is not <dimension>=<value>/);
    const twice = await run(
      'entitlements',
      'put',
      ...arn,
      '--integer',
      'seats=1',
      '--double',
      'seats=2',
    );
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, /'seats' is given twice/);
    const missing = 'arn:aws:license-manager::616161616161:license:l-missing';
    for (const command of ['list', 'put', 'clear']) {
      const r = await run('entitlements', command, '--license-arn', missing);
      assert.equal(r.code, 1, command);
      assert.match(r.stderr, new RegExp(`NotFound: agreement ${missing} does not exist`), command);
    }
    // Nothing refused changed what the agreement has.
    assert.deepEqual(json<Listed>(await run('entitlements', 'list', ...arn)).entitlements, [
      { dimension: 'seats', integerValue: 5 },
    ]);

    assert.deepEqual(json<Listed>(await run('entitlements', 'clear', ...arn)), {
      licenseArn,
      entitlements: [],
    });
    assert.deepEqual(json<Listed>(await run('entitlements', 'list', ...arn)).entitlements, []);
  });
});

describe('audit export', () => {
  it('writes the same files when run twice for the same range: nothing is counted twice', async () => {
    const out = mkdtempSync(join(tmpdir(), 'meterd-export-'));
    try {
      // Whole hours: from 10 hours ago to the end of this hour.
      const start = new Date(hoursAgo(10).getTime() - 60_000).toISOString();
      const end = new Date(hoursAgo(-1).getTime() - 60_000).toISOString();
      const range = ['--start-time', start, '--end-time', end];
      const files = () =>
        (readdirSync(out, { recursive: true }) as string[])
          .filter((f) => f.endsWith('.json.gz'))
          .sort();
      const first = json<{ events: number; files: string[] }>(
        await run('audit', 'export', '--out', out, ...range),
      );
      assert.ok(first.events > 0);
      const written = files();
      const contents = written.map((f) => readFileSync(join(out, f)));
      const second = json<{ events: number; files: string[] }>(
        await run('audit', 'export', '--out', out, ...range),
      );
      assert.deepEqual([...second.files].sort(), [...first.files].sort());
      assert.deepEqual(files(), written, 'no second set of files');
      assert.deepEqual(
        written.map((f) => readFileSync(join(out, f))),
        contents,
      );
      // Without an end, whole hours keep their names too: the same files, overwritten.
      const open = json<{ files: string[] }>(
        await run('audit', 'export', '--out', out, '--start-time', start),
      );
      assert.deepEqual([...open.files].sort(), [...first.files].sort());
      assert.deepEqual(files(), written);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe('catalog apply', () => {
  let own: Meterd;
  let dir: string;
  before(async () => {
    own = await startMeterd();
    dir = mkdtempSync(join(tmpdir(), 'meterd-apply-'));
  });
  after(async () => {
    await own.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const SECRET = 'bulk-seller-secret-0123456789';
  const catalogOf = (customers: number) => ({
    accounts: [
      {
        accountId: '919191919191',
        name: 'bulk-seller',
        accessKeys: [{ accessKeyId: 'AKIABULKSELLER000001', secretAccessKey: SECRET }],
      },
    ],
    products: [
      {
        productCode: 'bulk-saas',
        sellerAccountId: '919191919191',
        type: 'saas',
        dimensions: ['users'],
      },
    ],
    agreements: Array.from({ length: customers }, (_, i) => ({
      productCode: 'bulk-saas',
      customerAWSAccountId: String(300000000000 + i),
      startedAt: '2020-01-01T00:00:00Z',
    })),
  });
  const file = (name: string, doc: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(doc));
    return path;
  };
  type Summary = Record<
    string,
    { created: number; updated: number; unchanged: number; removed: number }
  >;

  it('export | apply round-trips notification targets; their secrets only with --include-secrets', async () => {
    const ownRun = (...args: string[]) => cli(own.url, args);
    const TARGET_SECRET = 'target-secret-0123456789';
    const targets = [
      {
        id: 'rt-sqs',
        type: 'sqs',
        topic: 'subscription',
        productCode: 'acme-saas',
        queueUrl: 'http://127.0.0.1:1/000000000000/round-trip',
        region: 'us-east-1',
        accessKeyId: 'AKIDROUNDTRIP',
        secretAccessKey: TARGET_SECRET,
        rawMessageDelivery: true,
      },
      {
        id: 'rt-events',
        type: 'eventbridge-http',
        topic: 'all',
        endpoint: 'http://127.0.0.1:1/ev',
      },
    ];
    json(await ownRun('catalog', 'apply', file('targets.json', { notificationTargets: targets })));
    const stored = async () =>
      (
        await own.admin<{ notificationTargets: Array<Record<string, unknown>> }>(
          'GET',
          '/notification-targets?secrets=true',
        )
      ).body.notificationTargets.filter((t) => String(t.id).startsWith('rt-'));
    const held = await stored();

    const exported = await ownRun('catalog', 'export');
    assert.equal(exported.code, 0, exported.stderr);
    assert.doesNotMatch(exported.stdout, new RegExp(TARGET_SECRET));
    const doc = JSON.parse(exported.stdout) as {
      notificationTargets: Array<Record<string, unknown>>;
    };
    const { secretAccessKey: _secret, ...withoutSecret } = targets[0]!;
    assert.deepEqual(
      doc.notificationTargets.filter((t) => String(t.id).startsWith('rt-')),
      [withoutSecret, targets[1]!].sort((a, b) => (String(a.id) < String(b.id) ? -1 : 1)),
    );
    // Applied back without secrets: the target keeps the secret meterd holds, unchanged.
    json(await ownRun('catalog', 'apply', file('exported.json', doc)));
    assert.deepEqual(await stored(), held);

    const full = json<{ notificationTargets: Array<Record<string, unknown>> }>(
      await ownRun('catalog', 'export', '--include-secrets'),
    );
    assert.equal(
      full.notificationTargets.find((t) => t.id === 'rt-sqs')!.secretAccessKey,
      TARGET_SECRET,
    );

    // Into another meterd: the export without secrets names what is missing; with them it applies.
    const fresh = await startMeterd();
    try {
      const missing = await cli(fresh.url, ['catalog', 'apply', file('exported.json', doc)]);
      assert.equal(missing.code, 1);
      assert.match(
        missing.stderr,
        /notificationTargets\.rt-sqs\.secretAccessKey: is required: meterd holds no secret for access key AKIDROUNDTRIP/,
      );
      json(await cli(fresh.url, ['catalog', 'apply', file('full.json', full)]));
      const copied = (
        await fresh.admin<{ notificationTargets: Array<Record<string, unknown>> }>(
          'GET',
          '/notification-targets?secrets=true',
        )
      ).body.notificationTargets.filter((t) => String(t.id).startsWith('rt-'));
      const brief = (list: Array<Record<string, unknown>>) =>
        list.map(({ id, type, topic, productCode, config }) => ({
          id,
          type,
          topic,
          productCode,
          config,
        }));
      assert.deepEqual(brief(copied), brief(held));
    } finally {
      await fresh.stop();
    }
  });

  it('prints a summary, never a secret, and 3,000 agreements apply in seconds', async () => {
    const big = file('big.json', catalogOf(3000));
    const started = performance.now();
    const first = await cli(own.url, ['catalog', 'apply', big]);
    const firstMs = performance.now() - started;
    const summary = json<{ summary: Summary }>(first).summary;
    assert.deepEqual(summary.agreements, { created: 3000, updated: 0, unchanged: 0, removed: 0 });
    assert.deepEqual(summary.products, { created: 1, updated: 0, unchanged: 0, removed: 0 });
    assert.ok(!first.stdout.includes(SECRET), 'no secret printed');
    assert.ok(first.stdout.split('\n').length < 40, `${first.stdout.split('\n').length} lines`);

    const again = performance.now();
    const second = json<{ summary: Summary }>(
      await cli(own.url, ['catalog', 'apply', big]),
    ).summary;
    const secondMs = performance.now() - again;
    assert.deepEqual(second.agreements, { created: 0, updated: 0, unchanged: 3000, removed: 0 });
    process.stdout.write(
      `# figure: catalog apply of 3,000 agreements: ${Math.round(firstMs)} ms, again (unchanged) ${Math.round(secondMs)} ms (CLI process included)\n`,
    );
    assert.ok(firstMs < 15_000 && secondMs < 15_000, `${firstMs} ms, ${secondMs} ms`);

    const details = json<{ changes: Record<string, { updated: string[] }> }>(
      await cli(own.url, [
        'catalog',
        'apply',
        file('one.json', {
          agreements: [
            { productCode: 'bulk-saas', customerAWSAccountId: '300000000000', status: 'suspended' },
          ],
        }),
        '--details',
      ]),
    );
    assert.equal(details.changes.agreements!.updated.length, 1);
  });

  it('--prune removes what the file no longer names, and refuses a file that names what it would remove', async () => {
    const broken = await cli(own.url, [
      'catalog',
      'apply',
      file('broken.json', { agreements: catalogOf(1).agreements }),
      '--prune',
    ]);
    assert.equal(broken.code, 1);
    assert.match(
      broken.stderr,
      /InvalidCatalog: agreements\.bulk-saas\.300000000000: product bulk-saas does not exist in the file/,
    );

    const before = await own.admin<{ agreements: unknown[] }>('GET', '/catalog');
    const small = json<{ summary: Summary }>(
      await cli(own.url, ['catalog', 'apply', file('small.json', catalogOf(10)), '--prune']),
    ).summary;
    assert.equal(small.agreements!.removed, before.body.agreements.length - 10);
    assert.equal(small.agreements!.unchanged + small.agreements!.updated, 10);
    assert.ok(small.products!.removed >= 1, 'the fixture products went');
    assert.ok(small.accounts!.removed >= 1, 'the fixture accounts went');
    const left = await own.admin<{ accounts: Array<{ accountId: string }>; agreements: unknown[] }>(
      'GET',
      '/catalog',
    );
    assert.deepEqual(
      left.body.accounts.map((a) => a.accountId),
      ['919191919191'],
    );
    assert.equal(left.body.agreements.length, 10);

    const exported = await cli(own.url, ['catalog', 'export']);
    assert.ok(!exported.stdout.includes(SECRET), 'export leaves secrets out');
    const withSecrets = await cli(own.url, ['catalog', 'export', '--include-secrets']);
    assert.ok(withSecrets.stdout.includes(SECRET));
  });
});

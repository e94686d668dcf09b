/**
 * @module The console end to end, in Debian's chromium through playwright-core against a real
 * meterd: the login and its refusal, every page driven as a person does, its numbers checked
 * against calls just made with boto3 and the AWS SDK, the CSRF rule, and an axe-core check of
 * every page. Skipped, saying why, when chromium is not installed.
 */

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BatchMeterUsageCommand } from '@aws-sdk/client-marketplace-metering';
import type { Browser, Page } from 'playwright-core';
import { ADMIN_TOKEN, KEYS, startMeterd, minutesAgo, type Meterd } from './helpers/meterd.js';
import { Receiver } from './helpers/receivers.js';
import {
  NO_BROWSER,
  VIEWPORT,
  launch,
  login,
  openPage,
  seriousViolations,
} from '@meterd/testkit/browser';

const OVERVIEW_CALLS = fileURLToPath(new URL('./python/overview_calls.py', import.meta.url));
const hasBoto3 = spawnSync('python3', ['-c', 'import boto3'], { stdio: 'ignore' }).status === 0;
const PAGES = ['overview', 'usage', 'customers', 'audit', 'notifications', 'faults', 'keys'];
const BUYER = '222222222222';

describe('console', { skip: NO_BROWSER }, () => {
  let meterd: Meterd;
  let browser: Browser;
  let page: Page;
  let receiver: Receiver;
  const cspErrors: string[] = [];
  const pageErrors: string[] = [];

  before(async () => {
    [meterd, browser, receiver] = await Promise.all([
      startMeterd({ args: ['--notification-poll-ms', '50'] }),
      launch(),
      Receiver.start(),
    ]);
    await meterd.admin('POST', '/registration-tokens', {
      productCode: 'acme-saas',
      customerAWSAccountId: BUYER,
    });
    page = await browser.newPage({ viewport: VIEWPORT, acceptDownloads: true });
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (error) => pageErrors.push(`${error.message}\n${error.stack ?? ''}`));
    page.on('console', (m) => {
      if (/Content.Security.Policy/i.test(m.text())) cspErrors.push(m.text());
    });
  });
  /** One BatchMeterUsage call of one record for the buyer. */
  const meterOne = (at: Date) =>
    meterd.client(KEYS.acme).send(
      new BatchMeterUsageCommand({
        ProductCode: 'acme-saas',
        UsageRecords: [
          { CustomerAWSAccountId: BUYER, Dimension: 'requests', Quantity: 1, Timestamp: at },
        ],
      }),
    );
  after(async () => {
    await browser?.close();
    await receiver?.close();
    await meterd?.stop();
  });

  it('refuses a wrong token, and logs in with the admin token to an HttpOnly, SameSite=Strict cookie', async () => {
    await page.goto(`${meterd.url}/console/`);
    await page.getByLabel('Admin token').fill('not-the-token');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').filter({ hasText: 'not the admin token' }).waitFor();
    assert.deepEqual(await page.context().cookies(), []);
    const refused = await fetch(`${meterd.url}/console/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: 'not-the-token' }),
    });
    assert.equal(refused.status, 401);
    assert.equal(
      ((await refused.json()) as { error: { code: string } }).error.code,
      'Unauthorized',
    );

    await login(page, meterd.url, ADMIN_TOKEN);
    const [cookie] = await page.context().cookies();
    assert.equal(cookie?.name, 'meterd_session');
    assert.equal(cookie?.httpOnly, true);
    assert.equal(cookie?.sameSite, 'Strict');
    assert.equal(cookie?.secure, false); // plain HTTP here; Secure over HTTPS:
    const behindTls = await fetch(`${meterd.url}/console/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' },
      body: JSON.stringify({ token: ADMIN_TOKEN }),
    });
    assert.equal(behindTls.status, 201);
    assert.match(
      behindTls.headers.get('set-cookie') ?? '',
      /; HttpOnly; SameSite=Strict; .*; Secure$/,
    );
  });

  it('serves the console with a CSP that loads nothing from elsewhere, and caches its hashed files', async () => {
    const index = await fetch(`${meterd.url}/console/`);
    assert.equal(index.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(index.headers.get('cache-control'), 'no-cache');
    const csp = index.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:/);
    const script = /src="(assets\/[^"]+\.js)"/.exec(await index.text())?.[1];
    const asset = await fetch(`${meterd.url}/console/${script}`);
    assert.equal(asset.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.match(asset.headers.get('cache-control') ?? '', /immutable/);
    const missing = await fetch(`${meterd.url}/console/assets/nothing.js`);
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'NotFound');
  });

  it(
    'counts on the overview the calls just made with boto3',
    { skip: !hasBoto3 && 'boto3 is not installed' },
    async () => {
      const { stdout } = await promisify(execFile)('python3', [OVERVIEW_CALLS], {
        env: {
          ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_'))),
          AWS_CONFIG_FILE: '/dev/null',
          AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
          AWS_EC2_METADATA_DISABLED: 'true',
          METERD_FLOW: JSON.stringify({
            endpoint: meterd.url,
            region: 'us-east-1',
            ...KEYS.acme,
            customer: BUYER,
          }),
        },
      });
      const made = JSON.parse(stdout) as {
        calls: number;
        records: number;
        errors: number;
        errorCode: string;
      };
      assert.deepEqual(made, {
        calls: 3,
        records: 6,
        errors: 1,
        errorCode: 'InvalidProductCodeException',
      });
      await openPage(page, meterd.url, 'overview');
      const totals = page.locator('dl.totals');
      assert.equal(await totals.getAttribute('data-calls'), String(made.calls));
      assert.equal(await totals.getAttribute('data-records'), String(made.records));
      assert.equal(await totals.getAttribute('data-errors'), String(made.errors));
      const failures = page.getByRole('table', { name: 'The latest failed AWS calls' });
      await failures.getByText(made.errorCode).waitFor();
    },
  );

  it("charts the usage report: the page shows the report's rows, and downloads its CSV", async () => {
    // Usage in three hours and both dimensions (the boto3 calls above, when boto3 is here).
    const top = Math.floor(Date.now() / 3600_000) * 3600_000;
    await meterd.client(KEYS.acme).send(
      new BatchMeterUsageCommand({
        ProductCode: 'acme-saas',
        UsageRecords: [1, 2, 3].map((h) => ({
          CustomerAWSAccountId: BUYER,
          Dimension: 'storage_gb',
          Quantity: 10 * h,
          Timestamp: new Date(top - h * 3600_000 + 120_000),
        })),
      }),
    );
    for (const groupBy of ['dimension', 'customer']) {
      const q = new URLSearchParams({
        from: new Date(top - 24 * 3600_000).toISOString(),
        to: new Date(top + 3600_000).toISOString(),
        granularity: 'hour',
        groupBy,
        productCode: 'acme-saas',
      });
      await page.goto('about:blank');
      await page.goto(`${meterd.url}/console/#/usage?${q}`);
      const table = page.locator('[data-report]');
      await table.waitFor();
      const shown = JSON.parse((await table.getAttribute('data-report'))!) as unknown[];
      const report = await meterd.admin<{ rows: unknown[] }>('GET', `/reports/usage?${q}`);
      assert.equal(report.status, 200);
      assert.ok(report.body.rows.length >= 3, 'the report has the usage just metered');
      assert.deepEqual(shown, report.body.rows, `stacked by ${groupBy}`);
      assert.equal(await table.locator('tbody tr').count(), report.body.rows.length);

      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('link', { name: 'Download CSV' }).click(),
      ]);
      const csv = await readFile((await download.path())!, 'utf8');
      const wanted = await fetch(`${meterd.url}/admin/v1/reports/usage?${q}&format=csv`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      assert.equal(csv, await wanted.text());
    }
  });

  it('refuses a change sent with the session cookie but without its CSRF token', async () => {
    await openPage(page, meterd.url, 'overview');
    // A string, so that the test's compiler adds nothing to what the page runs.
    const answers = (await page.evaluate(`(async () => {
      const call = async (init) => {
        const r = await fetch('/admin/v1/faults', { credentials: 'same-origin', ...init });
        return { status: r.status, body: await r.json() };
      };
      const rule = JSON.stringify([{ operation: 'ResolveCustomer', error: { code: 'ThrottlingException' } }]);
      const json = { 'content-type': 'application/json' };
      return {
        read: await call({}),
        none: await call({ method: 'PATCH', headers: json, body: rule }),
        wrong: await call({ method: 'PATCH', headers: { ...json, 'x-csrf-token': 'guess' }, body: rule }),
      };
    })()`)) as Record<
      'read' | 'none' | 'wrong',
      { status: number; body: { error: { code: string } } }
    >;
    assert.equal(answers.read.status, 200);
    for (const refused of [answers.none, answers.wrong]) {
      assert.equal(refused.status, 403);
      assert.equal(refused.body.error.code, 'CsrfTokenInvalid');
    }
    assert.deepEqual((await meterd.admin('GET', '/faults')).body, []);
  });

  it('unsubscribes a customer, and the notification reaches the receiver', async () => {
    await meterd.admin('POST', '/notification-targets', {
      type: 'eventbridge-http',
      productCode: 'acme-saas',
      endpoint: `${receiver.url}/events`,
    });
    const customer = '700000000031';
    await meterd.admin('POST', '/agreements', {
      productCode: 'acme-saas',
      customerAWSAccountId: customer,
    });
    await receiver.waitFor((r) => JSON.stringify(r.json).includes(customer), 2);
    await openPage(page, meterd.url, 'customers');
    await page.getByLabel('Search (account id, name, product, ARN)').fill(customer);
    await page.getByRole('button', { name: `Unsubscribe ${customer} from acme-saas` }).click();
    await page.getByRole('status').filter({ hasText: 'is now unsubscribed' }).waitFor();
    const ended = await receiver.waitFor(
      (r) =>
        r.json['detail-type'] === 'Purchase Agreement Ended - Manufacturer' &&
        JSON.stringify(r.json).includes(customer),
    );
    assert.equal(ended.length, 1);
    const { body } = await meterd.admin<{ agreements: Array<{ status: string }> }>(
      'GET',
      `/agreements?customerAWSAccountId=${customer}`,
    );
    assert.equal(body.agreements[0]?.status, 'unsubscribed');
  });

  it('subscribes a buyer through the fulfillment URL and shows its answer, and one whose payment fails', async () => {
    const customer = '700000000032';
    await openPage(page, meterd.url, 'customers');
    await page.getByLabel('Buyer account id').first().fill(customer);
    await page
      .getByLabel("Fulfillment URL (default: the product's)")
      .fill(`${receiver.url}/fulfil`);
    await page.getByRole('button', { name: 'Subscribe', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'answered HTTP 200' }).waitFor();
    const [posted] = await receiver.waitFor((r) => r.path === '/fulfil');
    assert.match(posted!.body, /^x-amzn-marketplace-token=/);
    const { body } = await meterd.admin<{ agreements: unknown[] }>(
      'GET',
      `/agreements?customerAWSAccountId=${customer}`,
    );
    assert.equal(body.agreements.length, 1);

    // A failed payment: the agreement kept suspended, nothing posted.
    const failed = '700000000033';
    await page.getByLabel('Buyer account id').first().fill(failed);
    await page.getByLabel('The payment fails (subscribe-fail; nothing posted)').check();
    await page.getByRole('button', { name: 'Subscribe', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'The payment failed' }).waitFor();
    const suspended = await meterd.admin<{ agreements: Array<{ status: string }> }>(
      'GET',
      `/agreements?customerAWSAccountId=${failed}`,
    );
    assert.deepEqual(
      suspended.body.agreements.map((a) => a.status),
      ['suspended'],
    );
    assert.equal(receiver.received.filter((r) => r.path === '/fulfil').length, 1);
  });

  it('finds a call in the audit trail by its request id', async () => {
    const answer = await meterOne(minutesAgo(5));
    const requestId = answer.$metadata.requestId!;
    await openPage(page, meterd.url, 'audit');
    await page.getByLabel('Request id').fill(requestId);
    await page.getByRole('button', { name: 'Search' }).click();
    const rows = page.locator('tbody tr');
    await page
      .locator('caption')
      .filter({ hasText: /^1 event/ })
      .waitFor();
    assert.equal(await rows.count(), 1);
    await rows.first().locator('summary').click();
    const json = JSON.parse((await rows.first().locator('pre').textContent()) ?? '{}') as {
      requestID: string;
      eventName: string;
    };
    assert.equal(json.requestID, requestId);
    assert.equal(json.eventName, 'BatchMeterUsage');
  });

  it('switches a fault on, which the next SDK call hits, and off again', async () => {
    await openPage(page, meterd.url, 'faults');
    await page.getByLabel('Operation').selectOption('BatchMeterUsage');
    await page.getByLabel('Error').selectOption('ThrottlingException');
    await page.getByLabel('Times (unlimited if empty)').fill('1');
    await page.getByRole('button', { name: 'Switch on' }).click();
    await page.getByRole('status').filter({ hasText: 'Switched on' }).waitFor();
    const send = () => meterOne(minutesAgo(4));

    await assert.rejects(send, { name: 'ThrottlingException' });
    await send();

    await page.getByLabel('Times (unlimited if empty)').fill('');
    await page.getByRole('button', { name: 'Switch on' }).click();
    await page.getByRole('cell', { name: 'unlimited' }).waitFor();
    const off = page.getByRole('button', { name: /^Switch off / });
    for (let left = await off.count(); left > 0; left--) {
      await off.first().click();
      await page
        .locator('tbody button')
        .nth(left - 1)
        .waitFor({ state: 'detached' });
    }
    await page
      .getByRole('cell', { name: 'No fault rule: every call is served normally.' })
      .waitFor();
    assert.deepEqual((await meterd.admin('GET', '/faults')).body, []);
    await send();
  });

  it('lists the notification targets and the delivery log', async () => {
    await openPage(page, meterd.url, 'notifications');
    await page
      .getByRole('table', { name: 'Where lifecycle notifications are delivered' })
      .getByText(`${receiver.url}/events`, { exact: true })
      .waitFor();
    const log = page.getByRole('table', { name: 'Messages, oldest first' });
    await log.getByText('delivered').first().waitFor();
  });

  it('rotates the signing key', async () => {
    const before = (await meterd.admin<{ keys: unknown[] }>('GET', '/signing-keys')).body.keys
      .length;
    await openPage(page, meterd.url, 'keys');
    await page.getByRole('button', { name: 'Rotate signing key' }).click();
    await page.getByRole('status').filter({ hasText: 'now signs' }).waitFor();
    const afterRotation = (await meterd.admin<{ keys: unknown[] }>('GET', '/signing-keys')).body
      .keys.length;
    assert.equal(afterRotation, before + 1);
    assert.equal(await page.locator('tbody tr').count(), afterRotation);
  });

  it('has no serious or critical accessibility violation on any page, and no CSP violation', async () => {
    const found: Record<string, unknown> = {};
    for (const id of PAGES) {
      await openPage(page, meterd.url, id);
      const violations = await seriousViolations(page);
      if (violations.length) found[id] = violations;
    }
    assert.deepEqual(found, {});
    assert.deepEqual(cspErrors, []);
    assert.deepEqual(pageErrors, []);
  });

  it('logs out: the session ends and the login shows again', async () => {
    await openPage(page, meterd.url, 'overview');
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByLabel('Admin token').waitFor();
    const status = await page.evaluate("fetch('/console/session').then((r) => r.status)");
    assert.equal(status, 401);
  });
});

/**
 * @module The forwarder's status page at /status in Debian's chromium (playwright-core): the
 * token asked for and a wrong one refused, the hours by state equal to the reconciliation, the
 * dead letters with their reasons and a retry, the CSP, and an axe-core check. Skipped, saying
 * why, when chromium is not installed.
 */

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { marketplacemetering } from '@meterd/client';
import { startMeterd, type Meterd } from '@meterd/testkit';
import { NO_BROWSER, VIEWPORT, launch, seriousViolations } from '@meterd/testkit/browser';
import type { Browser, Page } from 'playwright-core';
import { Forwarder } from '../src/forwarder.js';
import { HOUR_MS } from '../src/hours.js';
import { createForwarderServer } from '../src/http.js';
import { openSqliteStore } from '../src/store/sqlite.js';

const TOKEN = 'status-test-token';

describe('the forwarder status page', { skip: NO_BROWSER }, () => {
  let target: Meterd;
  let dir: string;
  let forwarder: Forwarder;
  let server: Server;
  let url: string;
  let browser: Browser;
  let page: Page;
  const hour = Math.floor(Date.now() / HOUR_MS);
  const event = (id: string, hoursAgo: number, dimension = 'requests') => ({
    id,
    productCode: 'demo-saas',
    customerIdentifier: 'demo-customer',
    dimension,
    quantity: 4,
    timestamp: new Date((hour - hoursAgo) * HOUR_MS + 60_000).toISOString(),
  });

  before(async () => {
    [target, browser] = await Promise.all([startMeterd({}), launch()]);
    dir = mkdtempSync(join(tmpdir(), 'fwd-status-'));
    forwarder = new Forwarder({
      store: openSqliteStore(dir),
      client: marketplacemetering({
        endpoint: target.url,
        region: 'us-east-1',
        credentials: {
          creds: { access_key_id: 'AKIADEMOSELLER000001', secret_access_key: 'demo-seller-secret' },
        },
        config: { max_retries: 0 },
      }),
      closeAfterSeconds: 0,
    });
    server = createForwarderServer(forwarder, { token: TOKEN });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const posted = await fetch(`${url}/v1/usage-events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        events: [event('a', 2), event('b', 3, 'no-such-dimension'), event('c', 0)],
      }),
    });
    assert.equal(posted.status, 200);
    await forwarder.tick();
    while (await forwarder.sendOnce());
    page = await browser.newPage({ viewport: VIEWPORT });
    page.setDefaultTimeout(10_000);
  });
  after(async () => {
    await browser?.close();
    server?.close();
    await forwarder?.store.close();
    await target?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the page under a CSP that loads nothing from elsewhere', async () => {
    const index = await fetch(`${url}/status/`);
    assert.equal(index.status, 200);
    assert.equal(index.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(
      index.headers.get('content-security-policy') ?? '',
      /default-src 'none'; script-src 'self'/,
    );
    assert.equal(
      (await fetch(`${url}/status`, { redirect: 'manual' })).headers.get('location'),
      '/status/',
    );
    assert.equal((await fetch(`${url}/status/assets/x.js`)).status, 404);
  });

  it('refuses a wrong token, then shows the hours by state as the reconciliation has them', async () => {
    await page.goto(`${url}/status/`);
    await page.getByLabel('Forwarder token').fill('wrong');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').filter({ hasText: 'not the forwarder token' }).waitFor();
    await page.getByLabel('Forwarder token').fill(TOKEN);
    await page.getByRole('button', { name: 'Log in' }).click();
    const hours = page.locator('[data-hours]');
    await hours.waitFor();
    const shown = JSON.parse((await hours.getAttribute('data-hours'))!) as Array<
      Record<string, unknown>
    >;
    const { rows } = (await (
      await fetch(`${url}/v1/reconciliation`, { headers: { authorization: `Bearer ${TOKEN}` } })
    ).json()) as { rows: Array<{ hour: string; state: string }> };
    const states = (h: Record<string, unknown>) =>
      Object.fromEntries(['open', 'frozen', 'accepted', 'dead-lettered'].map((s) => [s, h[s]]));
    assert.deepEqual(
      shown.map((h) => [h.hour, states(h)]),
      [...new Set(rows.map((r) => r.hour))]
        .sort()
        .map((hr) => [
          hr,
          Object.fromEntries(
            ['open', 'frozen', 'accepted', 'dead-lettered'].map((s) => [
              s,
              rows.filter((r) => r.hour === hr && r.state === s).length,
            ]),
          ),
        ]),
    );
    assert.deepEqual(
      shown.map((h) => states(h)),
      [
        { open: 0, frozen: 0, accepted: 0, 'dead-lettered': 1 },
        { open: 0, frozen: 0, accepted: 1, 'dead-lettered': 0 },
        { open: 1, frozen: 0, accepted: 0, 'dead-lettered': 0 },
      ],
    );
  });

  it('lists the dead letters with their reasons, and sends one again', async () => {
    const dead = page.getByRole('table', { name: 'What was not billed, and why' });
    await dead.getByText(/^InvalidUsageDimensionException: /).waitFor();
    await dead.getByRole('button', { name: /^Retry / }).click();
    await page.getByRole('status').filter({ hasText: 'is sent again' }).waitFor();
  });

  it('has no serious or critical accessibility violation', async () => {
    assert.deepEqual(await seriousViolations(page), []);
  });
});

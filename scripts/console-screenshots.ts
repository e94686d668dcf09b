// Screenshots of every console page at 1280×800 into docs/console/, from a meterd with some
// customers, hours of usage, a notification target and a fault rule, and of the forwarder's
// status page, from a forwarder sending to that meterd: `npm run screenshots`.
// Uses the browser tests' set-up (Debian's chromium through playwright-core).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BatchMeterUsageCommand } from '@aws-sdk/client-marketplace-metering';
import { marketplacemetering } from '@meterd/client';
import { Forwarder } from '../packages/forwarder/src/forwarder.js';
import { createForwarderServer } from '../packages/forwarder/src/http.js';
import { openSqliteStore } from '../packages/forwarder/src/store/sqlite.js';
import { ADMIN_TOKEN, KEYS, startMeterd } from '../packages/server/test/helpers/meterd.js';
import { Receiver } from '../packages/server/test/helpers/receivers.js';
import { NO_BROWSER, VIEWPORT, launch, login, openPage } from '@meterd/testkit/browser';

if (NO_BROWSER) {
  console.error(NO_BROWSER);
  process.exit(1);
}
const OUT = fileURLToPath(new URL('../docs/console/', import.meta.url));
mkdirSync(OUT, { recursive: true });
const PAGES = ['overview', 'usage', 'customers', 'audit', 'notifications', 'faults', 'keys'];
const CUSTOMERS = ['222222222222', '333333333333', '444444444444', '555555555555'];
/** The forwarder's customers, whose hours the console's calls leave alone. */
const FORWARDED = ['666666666666', '777777777777'];
const HOUR = 3600_000;

const [meterd, receiver] = await Promise.all([
  startMeterd({ args: ['--notification-poll-ms', '50'] }),
  Receiver.start(),
]);
const browser = await launch();
try {
  await meterd.admin('POST', '/notification-targets', {
    type: 'eventbridge-http',
    productCode: 'acme-saas',
    endpoint: `${receiver.url}/events`,
  });
  for (const customer of [...CUSTOMERS.slice(1), ...FORWARDED])
    await meterd.admin('POST', '/agreements', {
      productCode: 'acme-saas',
      customerAWSAccountId: customer,
      startedAt: new Date(Date.now() - 7 * 24 * HOUR).toISOString(),
    });
  const client = meterd.client(KEYS.acme);
  const top = Math.floor(Date.now() / HOUR) * HOUR;
  for (let h = 5; h >= 1; h--)
    await client.send(
      new BatchMeterUsageCommand({
        ProductCode: 'acme-saas',
        UsageRecords: CUSTOMERS.flatMap((customer, i) =>
          ['requests', 'storage_gb'].map((dimension, d) => ({
            CustomerAWSAccountId: customer,
            Dimension: dimension,
            Quantity: (i + 1) * (d ? 3 : 10) + ((h * 7 + i) % 5) * 4,
            Timestamp: new Date(top - h * HOUR + 60_000),
          })),
        ),
      }),
    );
  await client
    .send(new BatchMeterUsageCommand({ ProductCode: 'no-such-product', UsageRecords: [] }))
    .catch(() => undefined);
  const { body } = await meterd.admin<{ agreements: Array<{ licenseArn: string }> }>(
    'GET',
    `/agreements?customerAWSAccountId=${CUSTOMERS[3]}`,
  );
  await meterd.admin('PATCH', `/agreements/${encodeURIComponent(body.agreements[0]!.licenseArn)}`, {
    status: 'suspended',
  });
  await meterd.admin('PATCH', '/faults', [
    { operation: 'ResolveCustomer', error: { code: 'ThrottlingException' }, probability: 0.2 },
  ]);

  const page = await browser.newPage({ viewport: VIEWPORT });
  await login(page, meterd.url, ADMIN_TOKEN);
  for (const id of PAGES) {
    await openPage(page, meterd.url, id);
    await page.waitForTimeout(300);
    await page.screenshot({ path: `${OUT}${id}.png` });
    console.log(`docs/console/${id}.png`);
  }

  // The forwarder's status page: hours accepted, one dead-lettered, the current one open.
  const dir = mkdtempSync(join(tmpdir(), 'screenshots-forward-'));
  const forwarder = new Forwarder({
    store: openSqliteStore(dir),
    client: marketplacemetering({
      endpoint: meterd.url,
      region: 'us-east-1',
      credentials: {
        creds: {
          access_key_id: KEYS.acme.accessKeyId,
          secret_access_key: KEYS.acme.secretAccessKey,
        },
      },
      config: { max_retries: 0 },
    }),
    closeAfterSeconds: 0,
  });
  const server = createForwarderServer(forwarder, { token: 'screenshots' });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // The suspended customer's record is dead-lettered (CustomerNotSubscribed).
    const events = [0, 1, 2, 3, 4, 5].flatMap((h) =>
      [...FORWARDED, CUSTOMERS[3]!]
        .filter((_, i) => i < 2 || h === 3)
        .map((customer, i) => ({
          id: `e-${h}-${i}`,
          productCode: 'acme-saas',
          customerAWSAccountId: customer,
          dimension: 'requests',
          quantity: 5 + h + i,
          timestamp: new Date(top - h * HOUR + 60_000).toISOString(),
        })),
    );
    await fetch(`${url}/v1/usage-events`, {
      method: 'POST',
      headers: { authorization: 'Bearer screenshots', 'content-type': 'application/json' },
      body: JSON.stringify({ events }),
    });
    await forwarder.tick();
    while (await forwarder.sendOnce());
    const page = await browser.newPage({ viewport: VIEWPORT });
    await page.goto(`${url}/status/`);
    await page.getByLabel('Forwarder token').fill('screenshots');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('[data-hours]').waitFor();
    await page.waitForTimeout(300);
    await page.screenshot({ path: `${OUT}forwarder.png` });
    console.log('docs/console/forwarder.png');
  } finally {
    server.close();
    await forwarder.store.close();
    rmSync(dir, { recursive: true, force: true });
  }
} finally {
  await browser.close();
  await receiver.close();
  await meterd.stop();
}

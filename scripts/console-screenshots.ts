// Screenshots of every console page at 1280×800 into docs/console/, from a meterd with some
// customers, a day of usage, a notification target and a fault rule: `npm run screenshots`.
// Uses the browser tests' set-up (Debian's chromium through playwright-core).
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BatchMeterUsageCommand } from '@aws-sdk/client-marketplace-metering';
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
  for (const customer of CUSTOMERS)
    await meterd.admin('POST', '/registration-tokens', {
      productCode: 'acme-saas',
      customerAWSAccountId: customer,
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
} finally {
  await browser.close();
  await receiver.close();
  await meterd.stop();
}

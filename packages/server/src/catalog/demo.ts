/**
 * @module The demo catalog created when `meterd serve` runs without one: a seller with a SaaS,
 * an AMI and a container product, a buyer subscribed to all three, fixed and published
 * credentials (as LocalStack's `test`/`test` and MinIO's `minioadmin`), and a copy-paste example.
 * The published secrets are accepted only by a demo listening on loopback.
 */

import { isIP } from 'node:net';
import { newSecretAccessKey } from '../domain/identifiers.js';
import type { Store } from '../storage/store.js';
import type { CatalogDocument } from './document.js';

/**
 * The demo's names and published credentials, which the README's examples use.
 *
 * @example
 * new MarketplaceMeteringClient({
 *   endpoint: 'http://127.0.0.1:9400',
 *   region: 'us-east-1',
 *   credentials: DEMO.seller,
 * });
 */
export const DEMO = {
  seller: {
    accountId: '111111111111',
    name: 'demo-seller',
    accessKeyId: 'AKIADEMOSELLER000001',
    secretAccessKey: 'demo-seller-secret',
  },
  buyer: {
    accountId: '222222222222',
    name: 'demo-buyer',
    accessKeyId: 'AKIADEMOBUYER0000001',
    secretAccessKey: 'demo-buyer-secret',
  },
  saas: 'demo-saas',
  ami: 'demo-ami',
  container: 'demo-container',
  /** The buyer's customer identifier on the SaaS product (what ResolveCustomer returns). */
  customerIdentifier: 'demo-customer',
} as const;

const DEMO_KEYS = [DEMO.seller, DEMO.buyer];

/**
 * Whether `host` accepts connections from this machine only: `localhost`, 127.0.0.0/8 or `::1`.
 * Anything else (`0.0.0.0`, `::`, an interface's address, another name) is beyond loopback.
 *
 * @example
 * isLoopback('127.0.0.1'); // true
 * isLoopback('0.0.0.0'); // false
 */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h === '::1') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  return h === '::ffff:127.0.0.1';
}

/**
 * The demo entities. With `published` (a demo on loopback) its keys have the published secrets;
 * otherwise each keeps the secret it has, unless that is the published one, and gets a generated
 * one if it has none.
 *
 * @example
 * await catalog.apply(await demoCatalog(store, { published: isLoopback(host) }));
 */
export async function demoCatalog(
  store: Store,
  { published }: { published: boolean },
): Promise<CatalogDocument> {
  const secretOf = async (key: (typeof DEMO_KEYS)[number]) => {
    if (published) return key.secretAccessKey;
    const existing = (await store.getAccessKey(key.accessKeyId))?.secretAccessKey;
    return existing && existing !== key.secretAccessKey ? existing : newSecretAccessKey();
  };
  return {
    accounts: await Promise.all(
      DEMO_KEYS.map(async (key) => ({
        accountId: key.accountId,
        name: key.name,
        accessKeys: [{ accessKeyId: key.accessKeyId, secretAccessKey: await secretOf(key) }],
      })),
    ),
    products: [
      {
        productCode: DEMO.saas,
        sellerAccountId: DEMO.seller.accountId,
        type: 'saas',
        dimensions: ['requests', 'storage_gb'],
      },
      {
        productCode: DEMO.ami,
        sellerAccountId: DEMO.seller.accountId,
        type: 'ami',
        dimensions: ['hours'],
      },
      {
        productCode: DEMO.container,
        sellerAccountId: DEMO.seller.accountId,
        type: 'container',
        dimensions: ['vcpu'],
      },
    ],
    agreements: [
      {
        productCode: DEMO.saas,
        customerAWSAccountId: DEMO.buyer.accountId,
        customerIdentifier: DEMO.customerIdentifier,
        // A contract's entitlements, as GetEntitlements answers them.
        entitlements: [
          { dimension: 'requests', integerValue: 1_000_000 },
          { dimension: 'storage_gb', integerValue: 500 },
        ],
      },
      ...[DEMO.ami, DEMO.container].map((productCode) => ({
        productCode,
        customerAWSAccountId: DEMO.buyer.accountId,
      })),
    ],
  };
}

/**
 * Removes the demo's access keys that still hold a published secret when meterd runs with a
 * catalog (a data directory that once ran the demo), unless the catalog gives that very key and
 * secret itself. Returns the ids removed. Run before the catalog is applied, so that a catalog
 * naming a demo key without a secret gets a generated one.
 *
 * @example
 * const removed = await retirePublishedDemoKeys(store, doc);
 */
export async function retirePublishedDemoKeys(
  store: Store,
  doc: CatalogDocument,
): Promise<string[]> {
  const given = new Set(
    (doc.accounts ?? []).flatMap((a) =>
      (a.accessKeys ?? []).map((k) => `${k.accessKeyId}:${k.secretAccessKey}`),
    ),
  );
  const removed: string[] = [];
  for (const key of DEMO_KEYS) {
    const stored = await store.getAccessKey(key.accessKeyId);
    if (stored?.secretAccessKey !== key.secretAccessKey) continue;
    if (given.has(`${key.accessKeyId}:${key.secretAccessKey}`)) continue;
    if (await store.deleteAccessKey(key.accessKeyId)) removed.push(key.accessKeyId);
  }
  return removed;
}

/**
 * The banner printed at start: the demo's credentials and an example call, as MinIO prints its
 * keys. `published` says whether they are the published ones (a demo on loopback).
 *
 * @example
 * printToStderr(await describeDemo(store, 'http://127.0.0.1:9400', 'us-east-1', true));
 */
export async function describeDemo(
  store: Store,
  url: string,
  region: string,
  published: boolean,
): Promise<string> {
  const seller = await store.getAccessKey(DEMO.seller.accessKeyId);
  const buyer = await store.getAccessKey(DEMO.buyer.accessKeyId);
  if (!seller || !buyer) return '';
  return [
    published
      ? 'meterd is running with its demo catalog and its published credentials (pass --catalog FILE to use your own):'
      : 'meterd is running with its demo catalog, listening beyond loopback: the published demo secrets are not accepted, these were generated (pass --catalog FILE to use your own):',
    `  seller ${DEMO.seller.accountId}  AWS_ACCESS_KEY_ID=${seller.accessKeyId}  AWS_SECRET_ACCESS_KEY=${seller.secretAccessKey}`,
    `  buyer  ${DEMO.buyer.accountId}  AWS_ACCESS_KEY_ID=${buyer.accessKeyId}  AWS_SECRET_ACCESS_KEY=${buyer.secretAccessKey}`,
    `  products: ${DEMO.saas} (saas), ${DEMO.ami} (ami), ${DEMO.container} (container); the buyer is subscribed to all three`,
    '',
    'Try it:',
    `  AWS_ACCESS_KEY_ID=${seller.accessKeyId} AWS_SECRET_ACCESS_KEY=${seller.secretAccessKey} \\`,
    `  aws meteringmarketplace batch-meter-usage --endpoint-url ${url} --region ${region} \\`,
    `    --product-code ${DEMO.saas} \\`,
    `    --usage-records "Timestamp=$(date +%s),CustomerAWSAccountId=${DEMO.buyer.accountId},Dimension=requests,Quantity=1"`,
  ].join('\n');
}

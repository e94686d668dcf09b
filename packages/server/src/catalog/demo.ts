/**
 * @module The demo catalog created when `meterd serve` runs without one: a seller with a SaaS,
 * an AMI and a container product, a buyer subscribed to all three, and a copy-paste example.
 */

import type { Store } from '../storage/store.js';
import type { CatalogDocument } from './document.js';

export const DEMO = {
  seller: { accountId: '111111111111', name: 'demo-seller', accessKeyId: 'AKIADEMOSELLER000001' },
  buyer: { accountId: '222222222222', name: 'demo-buyer', accessKeyId: 'AKIADEMOBUYER0000001' },
  saas: 'demo-saas',
  ami: 'demo-ami',
  container: 'demo-container',
} as const;

/** The demo entities; secrets are generated on first start and kept afterwards. */
export async function demoCatalog(store: Store): Promise<CatalogDocument> {
  const keep = async (id: string) => {
    const existing = await store.getAccessKey(id);
    return existing ? { secretAccessKey: existing.secretAccessKey } : {};
  };
  return {
    accounts: [
      {
        accountId: DEMO.seller.accountId,
        name: DEMO.seller.name,
        accessKeys: [
          { accessKeyId: DEMO.seller.accessKeyId, ...(await keep(DEMO.seller.accessKeyId)) },
        ],
      },
      {
        accountId: DEMO.buyer.accountId,
        name: DEMO.buyer.name,
        accessKeys: [
          { accessKeyId: DEMO.buyer.accessKeyId, ...(await keep(DEMO.buyer.accessKeyId)) },
        ],
      },
    ],
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
    agreements: [DEMO.saas, DEMO.ami, DEMO.container].map((productCode) => ({
      productCode,
      customerAWSAccountId: DEMO.buyer.accountId,
    })),
  };
}

/** The banner printed at start: credentials and an example call, as MinIO prints its keys. */
export async function describeDemo(store: Store, url: string, region: string): Promise<string> {
  const seller = await store.getAccessKey(DEMO.seller.accessKeyId);
  const buyer = await store.getAccessKey(DEMO.buyer.accessKeyId);
  if (!seller || !buyer) return '';
  return [
    'meterd is running with its demo catalog (pass --catalog FILE to use your own):',
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

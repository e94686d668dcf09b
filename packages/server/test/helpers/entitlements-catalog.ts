/**
 * @module The catalog the entitlement tests run against: one seller's product with agreements
 * whose entitlements are of every kind (one expired, one agreement unsubscribed), and another
 * seller's product.
 */

export const SELLER = { accessKeyId: 'AKIAENTSELLER0000001', secretAccessKey: 'ent-seller-secret' };
export const OTHER_SELLER = {
  accessKeyId: 'AKIAENTOTHER00000001',
  secretAccessKey: 'ent-other-secret',
};
export const BUYER = { accessKeyId: 'AKIAENTBUYER00000001', secretAccessKey: 'ent-buyer-secret' };
export const ARN = (n: string) => `arn:aws:license-manager::${n}:license:l-ent${n}`;
export const LATER = '2099-01-01T00:00:00.000Z';

export const CATALOG = {
  accounts: [
    { accountId: '111111111111', name: 'seller', accessKeys: [SELLER] },
    { accountId: '333333333333', name: 'other-seller', accessKeys: [OTHER_SELLER] },
    { accountId: '222222222222', name: 'buyer', accessKeys: [BUYER] },
  ],
  products: [
    {
      productCode: 'ent-saas',
      sellerAccountId: '111111111111',
      type: 'saas',
      dimensions: ['seats', 'tier', 'ratio', 'premium'],
    },
    { productCode: 'other-saas', sellerAccountId: '333333333333', type: 'saas', dimensions: ['x'] },
  ],
  agreements: [
    {
      productCode: 'ent-saas',
      customerAWSAccountId: '222222222222',
      customerIdentifier: 'cust-a',
      licenseArn: ARN('222222222222'),
      entitlements: [
        { dimension: 'seats', integerValue: 25, expirationDate: LATER },
        { dimension: 'tier', stringValue: 'gold' },
        { dimension: 'ratio', doubleValue: 0.5 },
        { dimension: 'premium', booleanValue: true },
      ],
    },
    {
      productCode: 'ent-saas',
      customerAWSAccountId: '444444444444',
      customerIdentifier: 'cust-b',
      licenseArn: ARN('444444444444'),
      entitlements: [
        { dimension: 'seats', integerValue: 5 },
        // Expired: not answered.
        { dimension: 'tier', stringValue: 'trial', expirationDate: '2020-01-01T00:00:00Z' },
      ],
    },
    {
      productCode: 'ent-saas',
      customerAWSAccountId: '555555555555',
      customerIdentifier: 'cust-c',
      licenseArn: ARN('555555555555'),
      status: 'unsubscribed',
      entitlements: [{ dimension: 'seats', integerValue: 9 }],
    },
    {
      productCode: 'other-saas',
      customerAWSAccountId: '222222222222',
      entitlements: [{ dimension: 'x', integerValue: 1 }],
    },
  ],
};

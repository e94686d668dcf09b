/**
 * @module Starts the built meterd server through the test kit, with a test catalog, for integration tests.
 */
import { startMeterd as startServer } from '@meterd/testkit';

/** The sellers' and buyers' keys of {@link CATALOG}. */
export const SELLER = {
  accessKeyId: 'AKIAACMESELLER000001',
  secretAccessKey: 'acme-seller-secret',
};
export const BUYER = {
  accessKeyId: 'AKIAGLOBEXBUYER00001',
  secretAccessKey: 'globex-buyer-secret',
};

/** One seller with a SaaS, an AMI and a container product, and one buyer subscribed to all three. */
export const CATALOG = {
  region: 'us-east-1',
  accounts: [
    { accountId: '111111111111', name: 'acme-seller', accessKeys: [SELLER] },
    { accountId: '222222222222', name: 'globex-buyer', accessKeys: [BUYER] },
  ],
  products: [
    {
      productCode: 'acme-saas',
      sellerAccountId: '111111111111',
      type: 'saas',
      dimensions: ['requests', 'storage_gb'],
    },
    {
      productCode: 'acme-ami',
      sellerAccountId: '111111111111',
      type: 'ami',
      dimensions: ['hours'],
    },
    {
      productCode: 'acme-container',
      sellerAccountId: '111111111111',
      type: 'container',
      dimensions: ['vcpu'],
    },
  ],
  agreements: [
    {
      productCode: 'acme-saas',
      customerAWSAccountId: '222222222222',
      customerIdentifier: 'globex-on-acme',
      status: 'active',
    },
    { productCode: 'acme-ami', customerAWSAccountId: '222222222222', status: 'active' },
    { productCode: 'acme-container', customerAWSAccountId: '222222222222', status: 'active' },
  ],
};

/** A running meterd. */
export interface Meterd {
  url: string;
  /** Mints a registration token through the admin API, as AWS Marketplace would on subscription. */
  mintRegistrationToken(productCode: string, customerAWSAccountId: string): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Starts the built meterd (packages/server/dist) with {@link CATALOG} on a fresh data folder,
 * and waits until it listens. Fails with a clear message when the server has not been built.
 *
 * @example
 * const meterd = await startMeterd();
 * try { ... } finally { await meterd.stop(); }
 */
export async function startMeterd(): Promise<Meterd> {
  const server = await startServer({ catalog: CATALOG });
  return {
    url: server.url,
    async mintRegistrationToken(productCode, customerAWSAccountId) {
      const res = await server.admin<{ registrationToken: string }>(
        'POST',
        '/registration-tokens',
        { productCode, customerAWSAccountId },
      );
      if (res.status < 200 || res.status >= 300)
        throw new Error(
          `minting a registration token failed: ${res.status} ${JSON.stringify(res.body)}`,
        );
      return res.body.registrationToken;
    },
    stop: () => server.stop(),
  };
}

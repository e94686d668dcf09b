/**
 * @module `meterd subscribe` over the admin API: the subscription flow of catalog/subscribe.ts,
 * each catalog step an admin request.
 */

import { subscribe as runSubscribe, SubscribeError } from '../catalog/subscribe.js';
import type { SubscribeOptions, SubscribeSteps } from '../catalog/subscribe.js';
import { adminRequest, CliError, type AdminConnection } from './admin-client.js';

export type { SubscribeOptions } from '../catalog/subscribe.js';

/** The subscription steps over an admin connection. */
function adminSteps(conn: AdminConnection): SubscribeSteps {
  return {
    fulfillmentUrlOf: async (productCode) =>
      (
        await adminRequest<{ fulfillmentUrl: string | null }>(
          conn,
          'GET',
          `/products/${encodeURIComponent(productCode)}`,
        )
      ).fulfillmentUrl,
    agreementsOf: async (productCode, customer) => {
      const query = new URLSearchParams({ productCode, customerAWSAccountId: customer });
      const found = await adminRequest<{ agreements: Array<{ licenseArn: string }> }>(
        conn,
        'GET',
        `/agreements?${query}`,
      );
      return found.agreements.map((a) => a.licenseArn);
    },
    mintToken: (productCode, customer) =>
      adminRequest(conn, 'POST', '/registration-tokens', {
        productCode,
        customerAWSAccountId: customer,
      }),
    deleteAgreement: async (licenseArn) => {
      await adminRequest(conn, 'DELETE', `/agreements/${encodeURIComponent(licenseArn)}`);
    },
  };
}

/**
 * Mints a token and posts it; returns the token and the fulfillment site's answer.
 * @example await subscribe(conn, { productCode: 'acme-saas', customerAwsAccountId: '222222222222' })
 */
export async function subscribe(conn: AdminConnection, opts: SubscribeOptions) {
  try {
    return await runSubscribe(adminSteps(conn), opts);
  } catch (error) {
    if (error instanceof SubscribeError) throw new CliError(error.message);
    throw error;
  }
}

/**
 * @module `meterd subscribe` over the admin API: the subscription flow of catalog/subscribe.ts,
 * each catalog step an admin request. A failed payment (`failPayment`) subscribes nobody: the
 * agreement is recorded suspended, `subscribe-fail` is sent, and no token is minted or posted,
 * for AWS redirects a buyer to the fulfillment URL only once the account is subscribed.
 */

import { subscribe as runSubscribe, SubscribeError } from '../catalog/subscribe.js';
import type { SubscribeOptions as FlowOptions, SubscribeSteps } from '../catalog/subscribe.js';
import { adminRequest, CliError, type AdminConnection } from './admin-client.js';

export interface SubscribeOptions extends FlowOptions {
  failPayment?: boolean;
}

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
  const { failPayment: failed, ...flow } = opts;
  if (failed) return failPayment(conn, flow.productCode, flow.customerAwsAccountId);
  try {
    return await runSubscribe(adminSteps(conn), flow);
  } catch (error) {
    if (error instanceof SubscribeError) throw new CliError(error.message);
    throw error;
  }
}

/** A subscription whose payment failed: the agreement suspended, nothing posted. */
async function failPayment(conn: AdminConnection, productCode: string, customer: string) {
  const agreement = await adminRequest<{ licenseArn: string; status: string }>(
    conn,
    'POST',
    '/agreements',
    { productCode, customerAWSAccountId: customer, failPayment: true },
  );
  return {
    licenseArn: agreement.licenseArn,
    status: agreement.status,
    failedPayment: true,
    note: 'the payment failed: subscribe-fail was sent, and no registration token was posted to the fulfillment URL',
  };
}

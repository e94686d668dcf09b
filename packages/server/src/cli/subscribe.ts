/**
 * @module `meterd subscribe`: what AWS Marketplace does when a buyer subscribes to a SaaS
 * product: mint a registration token and form-POST it from the "browser" to the fulfillment URL.
 * A subscription the fulfillment site did not take is undone: an agreement the token created is
 * deleted again, so that no buyer is left subscribed whom the seller never saw. A failed payment
 * (`failPayment`) subscribes nobody: the agreement is recorded suspended, `subscribe-fail` is
 * sent, and no token is minted or posted, for AWS redirects a buyer to the fulfillment URL only
 * once the account is subscribed.
 */

import { adminRequest, CliError, unreachable, type AdminConnection } from './admin-client.js';

export interface SubscribeOptions {
  productCode: string;
  customerAwsAccountId: string;
  fulfillmentUrl?: string;
  freeTrial?: boolean;
  failPayment?: boolean;
}

interface Agreement {
  licenseArn: string;
}

/**
 * Mints a token and posts it; returns the token and the fulfillment site's answer.
 * @example await subscribe(conn, { productCode: 'acme-saas', customerAwsAccountId: '222222222222' })
 */
export async function subscribe(conn: AdminConnection, opts: SubscribeOptions) {
  const { productCode, customerAwsAccountId: customer } = opts;
  if (opts.failPayment) return failPayment(conn, productCode, customer);
  const product = await adminRequest<{ fulfillmentUrl: string | null }>(
    conn,
    'GET',
    `/products/${encodeURIComponent(productCode)}`,
  );
  const target = opts.fulfillmentUrl ?? product.fulfillmentUrl;
  if (!target)
    throw new CliError(
      `product ${productCode} has no fulfillmentUrl: pass --fulfillment-url, or set the product's (meterd products put --fulfillment-url)`,
    );
  if (!/^https?:\/\//.test(target) || !URL.canParse(target))
    throw new CliError(`fulfillment URL ${target} is not an http(s) URL`);
  const query = new URLSearchParams({ productCode, customerAWSAccountId: customer });
  const before = await adminRequest<{ agreements: Agreement[] }>(
    conn,
    'GET',
    `/agreements?${query}`,
  );
  const token = await adminRequest<{
    registrationToken: string;
    expiresAt: string;
    licenseArn: string;
  }>(conn, 'POST', '/registration-tokens', {
    productCode,
    customerAWSAccountId: customer,
  });
  const created = !before.agreements.some((a) => a.licenseArn === token.licenseArn);
  /** Deletes the agreement the token created; says what became of the subscription. */
  const undo = async () => {
    if (!created) return 'the buyer keeps the agreement it had';
    await adminRequest(conn, 'DELETE', `/agreements/${encodeURIComponent(token.licenseArn)}`);
    return 'nothing was subscribed (the new agreement was deleted)';
  };

  const form = new URLSearchParams({ 'x-amzn-marketplace-token': token.registrationToken });
  if (opts.freeTrial) form.set('x-amzn-marketplace-offer-type', 'free-trial');
  let response: Response;
  try {
    response = await fetch(target, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
      redirect: 'manual',
    });
  } catch (error) {
    throw new CliError(
      `cannot reach the fulfillment URL ${target} (${unreachable(error)}); ${await undo()}: start the seller's fulfillment site, or pass --fulfillment-url`,
    );
  }
  const body = (await response.text()).slice(0, 2000);
  if (response.status >= 400)
    throw new CliError(
      `the fulfillment URL ${target} answered HTTP ${response.status}${body ? `: ${body.slice(0, 200)}` : ''}; ${await undo()}`,
    );
  return {
    registrationToken: token.registrationToken,
    expiresAt: token.expiresAt,
    licenseArn: token.licenseArn,
    fulfillmentUrl: target,
    status: response.status,
    ...(response.headers.get('location') ? { location: response.headers.get('location') } : {}),
    body,
  };
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

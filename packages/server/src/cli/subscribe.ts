/**
 * @module `meterd subscribe`: what AWS Marketplace does when a buyer subscribes to a SaaS
 * product: mint a registration token and form-POST it from the "browser" to the fulfillment URL.
 */

import { adminRequest, type AdminConnection } from './admin-client.js';

export interface SubscribeOptions {
  product: string;
  customer: string;
  fulfillmentUrl?: string;
  freeTrial?: boolean;
}

/**
 * Mints a token and posts it; returns the token and the fulfillment site's answer.
 * @example await subscribe(conn, { product: 'acme-saas', customer: '222222222222' })
 */
export async function subscribe(conn: AdminConnection, opts: SubscribeOptions) {
  const product = await adminRequest<{ fulfillmentUrl: string | null }>(
    conn,
    'GET',
    `/products/${encodeURIComponent(opts.product)}`,
  );
  const target = opts.fulfillmentUrl ?? product.fulfillmentUrl;
  if (!target)
    throw new Error(`product ${opts.product} has no fulfillmentUrl; pass --fulfillment-url`);
  const token = await adminRequest<{ registrationToken: string; expiresAt: string }>(
    conn,
    'POST',
    '/registration-tokens',
    { productCode: opts.product, customerAWSAccountId: opts.customer },
  );
  const form = new URLSearchParams({ 'x-amzn-marketplace-token': token.registrationToken });
  if (opts.freeTrial) form.set('x-amzn-marketplace-offer-type', 'free-trial');
  const response = await fetch(target, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
    redirect: 'manual',
  });
  return {
    registrationToken: token.registrationToken,
    expiresAt: token.expiresAt,
    fulfillmentUrl: target,
    status: response.status,
    ...(response.headers.get('location') ? { location: response.headers.get('location') } : {}),
    body: (await response.text()).slice(0, 2000),
  };
}

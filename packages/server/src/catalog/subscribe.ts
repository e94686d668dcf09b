/**
 * @module What AWS Marketplace does when a buyer subscribes to a SaaS product: mint a
 * registration token and form-POST it from the "browser" to the fulfillment URL. A
 * subscription the fulfillment site did not take is undone: an agreement the token created is
 * deleted again, so that no buyer is left subscribed whom the seller never saw. `meterd
 * subscribe` runs it over the admin API, the console's subscribe form inside the server; both
 * give it the same steps.
 */

export interface SubscribeOptions {
  productCode: string;
  customerAwsAccountId: string;
  fulfillmentUrl?: string;
  freeTrial?: boolean;
}

/** The catalog steps of a subscription, over the admin API or the catalog service. */
export interface SubscribeSteps {
  /** The product's fulfillment URL (null when it has none); throws when it does not exist. */
  fulfillmentUrlOf(productCode: string): Promise<string | null>;
  /** The license ARNs of the buyer's agreements for the product. */
  agreementsOf(productCode: string, customer: string): Promise<string[]>;
  mintToken(
    productCode: string,
    customer: string,
  ): Promise<{ registrationToken: string; expiresAt: string; licenseArn: string }>;
  deleteAgreement(licenseArn: string): Promise<void>;
}

/** What the fulfillment site was sent and what it answered. */
export interface SubscribeResult {
  registrationToken: string;
  expiresAt: string;
  licenseArn: string;
  fulfillmentUrl: string;
  status: number;
  location?: string;
  body: string;
}

/** A subscription that did not happen: no fulfillment URL, or the site refused or is down. */
export class SubscribeError extends Error {
  override readonly name = 'SubscribeError';
  constructor(
    message: string,
    /** Whether the buyer's side is at fault (a bad URL), not the fulfillment site. */
    readonly invalidInput = false,
  ) {
    super(message);
  }
}

/**
 * Mints a token and posts it; returns the token and the fulfillment site's answer.
 * @example await subscribe(steps, { productCode: 'acme-saas', customerAwsAccountId: '222222222222' })
 */
export async function subscribe(
  steps: SubscribeSteps,
  opts: SubscribeOptions,
): Promise<SubscribeResult> {
  const { productCode, customerAwsAccountId: customer } = opts;
  const target = opts.fulfillmentUrl ?? (await steps.fulfillmentUrlOf(productCode));
  if (!target)
    throw new SubscribeError(
      `product ${productCode} has no fulfillmentUrl: pass --fulfillment-url, or set the product's (meterd products put --fulfillment-url)`,
      true,
    );
  if (!/^https?:\/\//.test(target) || !URL.canParse(target))
    throw new SubscribeError(`fulfillment URL ${target} is not an http(s) URL`, true);
  const before = await steps.agreementsOf(productCode, customer);
  const token = await steps.mintToken(productCode, customer);
  const created = !before.includes(token.licenseArn);
  /** Deletes the agreement the token created; says what became of the subscription. */
  const undo = async () => {
    if (!created) return 'the buyer keeps the agreement it had';
    await steps.deleteAgreement(token.licenseArn);
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
    throw new SubscribeError(
      `cannot reach the fulfillment URL ${target} (${unreachable(error)}); ${await undo()}: start the seller's fulfillment site, or pass --fulfillment-url`,
    );
  }
  const body = (await response.text()).slice(0, 2000);
  if (response.status >= 400)
    throw new SubscribeError(
      `the fulfillment URL ${target} answered HTTP ${response.status}${body ? `: ${body.slice(0, 200)}` : ''}; ${await undo()}`,
    );
  const location = response.headers.get('location');
  return {
    registrationToken: token.registrationToken,
    expiresAt: token.expiresAt,
    licenseArn: token.licenseArn,
    fulfillmentUrl: target,
    status: response.status,
    ...(location ? { location } : {}),
    body,
  };
}

/** Why a fetch got no answer, in words: "connection refused", "host not found", … */
export function unreachable(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const words: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ENOTFOUND: 'host not found',
    EAI_AGAIN: 'host not found',
    ECONNRESET: 'connection reset',
    ETIMEDOUT: 'timed out',
    UND_ERR_CONNECT_TIMEOUT: 'timed out',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    UND_ERR_SOCKET: 'connection closed',
  };
  const code = cause?.code;
  if (code && words[code]) return words[code];
  return cause?.message ?? code ?? (error as Error).message;
}

/**
 * @module Lifecycle notifications: the targets that receive them, the notices an agreement
 * change causes (what AWS Marketplace sends, in the order it sends it), how notices fan out to
 * targets as outbox messages, and the retry backoff. Pure: the store keeps the outbox, notify/
 * delivers it.
 */

import { createHash } from 'node:crypto';
import { UNSUBSCRIBE_GRACE_MS } from './agreements.js';
import type { Agreement, Product } from './catalog.js';

export const targetTypes = ['sns-http', 'sqs', 'eventbridge-http'] as const;
export type TargetType = (typeof targetTypes)[number];
export const targetTopics = ['subscription', 'entitlement', 'all'] as const;
export type TargetTopic = (typeof targetTopics)[number];
/** The two SNS topics of a product (and the two families of EventBridge events). */
export type NoticeTopic = Exclude<TargetTopic, 'all'>;

/**
 * Where a target is: an `sns-http` subscription waits for its SubscribeURL to be visited
 * (`pending-confirmation`), is then `confirmed`, and `unsubscribed` once its UnsubscribeURL
 * is; the other types are `active` from the start.
 */
export type TargetState = 'pending-confirmation' | 'confirmed' | 'unsubscribed' | 'active';

/** What a target's type needs besides its type and topic. */
export interface TargetConfig {
  /** sns-http, eventbridge-http: the URL POSTed to. */
  endpoint?: string;
  /** sns-http: 1 (SHA1withRSA, the default) or 2 (SHA256withRSA). */
  signatureVersion?: 1 | 2;
  /** sqs: the queue, and how to reach it. */
  queueUrl?: string;
  endpointUrl?: string;
  region?: string;
  accessKeyId?: string;
  /** A secret: redacted in logs and listings. */
  secretAccessKey?: string;
  /** sqs: the message itself rather than the SNS envelope around it. */
  rawMessageDelivery?: boolean;
}

export interface NotificationTarget {
  id: string;
  type: TargetType;
  topic: TargetTopic;
  /** Only this product's notices; null: every product's. */
  productCode: string | null;
  config: TargetConfig;
  state: TargetState;
  /** sns-http: the token of the SubscribeURL. */
  token: string | null;
  createdAt: Date;
}

/** A target without its secrets, as listings show it. */
export const withoutSecrets = (target: NotificationTarget): NotificationTarget => {
  const { secretAccessKey, ...config } = target.config;
  return {
    ...target,
    token: null,
    config: secretAccessKey === undefined ? config : { ...config, secretAccessKey: '***' },
  };
};

/** How a notice travels: an SNS message, an EventBridge event, or an SNS subscription's confirmation. */
export type Channel = 'sns' | 'event' | 'confirmation';

/** One notice an agreement change causes, before it fans out to the targets. */
export interface Notice {
  /** The SNS MessageId or EventBridge event id, the same on every delivery and retry. */
  messageId: string;
  channel: Exclude<Channel, 'confirmation'>;
  topic: NoticeTopic;
  productCode: string;
  /**
   * sns: `{ topicArn, message }` (`message` is the JSON text of the envelope's Message); event:
   * the whole EventBridge event.
   */
  body: Record<string, unknown>;
  createdAt: Date;
  /** When it may be delivered: now, or later (unsubscribe-success, an hour after the end). */
  dueAt: Date;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'dropped';

/** One notice for one target: a row of the outbox and of the delivery log. */
export interface OutboxMessage {
  /** The outbox's own order (assigned by the store). */
  seq: number;
  messageId: string;
  targetId: string;
  channel: Channel;
  topic: NoticeTopic;
  productCode: string;
  body: Record<string, unknown>;
  status: DeliveryStatus;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  /** When the next attempt is due (the first, or a retry's). */
  dueAt: Date;
  deliveredAt: Date | null;
}

/** A message to add to the outbox: the store numbers it and keeps its delivery state. */
export type NewOutboxMessage = Omit<
  OutboxMessage,
  'seq' | 'status' | 'attempts' | 'lastError' | 'deliveredAt'
>;

/** The SNS topic's name for a product: `aws-mp-subscription-notification-<productCode>`. */
export const topicName = (topic: NoticeTopic, productCode: string) =>
  `aws-mp-${topic}-notification-${productCode}`;

export const topicArn = (region: string, accountId: string, topic: NoticeTopic, code: string) =>
  `arn:aws:sns:${region}:${accountId}:${topicName(topic, code)}`;

/** The agreement id AWS Marketplace would give a licence (`agmt-…`), derived from its ARN. */
export const agreementIdOf = (licenseArn: string) =>
  `agmt-${createHash('sha256').update(licenseArn).digest('hex').slice(0, 25)}`;

/** The offer an agreement was accepted from: meterd's catalog has one public offer a product. */
export const offerIdOf = (productCode: string) =>
  `offer-${createHash('sha256').update(productCode).digest('hex').slice(0, 13)}`;

export interface NoticeContext {
  now: Date;
  product: Pick<Product, 'productCode' | 'sellerAccountId'>;
  region: string;
  /** The agreement was subscribed with a failed payment: `subscribe-fail`. */
  failedPayment?: boolean;
  newId: () => string;
}

type SnsAction =
  | 'subscribe-success'
  | 'subscribe-fail'
  | 'unsubscribe-pending'
  | 'unsubscribe-success'
  | 'entitlement-updated';

/**
 * The notices an agreement's change from `before` (undefined: new) to `after` causes, in the
 * order AWS Marketplace sends them:
 * - subscribed (new and active, or active again): `subscribe-success`, and the events
 *   "Purchase Agreement Created - Manufacturer" and "- Proposer";
 * - subscribed with a failed payment (stored suspended): `subscribe-fail`, and no event;
 * - unsubscribed (from active): `unsubscribe-pending` and "Purchase Agreement Ended -
 *   Manufacturer" / "- Proposer" at once, then `unsubscribe-success` and "License
 *   Deprovisioned - Manufacturer" due when the grace hour after the end is over.
 * @example agreementNotices(undefined, agreement, { now, product, region, newId: randomUUID })
 */
export function agreementNotices(
  before: Agreement | undefined,
  after: Agreement,
  ctx: NoticeContext,
): Notice[] {
  const notices: Notice[] = [];
  const sns = (action: SnsAction, dueAt = ctx.now) => {
    const topic: NoticeTopic = action === 'entitlement-updated' ? 'entitlement' : 'subscription';
    const message: Record<string, string> = {
      action,
      'customer-identifier': after.customerIdentifier,
      ...(topic === 'subscription'
        ? { 'customer-aws-account-id': after.customerAWSAccountId }
        : {}),
      'product-code': after.productCode,
      ...(action === 'subscribe-success' || action === 'subscribe-fail'
        ? { 'offer-identifier': offerIdOf(after.productCode) }
        : {}),
      ...(topic === 'subscription' ? { isFreeTrialTermPresent: 'false' } : {}),
    };
    notices.push({
      messageId: ctx.newId(),
      channel: 'sns',
      topic,
      productCode: after.productCode,
      body: {
        topicArn: topicArn(ctx.region, ctx.product.sellerAccountId, topic, after.productCode),
        message: JSON.stringify(message),
      },
      createdAt: ctx.now,
      dueAt,
    });
  };
  const event = (detailType: string, dueAt = ctx.now) => {
    const id = ctx.newId();
    const agreementId = agreementIdOf(after.licenseArn);
    const license = detailType.startsWith('License');
    notices.push({
      messageId: id,
      channel: 'event',
      topic: license && detailType.startsWith('License Updated') ? 'entitlement' : 'subscription',
      productCode: after.productCode,
      body: {
        version: '0',
        id,
        'detail-type': detailType,
        source: 'aws.agreement-marketplace',
        account: ctx.product.sellerAccountId,
        time: dueAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
        region: ctx.region,
        resources: [
          license ? after.licenseArn : `arn:aws:aws-marketplace::agreement:${agreementId}`,
        ],
        detail: {
          requestId: ctx.newId(),
          catalog: 'AWSMarketplace',
          agreement: {
            id: agreementId,
            intent: 'NEW',
            status: after.status === 'active' ? 'ACTIVE' : 'CANCELLED',
            ...(after.startedAt ? { startTime: after.startedAt.toISOString() } : {}),
            ...(after.endedAt ? { endTime: after.endedAt.toISOString() } : {}),
          },
          ...(license ? { license: { arn: after.licenseArn } } : {}),
          acceptor: { accountId: after.customerAWSAccountId },
          proposer: { accountId: ctx.product.sellerAccountId },
          offer: { id: offerIdOf(after.productCode) },
          product: { code: after.productCode },
          customer: { identifier: after.customerIdentifier },
        },
      },
      createdAt: ctx.now,
      dueAt,
    });
  };

  const was = before?.status;
  if (after.status === 'active' && was !== 'active') {
    sns('subscribe-success');
    event('Purchase Agreement Created - Manufacturer');
    event('Purchase Agreement Created - Proposer');
  } else if (after.status === 'suspended' && was === undefined && ctx.failedPayment) {
    sns('subscribe-fail');
  } else if (after.status === 'unsubscribed' && was === 'active') {
    const end = after.endedAt ?? ctx.now;
    const graceOver = new Date(Math.max(end.getTime() + UNSUBSCRIBE_GRACE_MS, ctx.now.getTime()));
    sns('unsubscribe-pending');
    event('Purchase Agreement Ended - Manufacturer');
    event('Purchase Agreement Ended - Proposer');
    sns('unsubscribe-success', graceOver);
    event('License Deprovisioned - Manufacturer', graceOver);
  }
  notices.push(...entitlementNotices(before, after, ctx));
  return notices;
}

/**
 * The buyer of a notice sent when the grace hour after an unsubscribe is over
 * (`unsubscribe-success`, "License Deprovisioned - Manufacturer"), or undefined for any other.
 * A buyer who subscribed again before it is due is subscribed: the notice is not sent.
 * @example endOfGraceBuyer(message) // { productCode: 'acme-saas', customerAWSAccountId: '2222…' }
 */
export function endOfGraceBuyer(
  message: Pick<OutboxMessage, 'channel' | 'body' | 'productCode'>,
): { productCode: string; customerAWSAccountId: string } | undefined {
  if (message.channel === 'sns') {
    let m: Record<string, unknown>;
    try {
      m = JSON.parse(String(message.body.message)) as Record<string, unknown>;
    } catch {
      return undefined;
    }
    return m.action === 'unsubscribe-success' && typeof m['customer-aws-account-id'] === 'string'
      ? { productCode: message.productCode, customerAWSAccountId: m['customer-aws-account-id'] }
      : undefined;
  }
  if (
    message.channel === 'event' &&
    message.body['detail-type'] === 'License Deprovisioned - Manufacturer'
  ) {
    const acceptor = (message.body.detail as { acceptor?: { accountId?: unknown } } | undefined)
      ?.acceptor?.accountId;
    return typeof acceptor === 'string'
      ? { productCode: message.productCode, customerAWSAccountId: acceptor }
      : undefined;
  }
  return undefined;
}

/** An agreement's entitlements, compared as their JSON; none and an empty list are alike. */
const entitlementsOf = (agreement: Agreement | undefined): string | undefined =>
  agreement?.entitlements.length ? JSON.stringify(agreement.entitlements) : undefined;

/**
 * The notices a change of an agreement's entitlements causes: `entitlement-updated` on the
 * entitlement topic and "License Updated - Manufacturer", whenever the entitlements after
 * differ from those before (new, upgraded, renewed or expired: AWS sends the same message).
 * @example entitlementNotices(before, after, ctx)
 */
export function entitlementNotices(
  before: Agreement | undefined,
  after: Agreement,
  ctx: NoticeContext,
): Notice[] {
  if (entitlementsOf(before) === entitlementsOf(after)) return [];
  return [
    {
      messageId: ctx.newId(),
      channel: 'sns',
      topic: 'entitlement',
      productCode: after.productCode,
      body: {
        topicArn: topicArn(
          ctx.region,
          ctx.product.sellerAccountId,
          'entitlement',
          after.productCode,
        ),
        message: JSON.stringify({
          action: 'entitlement-updated',
          'customer-identifier': after.customerIdentifier,
          'product-code': after.productCode,
        }),
      },
      createdAt: ctx.now,
      dueAt: ctx.now,
    },
  ];
}

/** Whether a target takes a notice: its topic and product match, and its type the channel. */
export function receives(target: NotificationTarget, notice: Notice): boolean {
  if (target.state === 'unsubscribed') return false;
  if (target.topic !== 'all' && target.topic !== notice.topic) return false;
  if (target.productCode !== null && target.productCode !== notice.productCode) return false;
  return (target.type === 'eventbridge-http') === (notice.channel === 'event');
}

/**
 * The outbox messages of notices: one per notice and target that receives it.
 * @example store.applyCatalog({ agreements, notifications: fanOut(notices, targets) })
 */
export const fanOut = (notices: Notice[], targets: NotificationTarget[]): NewOutboxMessage[] =>
  notices.flatMap((n) =>
    targets
      .filter((t) => receives(t, n))
      .map((t) => ({
        messageId: n.messageId,
        targetId: t.id,
        channel: n.channel,
        topic: n.topic,
        productCode: n.productCode,
        body: n.body,
        createdAt: n.createdAt,
        dueAt: n.dueAt,
      })),
  );

export interface RetryPolicy {
  /** The delay before the first retry; each later one doubles, up to `maxMs`. */
  baseMs: number;
  maxMs: number;
  /** Attempts before a message is given up (`failed`). */
  maxAttempts: number;
}

/**
 * The delay before the retry that follows attempt `attempts` (1: the first attempt failed):
 * exponential, capped, with "equal jitter" (half fixed, half random) so that receivers coming
 * back are not hit by every message at once.
 * @example retryDelayMs(3, { baseMs: 1000, maxMs: 60_000, maxAttempts: 50 }) // 2000–4000
 */
export function retryDelayMs(attempts: number, policy: RetryPolicy, random = Math.random) {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * The SubscriptionConfirmation an `sns-http` target gets first: for the topic it subscribes to
 * (one product's, or every product's when it names none: `…-notification-*`, one confirmation
 * for all of them).
 * @example confirmationOf(target, { now, region, sellerAccountId: product.sellerAccountId })
 */
export function confirmationOf(
  target: NotificationTarget,
  ctx: { now: Date; region: string; sellerAccountId: string | null; messageId: string },
): NewOutboxMessage {
  const topic: NoticeTopic = target.topic === 'entitlement' ? 'entitlement' : 'subscription';
  return {
    messageId: ctx.messageId,
    targetId: target.id,
    channel: 'confirmation',
    topic,
    productCode: target.productCode ?? '*',
    body: {
      topicArn: topicArn(
        ctx.region,
        ctx.sellerAccountId ?? '000000000000',
        topic,
        target.productCode ?? '*',
      ),
    },
    createdAt: ctx.now,
    dueAt: ctx.now,
  };
}

/**
 * @module SNS's JSON envelopes, as an HTTP/S endpoint or an SQS queue receives them from a
 * topic: `SubscriptionConfirmation` (with its Token and SubscribeURL) and `Notification`
 * (with its UnsubscribeURL), each signed. The URLs point at meterd's SNS host.
 */

import type { NotificationTarget, OutboxMessage } from '../domain/notifications.js';
import type { SnsSigner } from './sns-signing.js';

export interface SnsHost {
  /** The SNS host's base URL: `https://127.0.0.1:<port>`, or meterd's own URL and `/sns`. */
  baseUrl: string;
  signer: SnsSigner;
}

/** SNS's timestamps: ISO-8601 with milliseconds. */
const timestamp = (d: Date) => d.toISOString();

/** The subscription's ARN: the topic's and the target's id, as SNS appends a subscription id. */
export const subscriptionArn = (topicArn: string, target: NotificationTarget) =>
  `${topicArn}:${target.id}`;

/** The target id a subscription ARN names. */
export const targetIdOf = (subscriptionArn: string) => subscriptionArn.split(':').at(-1) ?? '';

/**
 * The signed envelope of an outbox message of channel `sns` or `confirmation`.
 * @example JSON.stringify(envelope(message, target, host))
 */
export function envelope(
  message: OutboxMessage,
  target: NotificationTarget,
  host: SnsHost,
): Record<string, string> {
  const topicArn = String(message.body.topicArn);
  const version = target.config.signatureVersion ?? 1;
  const fields: Record<string, string> =
    message.channel === 'confirmation'
      ? {
          Type: 'SubscriptionConfirmation',
          MessageId: message.messageId,
          Token: target.token ?? '',
          TopicArn: topicArn,
          Message: `You have chosen to subscribe to the topic ${topicArn}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`,
          SubscribeURL: `${host.baseUrl}/?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(topicArn)}&Token=${target.token ?? ''}`,
          Timestamp: timestamp(message.createdAt),
        }
      : {
          Type: 'Notification',
          MessageId: message.messageId,
          TopicArn: topicArn,
          Message: String(message.body.message),
          Timestamp: timestamp(message.createdAt),
        };
  fields.SignatureVersion = String(version);
  fields.Signature = host.signer.sign(fields, version);
  fields.SigningCertURL = `${host.baseUrl}${host.signer.certificatePath}`;
  if (fields.Type === 'Notification')
    fields.UnsubscribeURL = `${host.baseUrl}/?Action=Unsubscribe&SubscriptionArn=${encodeURIComponent(subscriptionArn(topicArn, target))}`;
  return fields;
}

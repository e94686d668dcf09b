/**
 * @module How each type of target is sent a message: `sns-http` POSTs the SNS envelope with
 * SNS's headers; `sqs` sends the envelope (or, with rawMessageDelivery, the message alone)
 * with SendMessage; `eventbridge-http` POSTs the event as an API destination does. A send
 * resolves when the receiver took the message and throws a `SendError` otherwise.
 */

import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { NotificationTarget, OutboxMessage, TargetType } from '../domain/notifications.js';
import { envelope, subscriptionArn, type SnsHost } from './envelopes.js';

/** A failed send; `retry` false when trying again cannot help (the receiver refused it). */
export class SendError extends Error {
  override readonly name = 'SendError';
  constructor(
    message: string,
    readonly retry = true,
  ) {
    super(message);
  }
}

export type Sender = (message: OutboxMessage, target: NotificationTarget) => Promise<void>;

/** How long a receiver has to answer. */
const SEND_TIMEOUT_MS = 10_000;

async function post(url: string, body: string, headers: Record<string, string>) {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    throw new SendError(`${url}: ${cause ?? (error as Error).message}`);
  }
  await response.arrayBuffer().catch(() => undefined);
  if (response.ok) return;
  // 4xx other than a timeout or throttling will not change: the message is not retried.
  const retry = response.status >= 500 || response.status === 408 || response.status === 429;
  throw new SendError(`${url}: HTTP ${response.status}`, retry);
}

/**
 * The senders of every target type, sharing meterd's SNS host for signatures and URLs.
 * @example const send = senders(host)[target.type]; await send(message, target)
 */
export function senders(host: SnsHost): Record<TargetType, Sender> {
  const queues = new Map<string, SQSClient>();
  const sqsOf = (t: NotificationTarget) => {
    const c = t.config;
    const key = JSON.stringify([t.id, c.endpointUrl, c.region, c.accessKeyId, c.secretAccessKey]);
    let client = queues.get(key);
    if (!client) {
      client = new SQSClient({
        region: c.region ?? 'us-east-1',
        maxAttempts: 1,
        ...(c.endpointUrl ? { endpoint: c.endpointUrl } : {}),
        ...(c.accessKeyId && c.secretAccessKey
          ? { credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey } }
          : {}),
      });
      queues.set(key, client);
    }
    return client;
  };
  return {
    'sns-http': (m, t) => {
      const e = envelope(m, t, host);
      return post(t.config.endpoint!, JSON.stringify(e), {
        'content-type': 'text/plain; charset=UTF-8',
        'user-agent': 'Amazon Simple Notification Service Agent',
        'x-amz-sns-message-type': e.Type!,
        'x-amz-sns-message-id': m.messageId,
        'x-amz-sns-topic-arn': e.TopicArn!,
        ...(e.Type === 'Notification'
          ? { 'x-amz-sns-subscription-arn': subscriptionArn(e.TopicArn!, t) }
          : {}),
      });
    },
    sqs: async (m, t) => {
      const body = t.config.rawMessageDelivery
        ? String(m.body.message)
        : JSON.stringify(envelope(m, t, host));
      try {
        await sqsOf(t).send(
          new SendMessageCommand({ QueueUrl: t.config.queueUrl!, MessageBody: body }),
        );
      } catch (error) {
        const e = error as {
          name?: string;
          message?: string;
          $metadata?: { httpStatusCode?: number };
        };
        const status = e.$metadata?.httpStatusCode;
        throw new SendError(
          `${t.config.queueUrl}: ${e.name ?? 'Error'}${e.message ? `: ${e.message}` : ''}`,
          status === undefined || status >= 500 || status === 429,
        );
      }
    },
    'eventbridge-http': (m, t) =>
      post(t.config.endpoint!, JSON.stringify(m.body), {
        'content-type': 'application/json; charset=utf-8',
        'user-agent': 'Amazon/EventBridge/ApiDestinations',
      }),
  };
}

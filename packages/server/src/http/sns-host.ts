/**
 * @module meterd's SNS host: what an SNS HTTP/S subscriber reaches besides its own endpoint.
 * The SubscribeURL (`GET /?Action=ConfirmSubscription&TopicArn=…&Token=…`), the UnsubscribeURL
 * (`GET /?Action=Unsubscribe&SubscriptionArn=…`) and the signing certificate at
 * `SigningCertURL`, answered in SNS's XML. Served under `/sns` of meterd's port, and at the root
 * of the HTTPS port (`--sns-https-port`), where a seller's standard verifier can reach it.
 */

import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { targetIdOf } from '../notify/envelopes.js';
import type { SnsSigner } from '../notify/sns-signing.js';
import type { Store } from '../storage/store.js';

export interface SnsHostOptions {
  store: Store;
  signer: SnsSigner;
}

const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';
const escape = (s: string) => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

function xml(reply: FastifyReply, status: number, body: string) {
  return reply.code(status).type('text/xml').send(`<?xml version="1.0"?>\n${body}`);
}

/** SNS's error document. */
function snsError(reply: FastifyReply, status: number, code: string, message: string) {
  return xml(
    reply,
    status,
    `<ErrorResponse xmlns="${XMLNS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${escape(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
  );
}

export async function snsHostRoutes(app: FastifyInstance, options: SnsHostOptions) {
  const { store, signer } = options;

  app.get(signer.certificatePath, async (_request, reply) =>
    reply.type('application/x-x509-ca-cert').send(signer.material.certificatePem),
  );

  app.get<{ Querystring: Record<string, string | undefined> }>('/', async (request, reply) => {
    const q = request.query;
    if (q.Action === 'ConfirmSubscription') {
      if (!q.Token || !q.TopicArn)
        return snsError(reply, 400, 'InvalidParameter', 'Token and TopicArn are required.');
      const target = (await store.listNotificationTargets()).find((t) => t.token === q.Token);
      if (!target || target.state === 'unsubscribed')
        return snsError(reply, 404, 'NotFound', 'No subscription is pending with this token.');
      if (target.state === 'pending-confirmation')
        await store.setNotificationTargetState(target.id, 'confirmed');
      const arn = `${q.TopicArn}:${target.id}`;
      return xml(
        reply,
        200,
        `<ConfirmSubscriptionResponse xmlns="${XMLNS}"><ConfirmSubscriptionResult><SubscriptionArn>${escape(arn)}</SubscriptionArn></ConfirmSubscriptionResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></ConfirmSubscriptionResponse>`,
      );
    }
    if (q.Action === 'Unsubscribe') {
      if (!q.SubscriptionArn)
        return snsError(reply, 400, 'InvalidParameter', 'SubscriptionArn is required.');
      const id = targetIdOf(q.SubscriptionArn);
      const target = await store.getNotificationTarget(id);
      if (!target) return snsError(reply, 404, 'NotFound', 'Subscription does not exist.');
      await store.setNotificationTargetState(id, 'unsubscribed');
      return xml(
        reply,
        200,
        `<UnsubscribeResponse xmlns="${XMLNS}"><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></UnsubscribeResponse>`,
      );
    }
    return snsError(
      reply,
      400,
      'InvalidAction',
      'meterd serves the actions ConfirmSubscription and Unsubscribe.',
    );
  });
}

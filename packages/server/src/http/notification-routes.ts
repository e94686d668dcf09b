/**
 * @module The admin API's notifications, under /admin/v1: the targets
 * (`GET/POST /notification-targets`, `DELETE /notification-targets/{id}`; secrets only with
 * `?secrets=true`), the delivery log (`GET /notifications`), and the SNS signing certificate
 * (`GET /notifications/certificate`, for a receiver to trust meterd's SNS host over HTTPS).
 */

import type { FastifyInstance } from 'fastify';
import { parseNotificationTarget } from '../catalog/document.js';
import type { CatalogService } from '../catalog/service.js';
import { withoutSecrets, type DeliveryStatus } from '../domain/notifications.js';
import type { SnsSigner } from '../notify/sns-signing.js';
import type { Store } from '../storage/store.js';
import { AdminError } from './errors.js';

export interface NotificationRoutesOptions {
  store: Store;
  catalog: CatalogService;
  signer: SnsSigner;
}

type Query = Record<string, string | undefined>;
const STATUSES: DeliveryStatus[] = ['pending', 'delivered', 'failed', 'dropped'];

function whole(q: Query, name: string, fallback: number, max: number): number {
  const raw = q[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n > max)
    throw new AdminError(400, 'InvalidParameter', `${name} must be a whole number up to ${max}`);
  return n;
}

export async function notificationRoutes(app: FastifyInstance, options: NotificationRoutesOptions) {
  const { store, catalog, signer } = options;

  app.get<{ Querystring: Query }>('/notification-targets', async (request) => {
    const secrets = request.query.secrets === 'true';
    const targets = await store.listNotificationTargets();
    return { notificationTargets: secrets ? targets : targets.map(withoutSecrets) };
  });
  app.post('/notification-targets', async (request, reply) => {
    const doc = parseNotificationTarget(request.body ?? {}, 'notificationTarget');
    if (doc.id && (await store.getNotificationTarget(doc.id)))
      throw new AdminError(409, 'AlreadyExists', `notification target ${doc.id} already exists`);
    const applied = await catalog.apply({ notificationTargets: [doc] });
    return reply.code(201).send(withoutSecrets(applied.notificationTargets[0]!));
  });
  app.delete<{ Params: { id: string } }>('/notification-targets/:id', async (request) => {
    await catalog.removeNotificationTarget(request.params.id);
    return { removed: { notificationTargets: [request.params.id] } };
  });

  app.get<{ Querystring: Query }>('/notifications', async (request) => {
    const q = request.query;
    if (q.status !== undefined && !STATUSES.includes(q.status as DeliveryStatus))
      throw new AdminError(400, 'InvalidParameter', `status must be one of ${STATUSES.join(', ')}`);
    const limit = whole(q, 'limit', 100, 1000);
    const found = await store.listNotifications({
      ...(q.targetId ? { targetId: q.targetId } : {}),
      ...(q.status ? { status: q.status as DeliveryStatus } : {}),
      after: whole(q, 'after', 0, Number.MAX_SAFE_INTEGER),
      limit: limit + 1,
    });
    const page = found.slice(0, limit);
    return {
      notifications: page.map((m) => ({
        seq: m.seq,
        messageId: m.messageId,
        targetId: m.targetId,
        channel: m.channel,
        topic: m.topic,
        productCode: m.productCode,
        status: m.status,
        attempts: m.attempts,
        lastError: m.lastError,
        createdAt: m.createdAt,
        nextAttemptAt: m.status === 'pending' ? m.dueAt : null,
        deliveredAt: m.deliveredAt,
        body: m.body,
      })),
      ...(found.length > limit ? { nextToken: String(page.at(-1)!.seq) } : {}),
    };
  });
  app.get('/notifications/certificate', async (_request, reply) =>
    reply.type('application/x-pem-file').send(signer.material.certificatePem),
  );
}

/**
 * @module The SQL of the notification targets and the outbox, written once with `?` for each
 * value; each backend's notifications.ts runs it (PostgreSQL numbers the values, and its claim
 * skips rows another instance has locked).
 */

import { OUTBOX_COLUMNS, TARGET_COLUMNS } from './rows.js';
import type { NotificationFilter } from './store.js';

const marks = (n: number) => Array.from({ length: n }, () => '?').join(', ');

/** Which outbox messages a target takes now: all once confirmed, its confirmation before. */
const TAKES = `(t.state in ('confirmed', 'active')
  or (o.channel = 'confirmation' and t.state = 'pending-confirmation'))`;

export const NOTIFICATION_SQL = {
  listTargets: 'select * from notification_targets order by created_at, id',
  getTarget: 'select * from notification_targets where id = ?',
  upsertTarget: `insert into notification_targets (${TARGET_COLUMNS.join(', ')})
    values (${marks(TARGET_COLUMNS.length)})
    on conflict (id) do update set type = excluded.type, topic = excluded.topic,
      product_code = excluded.product_code, config = excluded.config`,
  deleteTarget: 'delete from notification_targets where id = ?',
  setState: 'update notification_targets set state = ? where id = ?',
  dropPending: `update notification_outbox set status = 'dropped',
    last_error = 'the subscription was unsubscribed', lease_owner = null, lease_until = null
    where target_id = ? and status = 'pending'`,
  insertMessage: `insert into notification_outbox (${OUTBOX_COLUMNS.join(', ')})
    values (${marks(OUTBOX_COLUMNS.length)}) on conflict (message_id, target_id) do nothing`,
  /** Values: owner, lease until, due by, now, limit. `lock` is PostgreSQL's row lock clause. */
  claim: (lock: string) => `update notification_outbox set lease_owner = ?, lease_until = ?
    where seq in (
      select o.seq from notification_outbox o
      join notification_targets t on t.id = o.target_id
      where o.status = 'pending' and o.due_at <= ?
        and (o.lease_until is null or o.lease_until < ?) and ${TAKES}
      order by o.seq limit ? ${lock})
    returning *`,
  /** Values: status, error, due (null: unchanged), delivered at, seq, owner. */
  settle: `update notification_outbox set status = ?, attempts = attempts + 1, last_error = ?,
    due_at = coalesce(?, due_at), delivered_at = ?, lease_owner = null, lease_until = null
    where seq = ? and lease_owner = ?`,
  /** Values: reason, seq, owner. */
  drop: `update notification_outbox set status = 'dropped', last_error = ?, lease_owner = null,
    lease_until = null where seq = ? and lease_owner = ?`,
  getSigning: 'select private_key_pem, certificate_pem from sns_signing where id = 1',
  putSigning: `insert into sns_signing (id, private_key_pem, certificate_pem, created_at)
    values (1, ?, ?, ?) on conflict (id) do nothing`,
};

/** The delivery log's query for a filter, and its values. */
export function notificationsQuery(f: NotificationFilter): [string, unknown[]] {
  const where = ['seq > ?'];
  const values: unknown[] = [f.after ?? 0];
  if (f.targetId !== undefined) {
    where.push('target_id = ?');
    values.push(f.targetId);
  }
  if (f.status !== undefined) {
    where.push('status = ?');
    values.push(f.status);
  }
  values.push(f.limit);
  return [
    `select * from notification_outbox where ${where.join(' and ')} order by seq limit ?`,
    values,
  ];
}

/** `?` marks numbered `$1`, `$2`, … for PostgreSQL. */
export const numbered = (sql: string) => {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
};

/**
 * @module SQLite's notification targets and outbox. Every write goes through the group
 * commit; a claim leases messages as on PostgreSQL (one process, so no row locks are needed,
 * but a lease still keeps a message from being taken twice while its attempt runs). Its mirror,
 * postgres/notifications.ts, claims with `for update skip locked` as instances share the rows.
 */

import type BetterSqlite3 from 'better-sqlite3';
import type { TargetState } from '../../domain/notifications.js';
import { NOTIFICATION_SQL as SQL, notificationsQuery } from '../notification-sql.js';
import type { NotificationsPart } from '../parts.js';
import * as rows from '../rows.js';
import type {
  CatalogChange,
  ClaimRequest,
  NotificationFilter,
  Settlement,
  SnsSigningMaterial,
} from '../store.js';
import type { GroupCommit } from './group-commit.js';

export class SqliteNotifications implements NotificationsPart {
  private readonly statements = new Map<string, BetterSqlite3.Statement>();

  constructor(
    private readonly db: BetterSqlite3.Database,
    private readonly commits: GroupCommit,
  ) {}

  private sql(text: string): BetterSqlite3.Statement {
    let s = this.statements.get(text);
    if (!s) this.statements.set(text, (s = this.db.prepare(text)));
    return s;
  }

  /** The change's targets and outbox messages, inside its catalog transaction. */
  write(change: CatalogChange): void {
    for (const id of change.remove?.notificationTargets ?? []) this.sql(SQL.deleteTarget).run(id);
    for (const t of change.notificationTargets ?? [])
      this.sql(SQL.upsertTarget).run(...rows.targetValues(t));
    for (const m of change.notifications ?? [])
      this.sql(SQL.insertMessage).run(...rows.outboxValues(m));
  }

  async listNotificationTargets() {
    return (this.sql(SQL.listTargets).all() as rows.TargetRow[]).map(rows.toTarget);
  }
  async getNotificationTarget(id: string) {
    const r = this.sql(SQL.getTarget).get(id) as rows.TargetRow | undefined;
    return r && rows.toTarget(r);
  }
  setNotificationTargetState(id: string, state: TargetState) {
    return this.commits.submit(() => {
      const changed = this.sql(SQL.setState).run(state, id).changes > 0;
      if (changed && state === 'unsubscribed') this.sql(SQL.dropPending).run(id);
      return changed;
    });
  }
  claimNotifications(r: ClaimRequest) {
    return this.commits.submit(() =>
      (
        this.sql(SQL.claim('')).all(
          r.owner,
          r.now.getTime() + r.leaseMs,
          r.dueBy.getTime(),
          r.now.getTime(),
          r.limit,
        ) as rows.OutboxRow[]
      )
        .map(rows.toOutbox)
        .sort((a, b) => a.seq - b.seq),
    );
  }
  async settleNotification(seq: number, owner: string, s: Settlement) {
    await this.commits.submit(() =>
      s.delivered
        ? this.sql(SQL.settle).run('delivered', null, null, s.at.getTime(), seq, owner)
        : 'dropped' in s
          ? this.sql(SQL.drop).run(s.dropped, seq, owner)
          : this.sql(SQL.settle).run(
              s.retryAt ? 'pending' : 'failed',
              s.error,
              s.retryAt?.getTime() ?? null,
              null,
              seq,
              owner,
            ),
    );
  }
  async listNotifications(f: NotificationFilter) {
    const [text, values] = notificationsQuery(f);
    return (this.sql(text).all(...values) as rows.OutboxRow[]).map(rows.toOutbox);
  }
  async snsSigning(create: () => SnsSigningMaterial) {
    type Row = { private_key_pem: string; certificate_pem: string };
    let row = this.sql(SQL.getSigning).get() as Row | undefined;
    if (!row) {
      const made = create();
      await this.commits.submit(() =>
        this.sql(SQL.putSigning).run(made.privateKeyPem, made.certificatePem, Date.now()),
      );
      row = this.sql(SQL.getSigning).get() as Row;
    }
    return { privateKeyPem: row.private_key_pem, certificatePem: row.certificate_pem };
  }
}

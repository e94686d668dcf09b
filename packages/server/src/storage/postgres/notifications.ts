/**
 * @module PostgreSQL's notification targets and outbox, shared by every instance on the
 * database. A claim leases the due messages with `for update skip locked`, so that two
 * instances claiming at once take different messages, and a lease that expires (its instance
 * died mid-attempt) lets another take the message again. Its mirror, sqlite/notifications.ts,
 * has one process.
 */

import type pg from 'pg';
import type { TargetState } from '../../domain/notifications.js';
import { NOTIFICATION_SQL as SQL, notificationsQuery, numbered } from '../notification-sql.js';
import type { NotificationsPart } from '../parts.js';
import * as rows from '../rows.js';
import type {
  CatalogChange,
  ClaimRequest,
  NotificationFilter,
  Settlement,
  SnsSigningMaterial,
} from '../store.js';
import { transient, type PgGroupCommit } from './group-commit.js';

type Queryable = Pick<pg.PoolClient, 'query'>;

const run = <T extends pg.QueryResultRow>(db: Queryable, text: string, values: unknown[] = []) =>
  db.query<T>(numbered(text), values);

export class PostgresNotifications implements NotificationsPart {
  constructor(
    private readonly pool: pg.Pool,
    private readonly commits: PgGroupCommit,
  ) {}

  private async read<T extends pg.QueryResultRow>(text: string, values: unknown[] = []) {
    try {
      return (await run<T>(this.pool, text, values)).rows;
    } catch (error) {
      throw transient(error);
    }
  }

  /** The change's targets and outbox messages, inside its catalog transaction. */
  async write(client: Queryable, change: CatalogChange): Promise<void> {
    for (const id of change.remove?.notificationTargets ?? [])
      await run(client, SQL.deleteTarget, [id]);
    for (const t of change.notificationTargets ?? [])
      await run(client, SQL.upsertTarget, rows.targetValues(t));
    for (const m of change.notifications ?? [])
      await run(client, SQL.insertMessage, rows.outboxValues(m));
  }

  async listNotificationTargets() {
    return (await this.read<rows.TargetRow & pg.QueryResultRow>(SQL.listTargets)).map(
      rows.toTarget,
    );
  }
  async getNotificationTarget(id: string) {
    const [r] = await this.read<rows.TargetRow & pg.QueryResultRow>(SQL.getTarget, [id]);
    return r && rows.toTarget(r);
  }
  setNotificationTargetState(id: string, state: TargetState) {
    return this.commits.submit(async (client) => {
      const changed = ((await run(client, SQL.setState, [state, id])).rowCount ?? 0) > 0;
      if (changed && state === 'unsubscribed') await run(client, SQL.dropPending, [id]);
      return changed;
    });
  }
  claimNotifications(r: ClaimRequest) {
    return this.commits.submit(async (client) => {
      const found = await run<rows.OutboxRow & pg.QueryResultRow>(
        client,
        SQL.claim('for update of o skip locked'),
        [r.owner, r.now.getTime() + r.leaseMs, r.dueBy.getTime(), r.now.getTime(), r.limit],
      );
      return found.rows.map(rows.toOutbox).sort((a, b) => a.seq - b.seq);
    });
  }
  async settleNotification(seq: number, owner: string, s: Settlement) {
    await this.commits.submit((client) =>
      s.delivered
        ? run(client, SQL.settle, ['delivered', null, null, s.at.getTime(), seq, owner])
        : 'dropped' in s
          ? run(client, SQL.drop, [s.dropped, seq, owner])
          : run(client, SQL.settle, [
              s.retryAt ? 'pending' : 'failed',
              s.error,
              s.retryAt?.getTime() ?? null,
              null,
              seq,
              owner,
            ]),
    );
  }
  async listNotifications(f: NotificationFilter) {
    const [text, values] = notificationsQuery(f);
    return (await this.read<rows.OutboxRow & pg.QueryResultRow>(text, values)).map(rows.toOutbox);
  }
  async snsSigning(create: () => SnsSigningMaterial) {
    type Row = { private_key_pem: string; certificate_pem: string };
    let [row] = await this.read<Row>(SQL.getSigning);
    if (!row) {
      const made = create();
      // Instances starting together each offer a key; the first stored is everyone's.
      await this.commits.submit((client) =>
        run(client, SQL.putSigning, [made.privateKeyPem, made.certificatePem, Date.now()]),
      );
      [row] = await this.read<Row>(SQL.getSigning);
    }
    return { privateKeyPem: row!.private_key_pem, certificatePem: row!.certificate_pem };
  }
}

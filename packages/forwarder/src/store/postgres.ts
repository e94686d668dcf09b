/**
 * @module The shared store: PostgreSQL (`--database-url`), for several forwarders on one
 * database. Ingest is a group commit: every `ingest` call made in the same turn of the event
 * loop goes into one transaction of batched statements, answered after its COMMIT. Event ids are
 * a primary key, inserted with ON CONFLICT DO NOTHING RETURNING id, so duplicates are counted
 * exactly, also between instances. Ingest holds its buckets FOR SHARE while it adds to their
 * sums; closing takes open buckets FOR UPDATE SKIP LOCKED, so an hour is frozen by one instance,
 * never under an ingest still adding to it. Sending claims one bucket FOR UPDATE SKIP LOCKED with
 * a lease; a crashed instance's claim is taken over when its lease runs out. Deadlocks and
 * serialization failures (instances meeting on the same keys) are retried. Its mirror,
 * sqlite.ts, is the embedded store of one process.
 */

import pg from 'pg';
import type { UsageEvent } from '../event.js';
import { HOUR_MS, hourOf, isExpired, keyOf, tagKey } from '../hours.js';
import { migrate } from './postgres-migrate.js';
import {
  deadLettersOf,
  frozenOf,
  reconciliationOf,
  recordsOf,
  REASON_EXPIRED,
  REASON_LATE_EXPIRED,
  REASON_LATE_FROZEN,
  SEP,
  type CellRow,
  type LateRow,
  type NewRecord,
  type RecordRow,
} from './rows.js';
import type {
  Claim,
  DeadLetter,
  ForwarderStore,
  FrozenRecord,
  IngestOptions,
  IngestResult,
  Outcome,
  ReconciliationQuery,
  ReconciliationRow,
  StoreStats,
} from './store.js';

export interface PostgresStoreOptions {
  /** `postgres://user@host:5432/db`; its password, if any, is never logged. */
  databaseUrl: string;
  /** Connections in the pool. Default 8. */
  poolSize?: number;
}

interface Job {
  events: UsageEvent[];
  options: IngestOptions;
  resolve: (r: IngestResult) => void;
  reject: (e: unknown) => void;
}

// bigint and numeric (sums, counts) as numbers: quantities and times stay far below 2^53.
const NUMERIC = new Set([20, 1700]);
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    NUMERIC.has(oid)
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

const RETRYABLE = new Set(['40001', '40P01']);
const RETRIES = 8;
const MAX_CONCURRENT_FLUSHES = 4;
/** Buckets frozen in one transaction at most; the next tick freezes the rest. */
const FREEZE_BATCH = 500;

const bucketKey = (scope: string, hour: number) => `${scope}${SEP}${hour}`;
const byKey = (a: { scope: string; hour: number }, b: { scope: string; hour: number }) =>
  a.scope < b.scope ? -1 : a.scope > b.scope ? 1 : a.hour - b.hour;

const CELL_COLUMNS =
  'scope, hour, rkey, tagkey, product, licence, ckind, customer, dimension, quantity';
const CELL_UNNEST =
  'unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::bigint[])';
const cellArrays = (cells: CellRow[]) => [
  cells.map((c) => c.scope),
  cells.map((c) => c.hour),
  cells.map((c) => c.rkey),
  cells.map((c) => c.tagkey),
  cells.map((c) => c.product),
  cells.map((c) => c.licence),
  cells.map((c) => c.ckind),
  cells.map((c) => c.customer),
  cells.map((c) => c.dimension),
  cells.map((c) => c.quantity),
];

/**
 * Opens the store on a PostgreSQL database, applying its migrations.
 *
 * @example
 * const store = await openPostgresStore({ databaseUrl: process.env.METERD_FORWARD_DATABASE_URL! });
 * await store.ingest(events, { now: Date.now(), latePolicy: 'next-hour' });
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<ForwarderStore> {
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: options.poolSize ?? 8,
    types,
  });
  // An idle connection that breaks is dropped by the pool; the error is not the process's.
  pool.on('error', () => {});
  try {
    await migrate(pool);
  } catch (error) {
    await pool.end();
    throw error;
  }
  return new PostgresStore(pool);
}

type Client = pg.PoolClient;

class PostgresStore implements ForwarderStore {
  private queue: Job[] = [];
  private scheduled = false;
  private active = 0;
  private idle: Array<() => void> = [];
  /** Buckets known to be frozen: frozen is final, so this never goes stale. */
  private readonly frozen = new Set<string>();

  constructor(private readonly pool: pg.Pool) {}

  /** Runs `work` in a transaction, again when it meets a deadlock or serialization failure. */
  private async tx<T>(work: (c: Client) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const client = await this.pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const value = await work(client);
        await client.query('COMMIT');
        return value;
      } catch (error) {
        await client.query('ROLLBACK').catch((e: Error) => (broken = e));
        const code = (error as { code?: string }).code ?? '';
        if (!RETRYABLE.has(code) || attempt >= RETRIES) throw error;
      } finally {
        client.release(broken);
      }
      await new Promise((r) => setTimeout(r, Math.random() * 20 * (attempt + 1)));
    }
  }

  ingest(events: UsageEvent[], options: IngestOptions): Promise<IngestResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ events, options, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.active >= MAX_CONCURRENT_FLUSHES || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.active >= MAX_CONCURRENT_FLUSHES || this.queue.length === 0) return;
      const jobs = this.queue.splice(0);
      this.active++;
      void this.flush(jobs).finally(() => {
        this.active--;
        this.schedule();
        if (this.active === 0 && this.queue.length === 0)
          for (const done of this.idle.splice(0)) done();
      });
    });
  }

  /** One transaction for every ingest of the turn; answered after its COMMIT. */
  private async flush(jobs: Job[]): Promise<void> {
    let results: IngestResult[];
    try {
      results = await this.tx((c) => this.ingestJobs(c, jobs));
    } catch (error) {
      for (const job of jobs) job.reject(error);
      return;
    }
    jobs.forEach((job, i) => job.resolve(results[i]!));
  }

  private async ingestJobs(c: Client, jobs: Job[]): Promise<IngestResult[]> {
    // Within the group, the first occurrence of an id is the one that may be new.
    const first = new Map<string, number>();
    jobs.forEach((job, j) => {
      for (const e of job.events) if (!first.has(e.id)) first.set(e.id, j);
    });
    const ids = [...first.keys()].sort();
    const { rows } = await c.query<{ id: string }>(
      `INSERT INTO forward_events (id, at)
       SELECT * FROM unnest($1::text[], $2::bigint[]) ORDER BY 1
       ON CONFLICT DO NOTHING RETURNING id`,
      [ids, ids.map((id) => jobs[first.get(id)!]!.options.now)],
    );
    const fresh = new Set(rows.map((r) => r.id));

    const results: IngestResult[] = jobs.map(() => ({ accepted: 0, duplicates: 0 }));
    const placed: Array<{ e: UsageEvent; job: Job; scope: string; hour: number }> = [];
    jobs.forEach((job, j) => {
      for (const e of job.events) {
        if (first.get(e.id) === j && fresh.delete(e.id)) {
          results[j]!.accepted++;
          placed.push({ e, job, scope: keyOf(e).scope, hour: hourOf(e.time) });
        } else results[j]!.duplicates++;
      }
    });

    // Each event's bucket, open; an event for a frozen or expired hour follows the policy.
    const cells = new Map<string, CellRow>();
    const late: Array<{ e: UsageEvent; hour: number; now: number }> = [];
    let unplaced = placed;
    while (unplaced.length > 0) {
      const open = await this.openBuckets(
        c,
        unplaced
          .filter((p) => !isExpired(p.hour, p.job.options.now))
          .map((p) => ({ scope: p.scope, hour: p.hour })),
      );
      const again: typeof placed = [];
      for (const p of unplaced) {
        if (open.has(bucketKey(p.scope, p.hour))) {
          const key = keyOf(p.e);
          const tk = tagKey(p.e.tags);
          const ck = `${p.scope}${SEP}${p.hour}${SEP}${key.rkey}${SEP}${tk}`;
          const cell = cells.get(ck);
          if (cell) cell.quantity += p.e.quantity;
          else
            cells.set(ck, {
              scope: p.scope,
              hour: p.hour,
              rkey: key.rkey,
              tagkey: tk,
              product: key.productCode,
              licence: key.licenseArn,
              ckind: key.customerKind,
              customer: key.customer,
              dimension: key.dimension,
              quantity: p.e.quantity,
            });
        } else if (p.job.options.latePolicy === 'dead-letter')
          late.push({ e: p.e, hour: p.hour, now: p.job.options.now });
        else {
          // next-hour: the open hour of now (or the first open one after it).
          const now = hourOf(p.job.options.now);
          again.push({ ...p, hour: p.hour < now ? now : p.hour + 1 });
        }
      }
      unplaced = again;
    }

    if (late.length > 0) {
      const rows = late.map(({ e, hour, now }) => {
        const key = keyOf(e);
        return {
          event_id: e.id,
          scope: key.scope,
          hour,
          rkey: key.rkey,
          tagkey: tagKey(e.tags),
          product: key.productCode,
          licence: key.licenseArn,
          ckind: key.customerKind,
          customer: key.customer,
          dimension: key.dimension,
          quantity: e.quantity,
          reason: isExpired(hour, now) ? REASON_LATE_EXPIRED : REASON_LATE_FROZEN,
          at: now,
        };
      });
      await c.query(
        `INSERT INTO forward_late_events (event_id, ${CELL_COLUMNS}, reason, at)
         SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[],
           $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::bigint[],
           $12::text[], $13::bigint[])`,
        [
          rows.map((r) => r.event_id),
          ...cellArrays(rows),
          rows.map((r) => r.reason),
          rows.map((r) => r.at),
        ],
      );
    }
    if (cells.size > 0) await this.addCells(c, [...cells.values()]);
    return results;
  }

  /**
   * Which of `buckets` are open, creating the new ones open, and holding them FOR SHARE until
   * the transaction ends (closing skips a bucket held so).
   */
  private async openBuckets(
    c: Client,
    buckets: Array<{ scope: string; hour: number }>,
  ): Promise<Set<string>> {
    const want = new Map<string, { scope: string; hour: number }>();
    for (const b of buckets) {
      const k = bucketKey(b.scope, b.hour);
      if (!this.frozen.has(k)) want.set(k, b);
    }
    const open = new Set<string>();
    if (want.size === 0) return open;
    const list = [...want.values()].sort(byKey);
    const args = [list.map((b) => b.scope), list.map((b) => b.hour)];
    await c.query(
      `INSERT INTO forward_buckets (scope, hour, state)
       SELECT s, h, 'open' FROM unnest($1::text[], $2::int[]) AS u(s, h) ORDER BY s, h
       ON CONFLICT DO NOTHING`,
      args,
    );
    const { rows } = await c.query<{ scope: string; hour: number; state: string }>(
      `SELECT b.scope, b.hour, b.state FROM forward_buckets b
       JOIN unnest($1::text[], $2::int[]) AS u(s, h) ON b.scope = u.s AND b.hour = u.h
       ORDER BY b.scope, b.hour FOR SHARE OF b`,
      args,
    );
    for (const r of rows) {
      const k = bucketKey(r.scope, r.hour);
      if (r.state === 'open') open.add(k);
      else this.frozen.add(k);
    }
    return open;
  }

  private async addCells(c: Client, cells: CellRow[]): Promise<void> {
    cells.sort(
      (a, b) =>
        byKey(a, b) || (a.rkey < b.rkey ? -1 : a.rkey > b.rkey ? 1 : a.tagkey < b.tagkey ? -1 : 1),
    );
    await c.query(
      `INSERT INTO forward_cells (${CELL_COLUMNS}) SELECT * FROM ${CELL_UNNEST}
       ON CONFLICT (scope, hour, rkey, tagkey)
       DO UPDATE SET quantity = forward_cells.quantity + excluded.quantity`,
      cellArrays(cells),
    );
  }

  async closeHours(now: number, closeAfterMs: number, sendZero: boolean): Promise<number> {
    return this.freeze(now, hourOf(now - closeAfterMs) - 1, sendZero);
  }

  /** Freezes open buckets of hours up to `lastClosable` that no other transaction holds. */
  private async freeze(now: number, lastClosable: number, sendZero: boolean): Promise<number> {
    return this.tx(async (c) => {
      if (sendZero) {
        const week = hourOf(now) - 168;
        const { rows: scopes } = await c.query<{ scope: string; first: number }>(
          'SELECT scope, MIN(hour) AS first FROM forward_cells WHERE hour >= $1 GROUP BY scope',
          [week],
        );
        const zero: Array<{ scope: string; hour: number }> = [];
        for (const { scope, first } of scopes)
          for (let h = first; h <= lastClosable; h++)
            if (!isExpired(h, now) && !this.frozen.has(bucketKey(scope, h)))
              zero.push({ scope, hour: h });
        zero.sort(byKey);
        if (zero.length > 0)
          await c.query(
            `INSERT INTO forward_buckets (scope, hour, state)
             SELECT s, h, 'open' FROM unnest($1::text[], $2::int[]) AS u(s, h) ORDER BY s, h
             ON CONFLICT DO NOTHING`,
            [zero.map((b) => b.scope), zero.map((b) => b.hour)],
          );
      }
      const { rows: due } = await c.query<Claim>(
        `SELECT scope, hour FROM forward_buckets WHERE state = 'open' AND hour <= $1
         ORDER BY hour, scope LIMIT ${FREEZE_BATCH} FOR UPDATE SKIP LOCKED`,
        [lastClosable],
      );
      if (due.length === 0) return 0;
      const args = [due.map((b) => b.scope), due.map((b) => b.hour)];
      const { rows: cells } = await c.query<CellRow>(
        `SELECT c.* FROM forward_cells c
         JOIN unnest($1::text[], $2::int[]) AS u(s, h) ON c.scope = u.s AND c.hour = u.h`,
        args,
      );
      const cellsOf = new Map<string, CellRow[]>();
      for (const cell of cells) {
        const k = bucketKey(cell.scope, cell.hour);
        const list = cellsOf.get(k);
        if (list) list.push(cell);
        else cellsOf.set(k, [cell]);
      }
      const records: NewRecord[] = [];
      for (const b of due) {
        const zeroes = sendZero
          ? (
              await c.query<CellRow>(
                `SELECT DISTINCT ON (rkey) scope, $2::int AS hour, rkey, product, licence, ckind,
                 customer, dimension FROM forward_cells
                 WHERE scope = $1 AND hour >= $3 AND hour < $2 ORDER BY rkey`,
                [b.scope, b.hour, b.hour - 168],
              )
            ).rows
          : [];
        records.push(...recordsOf(cellsOf.get(bucketKey(b.scope, b.hour)) ?? [], zeroes));
      }
      if (records.length > 0)
        await c.query(
          `INSERT INTO forward_records (scope, hour, rkey, product, licence, ckind, customer,
             dimension, quantity, allocations, state, updated_at)
           SELECT *, 'frozen', $11::bigint FROM unnest($1::text[], $2::int[], $3::text[],
             $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bigint[], $10::text[])
           ON CONFLICT DO NOTHING`,
          [
            records.map((r) => r.scope),
            records.map((r) => r.hour),
            records.map((r) => r.rkey),
            records.map((r) => r.product),
            records.map((r) => r.licence),
            records.map((r) => r.ckind),
            records.map((r) => r.customer),
            records.map((r) => r.dimension),
            records.map((r) => r.quantity),
            records.map((r) => r.allocations),
            now,
          ],
        );
      await c.query(
        `UPDATE forward_buckets b SET state = 'frozen' FROM unnest($1::text[], $2::int[]) AS u(s, h)
         WHERE b.scope = u.s AND b.hour = u.h`,
        args,
      );
      for (const b of due) this.frozen.add(bucketKey(b.scope, b.hour));
      return due.length;
    });
  }

  async expire(now: number): Promise<number> {
    // The newest hour that has expired: every hour up to it is past sending. Its open buckets
    // are frozen first, so that their sums become records (and dead letters).
    const limit = hourOf(now - 6 * HOUR_MS + 60_000);
    while ((await this.freeze(now, limit, false)) === FREEZE_BATCH);
    const { rowCount } = await this.pool.query(
      `UPDATE forward_records SET state = 'dead-lettered', updated_at = $1, reason = $2
       WHERE state = 'frozen' AND hour <= $3`,
      [now, REASON_EXPIRED, limit],
    );
    return rowCount ?? 0;
  }

  async claim(instance: string, now: number, leaseMs: number): Promise<Claim | undefined> {
    const { rows } = await this.pool.query<Claim>(
      `UPDATE forward_buckets SET claimed_by = $1, claim_until = $2
       WHERE (scope, hour) = (
         SELECT b.scope, b.hour FROM forward_buckets b WHERE b.state = 'frozen'
         AND (b.claim_until <= $3 OR b.claimed_by = $1) AND b.retry_at <= $3
         AND EXISTS (SELECT 1 FROM forward_records r
                     WHERE r.scope = b.scope AND r.hour = b.hour AND r.state = 'frozen')
         ORDER BY b.hour, b.scope LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING scope, hour`,
      [instance, now + leaseMs, now],
    );
    return rows[0];
  }

  async renew(instance: string, claim: Claim, now: number, leaseMs: number): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE forward_buckets SET claim_until = $1
       WHERE scope = $2 AND hour = $3 AND claimed_by = $4`,
      [now + leaseMs, claim.scope, claim.hour, instance],
    );
    return rowCount === 1;
  }

  async frozenRecords(claim: Claim, limit: number): Promise<FrozenRecord[]> {
    const { rows } = await this.pool.query<RecordRow>(
      `SELECT * FROM forward_records WHERE scope = $1 AND hour = $2 AND state = 'frozen'
       ORDER BY rid LIMIT $3`,
      [claim.scope, claim.hour, limit],
    );
    return rows.map(frozenOf);
  }

  async settle(outcomes: Outcome[], retried: number[], now: number): Promise<void> {
    const accepted = outcomes.filter((o) => o.state === 'accepted');
    const dead = outcomes.filter((o) => o.state === 'dead-lettered');
    await this.tx(async (c) => {
      if (accepted.length > 0)
        await c.query(
          `UPDATE forward_records r SET state = 'accepted', metering_record_id = u.m,
             reason = NULL, sent = 1, attempts = r.attempts + 1, updated_at = $3
           FROM unnest($1::bigint[], $2::text[]) AS u(rid, m)
           WHERE r.rid = u.rid AND r.state = 'frozen'`,
          [accepted.map((o) => o.rid), accepted.map((o) => o.meteringRecordId), now],
        );
      if (dead.length > 0)
        await c.query(
          `UPDATE forward_records r SET state = 'dead-lettered', metering_record_id = u.m,
             reason = u.reason, sent = 1, attempts = r.attempts + 1, updated_at = $4
           FROM unnest($1::bigint[], $2::text[], $3::text[]) AS u(rid, m, reason)
           WHERE r.rid = u.rid AND r.state = 'frozen'`,
          [
            dead.map((o) => o.rid),
            dead.map((o) => o.meteringRecordId ?? null),
            dead.map((o) => o.reason),
            now,
          ],
        );
      if (retried.length > 0)
        await c.query(
          'UPDATE forward_records SET attempts = attempts + 1, updated_at = $2 WHERE rid = ANY($1::bigint[])',
          [retried, now],
        );
    });
  }

  async release(instance: string, claim: Claim, retryAt: number): Promise<void> {
    await this.pool.query(
      `UPDATE forward_buckets SET claimed_by = NULL, claim_until = 0, retry_at = $1
       WHERE scope = $2 AND hour = $3 AND claimed_by = $4`,
      [retryAt, claim.scope, claim.hour, instance],
    );
  }

  async deadLetters(limit: number): Promise<DeadLetter[]> {
    const { rows: records } = await this.pool.query<RecordRow>(
      `SELECT * FROM forward_records WHERE state = 'dead-lettered'
       ORDER BY updated_at, rid LIMIT $1`,
      [limit],
    );
    const { rows: late } = await this.pool.query<LateRow>(
      'SELECT * FROM forward_late_events ORDER BY lid LIMIT $1',
      [limit],
    );
    return deadLettersOf(records, late, limit);
  }

  async retryDeadLetter(id: string, now: number): Promise<'retried' | 'not-found' | 'expired'> {
    if (!/^[re]\d{1,15}$/.test(id)) return 'not-found';
    const n = Number(id.slice(1));
    return this.tx(async (c) => {
      if (id[0] === 'r') {
        const { rows } = await c.query<{ scope: string; hour: number }>(
          `SELECT scope, hour FROM forward_records WHERE rid = $1 AND state = 'dead-lettered'
           FOR UPDATE`,
          [n],
        );
        const r = rows[0];
        if (!r) return 'not-found' as const;
        if (isExpired(r.hour, now)) return 'expired' as const;
        await c.query(
          `UPDATE forward_records SET state = 'frozen', reason = NULL, metering_record_id = NULL,
             sent = 0, updated_at = $1 WHERE rid = $2`,
          [now, n],
        );
        await c.query('UPDATE forward_buckets SET retry_at = 0 WHERE scope = $1 AND hour = $2', [
          r.scope,
          r.hour,
        ]);
        return 'retried' as const;
      }
      const { rows } = await c.query<LateRow>(
        'DELETE FROM forward_late_events WHERE lid = $1 RETURNING *',
        [n],
      );
      const l = rows[0];
      if (!l) return 'not-found' as const;
      // A late event goes into the open hour of now, as the next-hour policy would have put it.
      let hour = hourOf(now);
      while (!(await this.openBuckets(c, [{ scope: l.scope, hour }])).size) hour++;
      await this.addCells(c, [{ ...l, hour }]);
      return 'retried' as const;
    });
  }

  async reconciliation(q: ReconciliationQuery): Promise<ReconciliationRow[]> {
    const from = q.from === undefined ? -2e9 : Math.ceil(q.from / HOUR_MS);
    const to = q.to === undefined ? 2e9 : Math.ceil(q.to / HOUR_MS);
    const args = [q.productCode ?? null, Math.max(from, -2e9), Math.min(to, 2e9)];
    const filter = '($1::text IS NULL OR product = $1) AND hour >= $2 AND hour < $3';
    const { rows: cells } = await this.pool.query<CellRow>(
      `SELECT scope, hour, rkey, MIN(product) AS product, MIN(licence) AS licence,
         MIN(ckind) AS ckind, MIN(customer) AS customer, MIN(dimension) AS dimension,
         SUM(quantity) AS quantity
       FROM forward_cells WHERE ${filter} GROUP BY scope, hour, rkey`,
      args,
    );
    const { rows: records } = await this.pool.query<RecordRow>(
      `SELECT * FROM forward_records WHERE ${filter}`,
      args,
    );
    const { rows: late } = await this.pool.query<LateRow>(
      `SELECT * FROM forward_late_events WHERE ${filter}`,
      args,
    );
    return reconciliationOf(cells, records, late);
  }

  async stats(): Promise<StoreStats> {
    const { rows } = await this.pool.query<{
      open: number;
      frozen: number;
      oldest: number | null;
      dead: number;
    }>(
      `SELECT
         (SELECT COUNT(*) FROM forward_buckets WHERE state = 'open') AS open,
         (SELECT COUNT(*) FROM (SELECT DISTINCT scope, hour FROM forward_records
            WHERE state = 'frozen') f) AS frozen,
         (SELECT MIN(hour) FROM (SELECT hour FROM forward_buckets WHERE state = 'open'
            UNION ALL SELECT hour FROM forward_records WHERE state = 'frozen') u) AS oldest,
         (SELECT COUNT(*) FROM forward_records WHERE state = 'dead-lettered')
           + (SELECT COUNT(*) FROM forward_late_events) AS dead`,
    );
    const s = rows[0]!;
    return {
      openBuckets: s.open,
      frozenBuckets: s.frozen,
      ...(s.oldest === null ? {} : { oldestUnsettledHour: s.oldest * HOUR_MS }),
      deadLetters: s.dead,
    };
  }

  async prune(before: number): Promise<number> {
    const { rowCount } = await this.pool.query('DELETE FROM forward_events WHERE at < $1', [
      before,
    ]);
    return rowCount ?? 0;
  }

  async close(): Promise<void> {
    while (this.scheduled || this.active > 0 || this.queue.length > 0)
      await new Promise<void>((r) => this.idle.push(r));
    await this.pool.end();
  }
}

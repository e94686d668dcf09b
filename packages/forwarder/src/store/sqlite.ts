/**
 * @module The forwarder's embedded store: one SQLite file (`forwarder.db`) in its data directory,
 * in WAL mode with `synchronous=FULL`, so that a commit is on disk before it returns. Ingest is a
 * group commit: every `ingest` call made in the same turn of the event loop goes into one
 * transaction, and all are answered after its single commit. Event ids are a primary key (the
 * deduplication), and the sums are kept incrementally: each transaction adds its new events'
 * quantities to their cells with one upsert per cell.
 */

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { UsageEvent } from '../event.js';
import { HOUR_MS, hourOf, isExpired, keyOf, tagKey, type RecordKey } from '../hours.js';
import {
  deadLettersOf,
  frozenOf,
  reconciliationOf,
  recordsOf,
  REASON_EXPIRED,
  REASON_LATE_EXPIRED,
  REASON_LATE_FROZEN,
  type CellRow,
  type LateRow,
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

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (id TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS buckets (
  scope TEXT NOT NULL, hour INTEGER NOT NULL, state TEXT NOT NULL,
  claimed_by TEXT, claim_until INTEGER NOT NULL DEFAULT 0, retry_at INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (scope, hour)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS cells (
  scope TEXT NOT NULL, hour INTEGER NOT NULL, rkey TEXT NOT NULL, tagkey TEXT NOT NULL,
  product TEXT, licence TEXT, ckind TEXT NOT NULL, customer TEXT NOT NULL, dimension TEXT NOT NULL,
  quantity INTEGER NOT NULL,
  PRIMARY KEY (scope, hour, rkey, tagkey)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS records (
  rid INTEGER PRIMARY KEY, scope TEXT NOT NULL, hour INTEGER NOT NULL, rkey TEXT NOT NULL,
  product TEXT, licence TEXT, ckind TEXT NOT NULL, customer TEXT NOT NULL, dimension TEXT NOT NULL,
  quantity INTEGER NOT NULL, allocations TEXT, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
  metering_record_id TEXT, reason TEXT, sent INTEGER NOT NULL DEFAULT 0, updated_at INTEGER NOT NULL,
  UNIQUE (scope, hour, rkey));
CREATE INDEX IF NOT EXISTS records_pending ON records (scope, hour) WHERE state = 'frozen';
CREATE TABLE IF NOT EXISTS late_events (
  lid INTEGER PRIMARY KEY, event_id TEXT NOT NULL, scope TEXT NOT NULL, hour INTEGER NOT NULL,
  rkey TEXT NOT NULL, tagkey TEXT NOT NULL, product TEXT, licence TEXT, ckind TEXT NOT NULL,
  customer TEXT NOT NULL, dimension TEXT NOT NULL, quantity INTEGER NOT NULL, reason TEXT NOT NULL,
  at INTEGER NOT NULL);
`;

interface Job {
  events: UsageEvent[];
  options: IngestOptions;
  resolve: (r: IngestResult) => void;
  reject: (e: unknown) => void;
}

/**
 * Opens (creating if needed) the store in `dataDir`.
 *
 * @example
 * const store = openSqliteStore('/var/lib/meterd-forward');
 * await store.ingest(events, { now: Date.now(), latePolicy: 'next-hour' });
 */
export function openSqliteStore(dataDir: string): ForwarderStore {
  mkdirSync(dataDir, { recursive: true });
  return new SqliteStore(join(dataDir, 'forwarder.db'));
}

class SqliteStore implements ForwarderStore {
  private readonly db: Database.Database;
  private queue: Job[] = [];
  private scheduled = false;
  /** Bucket states known to this process (it is the only writer of its file). */
  private readonly states = new Map<string, string>();
  private readonly s;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    const db = this.db;
    this.s = {
      insertEvent: db.prepare('INSERT OR IGNORE INTO events (id, at) VALUES (?, ?)'),
      bucketState: db.prepare('SELECT state FROM buckets WHERE scope = ? AND hour = ?').pluck(),
      insertBucket: db.prepare(
        "INSERT OR IGNORE INTO buckets (scope, hour, state) VALUES (?, ?, 'open')",
      ),
      addCell: db.prepare(`INSERT INTO cells (scope, hour, rkey, tagkey, product, licence, ckind,
        customer, dimension, quantity) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (scope, hour, rkey, tagkey) DO UPDATE SET quantity = quantity + excluded.quantity`),
      insertLate: db.prepare(`INSERT INTO late_events (event_id, scope, hour, rkey, tagkey, product,
        licence, ckind, customer, dimension, quantity, reason, at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    };
  }

  ingest(events: UsageEvent[], options: IngestOptions): Promise<IngestResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ events, options, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** One transaction for every ingest of the turn; answered after the durable commit. */
  private flush(): void {
    this.scheduled = false;
    const jobs = this.queue;
    this.queue = [];
    const results: IngestResult[] = [];
    const touched: string[] = [];
    try {
      this.db.transaction(() => {
        const cells = new Map<string, CellRow>();
        for (const job of jobs) {
          let accepted = 0;
          let duplicates = 0;
          for (const e of job.events) {
            if (this.s.insertEvent.run(e.id, job.options.now).changes === 0) {
              duplicates++;
              continue;
            }
            accepted++;
            const key = keyOf(e);
            let hour = hourOf(e.time);
            const tk = tagKey(e.tags);
            if (!this.isOpen(key.scope, hour, job.options.now, touched)) {
              if (job.options.latePolicy === 'dead-letter') {
                this.late(e, key, hour, tk, job.options.now);
                continue;
              }
              // next-hour: the open hour of now (or the first open one after it).
              hour = Math.max(hour, hourOf(job.options.now));
              while (!this.isOpen(key.scope, hour, job.options.now, touched)) hour++;
            }
            const ck = `${key.scope}\x1e${hour}\x1e${key.rkey}\x1e${tk}`;
            const cell = cells.get(ck);
            if (cell) cell.quantity += e.quantity;
            else
              cells.set(ck, {
                scope: key.scope,
                hour,
                rkey: key.rkey,
                tagkey: tk,
                product: key.productCode,
                licence: key.licenseArn,
                ckind: key.customerKind,
                customer: key.customer,
                dimension: key.dimension,
                quantity: e.quantity,
              });
          }
          results.push({ accepted, duplicates });
        }
        for (const c of cells.values())
          this.s.addCell.run(
            c.scope,
            c.hour,
            c.rkey,
            c.tagkey,
            c.product,
            c.licence,
            c.ckind,
            c.customer,
            c.dimension,
            c.quantity,
          );
      })();
    } catch (error) {
      for (const k of touched) this.states.delete(k);
      for (const job of jobs) job.reject(error);
      return;
    }
    jobs.forEach((job, i) => job.resolve(results[i]!));
  }

  /** Whether events may still be added to a bucket; creates it open when it is new. */
  private isOpen(scope: string, hour: number, now: number, touched: string[]): boolean {
    if (isExpired(hour, now)) return false;
    const k = `${scope}\x1e${hour}`;
    let state = this.states.get(k);
    if (state === undefined) {
      state = this.s.bucketState.get(scope, hour) as string | undefined;
      if (state === undefined) {
        this.s.insertBucket.run(scope, hour);
        state = 'open';
        touched.push(k);
      }
      this.states.set(k, state);
    }
    return state === 'open';
  }

  private late(e: UsageEvent, key: RecordKey, hour: number, tk: string, now: number): void {
    const reason = isExpired(hour, now) ? REASON_LATE_EXPIRED : REASON_LATE_FROZEN;
    this.s.insertLate.run(
      e.id,
      key.scope,
      hour,
      key.rkey,
      tk,
      key.productCode,
      key.licenseArn,
      key.customerKind,
      key.customer,
      key.dimension,
      e.quantity,
      reason,
      now,
    );
  }

  async closeHours(now: number, closeAfterMs: number, sendZero: boolean): Promise<number> {
    return this.freeze(now, hourOf(now - closeAfterMs) - 1, sendZero);
  }

  /** Freezes every open bucket of an hour up to `lastClosable`. */
  private freeze(now: number, lastClosable: number, sendZero: boolean): number {
    const db = this.db;
    const tx = db.transaction(() => {
      if (sendZero) {
        const week = hourOf(now) - 168;
        const scopes = db
          .prepare('SELECT scope, MIN(hour) AS first FROM cells WHERE hour >= ? GROUP BY scope')
          .all(week) as Array<{ scope: string; first: number }>;
        const add = db.prepare(
          "INSERT OR IGNORE INTO buckets (scope, hour, state) VALUES (?, ?, 'open')",
        );
        for (const { scope, first } of scopes)
          for (let h = first; h <= lastClosable; h++) if (!isExpired(h, now)) add.run(scope, h);
      }
      const due = db
        .prepare("SELECT scope, hour FROM buckets WHERE state = 'open' AND hour <= ?")
        .all(lastClosable) as Claim[];
      const cellsOf = db.prepare('SELECT * FROM cells WHERE scope = ? AND hour = ?');
      const seen = db.prepare(`SELECT rkey, product, licence, ckind, customer, dimension FROM cells
        WHERE scope = ? AND hour >= ? AND hour < ? GROUP BY rkey`);
      const insert = db.prepare(`INSERT OR IGNORE INTO records (scope, hour, rkey, product, licence,
        ckind, customer, dimension, quantity, allocations, state, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'frozen', ?)`);
      const freeze = db.prepare(
        "UPDATE buckets SET state = 'frozen' WHERE scope = ? AND hour = ? AND state = 'open'",
      );
      for (const b of due) {
        const cells = cellsOf.all(b.scope, b.hour) as CellRow[];
        const zeroes = sendZero
          ? (seen.all(b.scope, b.hour - 168, b.hour) as CellRow[]).map((c) => ({
              ...c,
              scope: b.scope,
              hour: b.hour,
            }))
          : [];
        for (const r of recordsOf(cells, zeroes))
          insert.run(
            r.scope,
            r.hour,
            r.rkey,
            r.product,
            r.licence,
            r.ckind,
            r.customer,
            r.dimension,
            r.quantity,
            r.allocations,
            now,
          );
        freeze.run(b.scope, b.hour);
      }
      return due;
    });
    const due = tx.immediate();
    for (const b of due) this.states.set(`${b.scope}\x1e${b.hour}`, 'frozen');
    return due.length;
  }

  async expire(now: number): Promise<number> {
    // The newest hour that has expired: every hour up to it is past sending. Its open buckets
    // are frozen first, so that their sums become records (and dead letters).
    const limit = hourOf(now - 6 * HOUR_MS + 60_000);
    this.freeze(now, limit, false);
    return this.db
      .prepare(
        `UPDATE records SET state = 'dead-lettered', updated_at = ?,
         reason = ? WHERE state = 'frozen' AND hour <= ?`,
      )
      .run(now, REASON_EXPIRED, limit).changes;
  }

  async claim(instance: string, now: number, leaseMs: number): Promise<Claim | undefined> {
    return this.db
      .transaction(() => {
        const b = this.db
          .prepare(
            `SELECT b.scope, b.hour FROM buckets b WHERE b.state = 'frozen'
           AND (b.claim_until <= ? OR b.claimed_by = ?) AND b.retry_at <= ?
           AND EXISTS (SELECT 1 FROM records r WHERE r.scope = b.scope AND r.hour = b.hour AND r.state = 'frozen')
           ORDER BY b.hour, b.scope LIMIT 1`,
          )
          .get(now, instance, now) as Claim | undefined;
        if (!b) return undefined;
        this.db
          .prepare(
            'UPDATE buckets SET claimed_by = ?, claim_until = ? WHERE scope = ? AND hour = ?',
          )
          .run(instance, now + leaseMs, b.scope, b.hour);
        return b;
      })
      .immediate();
  }

  async renew(instance: string, claim: Claim, now: number, leaseMs: number): Promise<boolean> {
    return (
      this.db
        .prepare(
          'UPDATE buckets SET claim_until = ? WHERE scope = ? AND hour = ? AND claimed_by = ?',
        )
        .run(now + leaseMs, claim.scope, claim.hour, instance).changes === 1
    );
  }

  async frozenRecords(claim: Claim, limit: number): Promise<FrozenRecord[]> {
    const rows = this.db
      .prepare(
        "SELECT * FROM records WHERE scope = ? AND hour = ? AND state = 'frozen' ORDER BY rid LIMIT ?",
      )
      .all(claim.scope, claim.hour, limit) as RecordRow[];
    return rows.map(frozenOf);
  }

  async settle(outcomes: Outcome[], retried: number[], now: number): Promise<void> {
    const accept = this.db.prepare(
      "UPDATE records SET state = 'accepted', metering_record_id = ?, reason = NULL, sent = 1, attempts = attempts + 1, updated_at = ? WHERE rid = ? AND state = 'frozen'",
    );
    const dead = this.db.prepare(
      "UPDATE records SET state = 'dead-lettered', metering_record_id = ?, reason = ?, sent = 1, attempts = attempts + 1, updated_at = ? WHERE rid = ? AND state = 'frozen'",
    );
    const again = this.db.prepare(
      'UPDATE records SET attempts = attempts + 1, updated_at = ? WHERE rid = ?',
    );
    this.db
      .transaction(() => {
        for (const o of outcomes)
          if (o.state === 'accepted') accept.run(o.meteringRecordId, now, o.rid);
          else dead.run(o.meteringRecordId ?? null, o.reason, now, o.rid);
        for (const rid of retried) again.run(now, rid);
      })
      .immediate();
  }

  async release(instance: string, claim: Claim, retryAt: number): Promise<void> {
    this.db
      .prepare(
        'UPDATE buckets SET claimed_by = NULL, claim_until = 0, retry_at = ? WHERE scope = ? AND hour = ? AND claimed_by = ?',
      )
      .run(retryAt, claim.scope, claim.hour, instance);
  }

  async deadLetters(limit: number): Promise<DeadLetter[]> {
    const records = this.db
      .prepare(
        "SELECT * FROM records WHERE state = 'dead-lettered' ORDER BY updated_at, rid LIMIT ?",
      )
      .all(limit) as RecordRow[];
    const late = this.db
      .prepare('SELECT * FROM late_events ORDER BY lid LIMIT ?')
      .all(limit) as LateRow[];
    return deadLettersOf(records, late, limit);
  }

  async retryDeadLetter(id: string, now: number): Promise<'retried' | 'not-found' | 'expired'> {
    const n = Number(id.slice(1));
    if (!/^[re]\d+$/.test(id)) return 'not-found';
    return this.db
      .transaction(() => {
        if (id[0] === 'r') {
          const r = this.db
            .prepare("SELECT hour FROM records WHERE rid = ? AND state = 'dead-lettered'")
            .get(n) as { hour: number } | undefined;
          if (!r) return 'not-found' as const;
          if (isExpired(r.hour, now)) return 'expired' as const;
          this.db
            .prepare(
              "UPDATE records SET state = 'frozen', reason = NULL, metering_record_id = NULL, sent = 0, updated_at = ? WHERE rid = ?",
            )
            .run(now, n);
          this.db
            .prepare(
              'UPDATE buckets SET retry_at = 0 WHERE (scope, hour) = (SELECT scope, hour FROM records WHERE rid = ?)',
            )
            .run(n);
          return 'retried' as const;
        }
        const l = this.db.prepare('SELECT * FROM late_events WHERE lid = ?').get(n) as
          CellRow | undefined;
        if (!l) return 'not-found' as const;
        // A late event goes into the open hour of now, as the next-hour policy would have put it.
        let hour = hourOf(now);
        const touched: string[] = [];
        while (!this.isOpen(l.scope, hour, now, touched)) hour++;
        this.s.addCell.run(
          l.scope,
          hour,
          l.rkey,
          l.tagkey,
          l.product,
          l.licence,
          l.ckind,
          l.customer,
          l.dimension,
          l.quantity,
        );
        this.db.prepare('DELETE FROM late_events WHERE lid = ?').run(n);
        return 'retried' as const;
      })
      .immediate();
  }

  async reconciliation(q: ReconciliationQuery): Promise<ReconciliationRow[]> {
    const from = q.from === undefined ? -1e15 : Math.ceil(q.from / HOUR_MS);
    const to = q.to === undefined ? 1e15 : Math.ceil(q.to / HOUR_MS);
    const product = q.productCode ?? null;
    const filter = '(? IS NULL OR product = ?) AND hour >= ? AND hour < ?';
    const args = [product, product, from, to];
    const cells = this.db
      .prepare(
        `SELECT c.scope, c.hour, c.rkey, c.product, c.licence, c.ckind, c.customer, c.dimension,
         SUM(c.quantity) AS quantity FROM cells c WHERE ${filter.replace(/(product|hour)/g, 'c.$1')}
         GROUP BY c.scope, c.hour, c.rkey`,
      )
      .all(...args) as CellRow[];
    const records = this.db
      .prepare(`SELECT * FROM records WHERE ${filter}`)
      .all(...args) as RecordRow[];
    const late = this.db
      .prepare(`SELECT * FROM late_events WHERE ${filter}`)
      .all(...args) as LateRow[];
    return reconciliationOf(cells, records, late);
  }

  async stats(): Promise<StoreStats> {
    const counts = this.db
      .prepare('SELECT state, COUNT(*) AS n FROM buckets GROUP BY state')
      .all() as Array<{ state: string; n: number }>;
    const n = (s: string) => counts.find((c) => c.state === s)?.n ?? 0;
    const oldest = this.db
      .prepare(
        `SELECT MIN(hour) FROM (SELECT hour FROM buckets WHERE state = 'open'
         UNION ALL SELECT hour FROM records WHERE state = 'frozen')`,
      )
      .pluck()
      .get() as number | null;
    const dead =
      (this.db
        .prepare("SELECT COUNT(*) FROM records WHERE state = 'dead-lettered'")
        .pluck()
        .get() as number) +
      (this.db.prepare('SELECT COUNT(*) FROM late_events').pluck().get() as number);
    const frozen = this.db
      .prepare("SELECT COUNT(DISTINCT scope || ':' || hour) FROM records WHERE state = 'frozen'")
      .pluck()
      .get() as number;
    return {
      openBuckets: n('open'),
      frozenBuckets: frozen,
      ...(oldest === null ? {} : { oldestUnsettledHour: oldest * HOUR_MS }),
      deadLetters: dead,
    };
  }

  async prune(before: number): Promise<number> {
    return this.db.prepare('DELETE FROM events WHERE at < ?').run(before).changes;
  }

  async close(): Promise<void> {
    while (this.scheduled) await new Promise((r) => setImmediate(r));
    this.db.close();
  }
}

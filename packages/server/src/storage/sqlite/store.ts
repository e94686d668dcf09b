/**
 * @module The embedded SQLite backend, one process per data directory. Usage is a packed log,
 * one row per metering call (usage.ts, usage-log.ts), deduplicated against the live keys, held
 * in memory for the 7 hours a key can be presented (live-keys.ts), and against client tokens,
 * kept in a table of their own. Concurrent writes share one
 * transaction per turn of the event loop, the WAL fdatasync'ed off the event loop before any
 * acknowledgement (group-commit.ts); checkpoints run in a background thread
 * (checkpointer.ts), and so does the usage summary, followed from the log into a file of its
 * own (summary.ts); catalog reads come from memory (catalog.ts). This file opens the
 * database and composes those parts. Its mirror, postgres/store.ts, shares a database among
 * instances and so keeps nothing in memory.
 */

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { EventToStore } from '../../audit/call.js';
import { StoreOfParts } from '../parts.js';
import { eventsQuery, type QueryName } from '../queries.js';
import * as rows from '../rows.js';
import { WriteHealth } from '../health.js';
import type { EventFilter, Store, StoreObservers } from '../store.js';
import { SqliteCatalog } from './catalog.js';
import { SqliteFaults } from './faults.js';
import { SqliteNotifications } from './notifications.js';
import { SqliteClock } from './clock.js';
import { Checkpointer } from './checkpointer.js';
import { queries, sqliteCompiler, Statements } from './dialect.js';
import { GroupCommit, walSync } from './group-commit.js';
import { lockDataDir } from './lock.js';
import { migrate } from './migrate.js';
import { usageLogQueries, type UsageLogQuery } from './usage-log.js';
import { SqliteSummary } from './summary.js';
import { SqliteUsage } from './usage.js';

/** SQLite's page cache, in KiB: the hot index pages of a store of a million records. */
const CACHE_SIZE_KIB = 65_536;

export interface SqliteOptions extends StoreObservers {
  /** Directory holding `meterd.db`; `:memory:` for a throw-away database. */
  dataDir: string;
  /** The hash of the live dedupe keys (tests make keys collide with it). */
  dedupeHash?: (key: string) => number;
  /** How long to wait for the data directory's lock held by a process that is dying (ms). */
  lockWaitMs?: number;
}

export class SqliteStore extends StoreOfParts implements Store {
  readonly dialect = 'sqlite';
  readonly path: string;
  private readonly db: BetterSqlite3.Database;
  private readonly sql: Statements<QueryName | UsageLogQuery>;
  private readonly commits: GroupCommit;
  private readonly health: WriteHealth;
  protected readonly catalog: SqliteCatalog;
  protected readonly usage: SqliteUsage;
  protected readonly faults: SqliteFaults;
  protected readonly notifications: SqliteNotifications;
  protected readonly clock: SqliteClock;
  private readonly wal: ReturnType<typeof walSync> | undefined;
  private readonly checkpointer: Checkpointer | undefined;
  private readonly summary: SqliteSummary;
  private readonly unlock: () => void = () => undefined;

  constructor(options: SqliteOptions) {
    super();
    const onFile = options.dataDir !== ':memory:';
    if (!onFile) this.path = ':memory:';
    else {
      mkdirSync(options.dataDir, { recursive: true });
      this.path = join(options.dataDir, 'meterd.db');
      this.unlock = lockDataDir(options.dataDir, options.lockWaitMs);
    }
    let summary: SqliteSummary | undefined;
    try {
      this.db = new BetterSqlite3(this.path);
      this.db.pragma('journal_mode = WAL');
      // On a file, commits write the log without waiting for the disk and GroupCommit flushes it
      // (fdatasync) before any acknowledgement: as durable as synchronous=FULL, off the event loop.
      this.db.pragma(onFile ? 'synchronous = NORMAL' : 'synchronous = FULL');
      this.db.pragma('foreign_keys = ON');
      this.db.pragma('busy_timeout = 5000');
      this.db.pragma(`cache_size = -${CACHE_SIZE_KIB}`);
      migrate(this.db);
      this.sql = new Statements(this.db, { ...queries, ...usageLogQueries(sqliteCompiler) });
      this.wal = onFile ? walSync(this.path) : undefined;
      this.health = new WriteHealth(options.onWriteHealth);
      this.commits = new GroupCommit(this.db, {
        health: this.health,
        ...(options.onCommit ? { observe: options.onCommit } : {}),
        ...(this.wal ? { sync: this.wal.sync } : {}),
      });
      this.notifications = new SqliteNotifications(this.db, this.commits);
      this.catalog = new SqliteCatalog(this.sql, this.commits, (change) =>
        this.notifications.write(change),
      );
      summary = new SqliteSummary(this.db, this.path, onFile ? options.dataDir : undefined);
      this.summary = summary;
      this.usage = new SqliteUsage(this.sql, this.commits, this.summary, options.dedupeHash);
      this.faults = new SqliteFaults(this.db, this.commits);
      this.clock = new SqliteClock(this.db, this.commits);
      if (onFile) this.checkpointer = new Checkpointer(this.db, this.path);
    } catch (error) {
      // A failed start leaves the directory free for the next one.
      void summary?.stop();
      this.unlock();
      throw error;
    }
  }

  async appendEvent(event: EventToStore) {
    await this.commits.submit(() => this.sql.run('insertEvent', rows.eventParams(event)));
  }
  async listEvents(filter: EventFilter) {
    const found = this.sql.allOf<rows.Row<'audit_events'>>(eventsQuery(sqliteCompiler, filter));
    return found.map(rows.toStoredEvent);
  }
  async ping() {
    this.db.prepare('select 1').get();
  }
  writeStatus() {
    return this.health.status;
  }
  async close() {
    await this.summary.stop();
    await this.checkpointer?.stop();
    await this.commits.drain();
    if (this.db.open) this.db.close();
    this.wal?.close();
    this.unlock();
  }
}

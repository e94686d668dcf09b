/**
 * @module Chooses the storage backend: PostgreSQL for a postgres:// URL, embedded SQLite otherwise.
 */

import { PostgresStore } from './postgres/store.js';
import { SqliteStore } from './sqlite/store.js';
import type { CommitObserver, Store } from './store.js';

export interface OpenOptions {
  dataDir: string;
  databaseUrl?: string;
  onCommit?: CommitObserver;
}

export async function openStore(options: OpenOptions): Promise<Store> {
  if (options.databaseUrl) {
    if (!/^postgres(ql)?:\/\//.test(options.databaseUrl))
      throw new Error(`unsupported database URL: expected postgres://…`);
    return PostgresStore.open({
      databaseUrl: options.databaseUrl,
      ...(options.onCommit ? { onCommit: options.onCommit } : {}),
    });
  }
  return new SqliteStore({
    dataDir: options.dataDir,
    ...(options.onCommit ? { onCommit: options.onCommit } : {}),
  });
}

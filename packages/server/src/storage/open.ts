/**
 * @module Chooses the storage backend: PostgreSQL for a postgres:// URL, embedded SQLite otherwise.
 */

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
    throw new Error('the PostgreSQL backend is not available in this build');
  }
  return new SqliteStore({
    dataDir: options.dataDir,
    ...(options.onCommit ? { onCommit: options.onCommit } : {}),
  });
}

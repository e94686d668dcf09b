/**
 * @module Chooses the storage backend: PostgreSQL for a postgres:// URL, embedded SQLite otherwise.
 */

import { PostgresStore, type PostgresTimeouts } from './postgres/store.js';
import { SqliteStore } from './sqlite/store.js';
import type { Store, StoreObservers } from './store.js';

export interface OpenOptions extends StoreObservers, Partial<PostgresTimeouts> {
  dataDir: string;
  databaseUrl?: string;
}

export async function openStore(options: OpenOptions): Promise<Store> {
  const { dataDir, databaseUrl, statementTimeoutMs, connectTimeoutMs, ...observers } = options;
  if (databaseUrl) {
    if (!/^postgres(ql)?:\/\//.test(databaseUrl))
      throw new Error(`unsupported database URL: expected postgres://…`);
    return PostgresStore.open({
      databaseUrl,
      ...(statementTimeoutMs === undefined ? {} : { statementTimeoutMs }),
      ...(connectTimeoutMs === undefined ? {} : { connectTimeoutMs }),
      ...observers,
    });
  }
  return new SqliteStore({ dataDir, ...observers });
}

/**
 * @module @meterd/forwarder: usage events in, AWS Marketplace hourly BatchMeterUsage records out,
 * each billed once or dead-lettered with a reason. `meterd forward` runs it as a sidecar.
 */
export { Forwarder, backoff, type ForwarderOptions, type RecordResult } from './forwarder.js';
export { createForwarderServer } from './http.js';
export { ForwarderMetrics } from './metrics.js';
export { parseEvent, eventsOf, type UsageEvent, type Tag } from './event.js';
export { openSqliteStore } from './store/sqlite.js';
export { openPostgresStore, type PostgresStoreOptions } from './store/postgres.js';
export { toCsv, unbalanced } from './reconcile.js';
export { runForwarder, type RunOptions, type RunningForwarder } from './run.js';
export type {
  DeadLetter,
  ForwarderStore,
  LatePolicy,
  ReconciliationQuery,
  ReconciliationRow,
} from './store/store.js';

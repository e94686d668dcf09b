/** @module The one way the tests and the benchmark start meterd and the databases it runs on. */

export {
  ADMIN_TOKEN,
  METERD_CLI,
  TEST_BACKEND,
  pidNamespaces,
  startMeterd,
  type Backend,
  type Meterd,
  type MeterdOptions,
} from './meterd.js';
export {
  POSTGRES_URL,
  TEST_RUN,
  createDatabase,
  dropDatabase,
  dropTestDatabases,
  freshPostgresDatabase,
  postgresReachable,
  probePostgres,
  type CreateDatabaseOptions,
  type Database,
} from './postgres.js';
export { freePort, waitForPort, type WaitOptions } from './ports.js';
export { startProcess, type Child, type ProcessOptions } from './process.js';

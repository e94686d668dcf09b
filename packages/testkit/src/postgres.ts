/**
 * @module The PostgreSQL server the tests run on, and fresh databases on it: one per meterd
 * (or per test) so that runs and files never see each other's rows.
 */

import pg from 'pg';

/** A PostgreSQL server where tests may create databases: the one default, for every test. */
export const POSTGRES_URL =
  process.env.METERD_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Names this test run in its databases' names, so that the run can drop what it left behind
 * without touching another run's. A runner sets METERD_TEST_RUN for the processes it starts.
 */
export const TEST_RUN = process.env.METERD_TEST_RUN ?? String(process.pid);

const TEST_PREFIX = 'meterd_test';

/** The server's version when one answers at `url` within 3 s, else why not. */
export async function probePostgres(
  url: string = POSTGRES_URL,
): Promise<{ version: string } | { error: string }> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    const { rows } = await client.query<{ server_version: string }>('show server_version');
    return { version: rows[0]!.server_version };
  } catch (error) {
    const e = error as { message?: string; code?: string };
    return { error: e.message || e.code || String(error) };
  } finally {
    await client.end().catch(() => {});
  }
}

/** Whether a PostgreSQL server answers at `url` within 3 s. */
export async function postgresReachable(url: string = POSTGRES_URL): Promise<boolean> {
  return 'version' in (await probePostgres(url));
}

/** A database of its own on a PostgreSQL server. */
export interface Database {
  name: string;
  url: string;
  /** Drops the database, closing whatever is still connected to it. */
  drop(): Promise<void>;
}

async function onServer(serverUrl: string, sql: (client: pg.Client) => Promise<unknown>) {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    await sql(client);
  } finally {
    await client.end();
  }
}

let created = 0;

export interface CreateDatabaseOptions {
  /** A server and a user allowed to create databases. */
  serverUrl?: string;
  /** The start of the database's name. */
  prefix?: string;
}

/** Creates an empty database on the server at `serverUrl`. */
export async function createDatabase(options: CreateDatabaseOptions = {}): Promise<Database> {
  const { serverUrl = POSTGRES_URL, prefix = TEST_PREFIX } = options;
  // Counted before the first await: databases created together must not share a name.
  const n = created++;
  const pid = String(process.pid);
  const name = [prefix, ...(TEST_RUN === pid ? [] : [TEST_RUN]), pid, n].join('_');
  await onServer(serverUrl, (c) => c.query(`create database ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { name, url: url.toString(), drop: () => dropDatabase(name, serverUrl) };
}

/** Drops the database `name` if it exists. */
export async function dropDatabase(name: string, serverUrl: string = POSTGRES_URL): Promise<void> {
  await onServer(serverUrl, (c) => c.query(`drop database if exists "${name}" with (force)`));
}

/** Drops every test database that the run `run` left on the server. */
export async function dropTestDatabases(
  run: string = TEST_RUN,
  serverUrl: string = POSTGRES_URL,
): Promise<void> {
  // `_` matches any character in LIKE: escaped, it matches itself.
  const like = `${TEST_PREFIX}_${run}_`.replace(/_/g, '\\_') + '%';
  await onServer(serverUrl, async (c) => {
    const { rows } = await c.query<{ datname: string }>(
      'select datname from pg_database where datname like $1',
      [like],
    );
    for (const { datname } of rows)
      await c.query(`drop database if exists "${datname}" with (force)`);
  });
}

/**
 * A fresh, empty database on the test server, or undefined when no server answers (the
 * caller says that it skipped).
 */
export async function freshPostgresDatabase(): Promise<Database | undefined> {
  return (await postgresReachable()) ? createDatabase() : undefined;
}

/**
 * @module Starts a real meterd process for integration tests (the built CLI, as a user runs it)
 * and builds official AWS SDK clients pointed at it.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MarketplaceMeteringClient } from '@aws-sdk/client-marketplace-metering';
import pg from 'pg';

export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
export const CATALOG = fileURLToPath(new URL('../fixtures/catalog.yaml', import.meta.url));
export const ADMIN_TOKEN = 'test-admin-token';

export const KEYS = {
  acme: { accessKeyId: 'AKIAACMESELLER000001', secretAccessKey: 'acme-seller-secret' },
  initech: { accessKeyId: 'AKIAINITECHSELLER001', secretAccessKey: 'initech-seller-secret' },
  globex: { accessKeyId: 'AKIAGLOBEXBUYER00001', secretAccessKey: 'globex-buyer-secret' },
  globex2: { accessKeyId: 'AKIAGLOBEXBUYER00002', secretAccessKey: 'globex-buyer-secret-2' },
  globexEu: { accessKeyId: 'AKIAGLOBEXEUWEST0001', secretAccessKey: 'globex-eu-west-secret' },
  globexTask: {
    accessKeyId: 'ASIAGLOBEXTASK000001',
    secretAccessKey: 'globex-task-secret',
    sessionToken: 'globex-task-session-token',
  },
  hooli: { accessKeyId: 'AKIAHOOLIBUYER000001', secretAccessKey: 'hooli-buyer-secret' },
} as const;

export type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

export interface Meterd {
  url: string;
  dataDir: string;
  process: ChildProcess;
  output: () => string;
  client(credentials: Credentials, region?: string): MarketplaceMeteringClient;
  admin<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }>;
  stop(): Promise<void>;
  kill(): Promise<void>;
}

/** The storage backend integration tests run against: METERD_TEST_BACKEND=sqlite|postgres. */
export const BACKEND = process.env.METERD_TEST_BACKEND === 'postgres' ? 'postgres' : 'sqlite';
/** A PostgreSQL server where tests may create databases. */
export const POSTGRES_URL =
  process.env.METERD_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

// One PostgreSQL database per data directory, so that a restart finds its data again.
const databases = new Map<string, string>();
let databasesCreated = 0;

async function databaseFor(dataDir: string): Promise<string> {
  const known = databases.get(dataDir);
  if (known) return known;
  // Counted before the first await: servers started together must not share a name.
  const name = `meterd_test_${process.pid}_${databasesCreated++}_${Date.now() % 100000}`;
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  databases.set(dataDir, url.toString());
  return url.toString();
}

export interface StartOptions {
  catalog?: string | null;
  dataDir?: string;
  args?: string[];
  env?: Record<string, string>;
}

/** Starts `meterd serve` on a free port and resolves once it listens. */
export async function startMeterd(options: StartOptions = {}): Promise<Meterd> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build' first`);
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'meterd-test-'));
  const catalog = options.catalog === undefined ? CATALOG : options.catalog;
  const args = [
    CLI,
    'serve',
    '--port',
    '0',
    '--data',
    dataDir,
    '--admin-token',
    ADMIN_TOKEN,
    ...(catalog ? ['--catalog', catalog] : []),
    ...(BACKEND === 'postgres' ? ['--database-url', await databaseFor(dataDir)] : []),
    ...(options.args ?? []),
  ];
  const child = spawn(process.execPath, args, {
    env: { ...process.env, METERD_LOG_LEVEL: 'info', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`meterd did not start:\n${out}`));
    }, 20_000);
    const onData = () => {
      const m = /"url":"(http:\/\/[^"]+)"[^\n]*"msg":"meterd listening"/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`meterd exited with ${code}:\n${out}`));
    });
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const clients: MarketplaceMeteringClient[] = [];
  return {
    url,
    dataDir,
    process: child,
    output: () => out,
    client(credentials, region = 'us-east-1') {
      const client = new MarketplaceMeteringClient({
        endpoint: url,
        region,
        credentials,
        maxAttempts: 1,
      });
      clients.push(client);
      return client;
    },
    async admin(method, path, body) {
      const response = await fetch(`${url}/admin/v1${path}`, {
        method,
        headers: {
          authorization: `Bearer ${ADMIN_TOKEN}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : undefined) as never };
    },
    async stop() {
      for (const c of clients) c.destroy();
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
    async kill() {
      for (const c of clients) c.destroy();
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Epoch seconds `minutes` ago, for timestamps inside the 6-hour window. */
export const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);

/**
 * @module Starts a real meterd for the integration tests (through the test kit, on the backend
 * METERD_TEST_BACKEND names, with the fixture catalog) and builds official AWS SDK clients
 * pointed at it.
 */

import { fileURLToPath } from 'node:url';
import { MarketplaceMeteringClient } from '@aws-sdk/client-marketplace-metering';
import * as kit from '@meterd/testkit';

export {
  ADMIN_TOKEN,
  METERD_CLI as CLI,
  TEST_BACKEND as BACKEND,
  pidNamespaces,
} from '@meterd/testkit';
export const CATALOG = fileURLToPath(new URL('../fixtures/catalog.yaml', import.meta.url));

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

/** A running meterd (see the kit's), whose SDK clients are destroyed when it stops. */
export interface Meterd extends Omit<kit.Meterd, 'restart' | 'another'> {
  client(credentials: Credentials, region?: string): MarketplaceMeteringClient;
  restart(): Promise<Meterd>;
  another(): Promise<Meterd>;
}

export interface StartOptions {
  /** A catalog file; null for none (the demo catalog). Default: the fixture catalog. */
  catalog?: string | null;
  args?: string[];
  env?: Record<string, string>;
  /** The kit's: a process group of its own; PID 1 of a PID namespace of its own. */
  processGroup?: boolean;
  pidNamespace?: boolean;
  /** A PostgreSQL database of the caller's (who drops it), instead of a fresh one. */
  databaseUrl?: string;
  /** A data directory of the caller's (who removes it), instead of a temporary one. */
  dataDir?: string;
  host?: string;
}

/** Starts `meterd serve` on a free port and resolves once it listens. */
export async function startMeterd(options: StartOptions = {}): Promise<Meterd> {
  return withClients(
    await kit.startMeterd({
      backend: kit.TEST_BACKEND,
      catalog: options.catalog === undefined ? CATALOG : options.catalog,
      ...(options.args ? { args: options.args } : {}),
      ...(options.env ? { env: options.env } : {}),
      ...(options.processGroup ? { processGroup: true } : {}),
      ...(options.pidNamespace ? { pidNamespace: true } : {}),
      ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
      ...(options.dataDir ? { dataDir: options.dataDir } : {}),
      ...(options.host ? { host: options.host } : {}),
    }),
  );
}

function withClients(meterd: kit.Meterd): Meterd {
  const clients: MarketplaceMeteringClient[] = [];
  const destroy = () => {
    for (const c of clients) c.destroy();
  };
  return {
    ...meterd,
    client(credentials, region = 'us-east-1') {
      const client = new MarketplaceMeteringClient({
        endpoint: meterd.url,
        region,
        credentials,
        maxAttempts: 1,
      });
      clients.push(client);
      return client;
    },
    async stop() {
      destroy();
      await meterd.stop();
    },
    async kill(options) {
      destroy();
      await meterd.kill(options);
    },
    async restart() {
      destroy();
      return withClients(await meterd.restart());
    },
    another: async () => withClients(await meterd.another()),
  };
}

/** Epoch seconds `minutes` ago, for timestamps inside the 6-hour window. */
export const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);

/**
 * @module Starts the built meterd server (packages/server/dist) with a test catalog, for integration tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../../server/dist/cli/main.js', import.meta.url));

/** The sellers' and buyers' keys of {@link CATALOG}. */
export const SELLER = {
  accessKeyId: 'AKIAACMESELLER000001',
  secretAccessKey: 'acme-seller-secret',
};
export const BUYER = {
  accessKeyId: 'AKIAGLOBEXBUYER00001',
  secretAccessKey: 'globex-buyer-secret',
};

/** One seller with a SaaS, an AMI and a container product, and one buyer subscribed to all three. */
export const CATALOG = {
  region: 'us-east-1',
  accounts: [
    { accountId: '111111111111', name: 'acme-seller', accessKeys: [SELLER] },
    { accountId: '222222222222', name: 'globex-buyer', accessKeys: [BUYER] },
  ],
  products: [
    {
      productCode: 'acme-saas',
      sellerAccountId: '111111111111',
      type: 'saas',
      dimensions: ['requests', 'storage_gb'],
    },
    {
      productCode: 'acme-ami',
      sellerAccountId: '111111111111',
      type: 'ami',
      dimensions: ['hours'],
    },
    {
      productCode: 'acme-container',
      sellerAccountId: '111111111111',
      type: 'container',
      dimensions: ['vcpu'],
    },
  ],
  agreements: [
    {
      productCode: 'acme-saas',
      customerAWSAccountId: '222222222222',
      customerIdentifier: 'globex-on-acme',
      status: 'active',
    },
    { productCode: 'acme-ami', customerAWSAccountId: '222222222222', status: 'active' },
    { productCode: 'acme-container', customerAWSAccountId: '222222222222', status: 'active' },
  ],
};

/** A running meterd. */
export interface Meterd {
  url: string;
  /** Mints a registration token through the admin API, as AWS Marketplace would on subscription. */
  mintRegistrationToken(productCode: string, customerAWSAccountId: string): Promise<string>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Starts `node packages/server/dist/cli/main.js serve` on a free port with {@link CATALOG} and a
 * fresh data folder, and waits until it logs that it listens. Fails with a clear message when
 * the server has not been built.
 *
 * @example
 * const meterd = await startMeterd();
 * try { ... } finally { await meterd.stop(); }
 */
export async function startMeterd(): Promise<Meterd> {
  if (!existsSync(MAIN)) {
    throw new Error(
      `The meterd server is not built (${MAIN} is missing): run \`npm run build\` at the repository root first.`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'meterd-client-it-'));
  const catalog = join(dir, 'catalog.json');
  writeFileSync(catalog, JSON.stringify(CATALOG));
  const port = await freePort();
  const adminToken = 'client-integration-admin-token';
  const child: ChildProcess = spawn(
    process.execPath,
    [
      MAIN,
      'serve',
      '--port',
      String(port),
      '--data',
      join(dir, 'data'),
      '--catalog',
      catalog,
      '--admin-token',
      adminToken,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`meterd did not start within 20 s:\n${log}`)),
      20_000,
    );
    child.stdout!.on('data', (d: Buffer) => {
      log += d.toString();
      if (log.includes('"msg":"meterd listening"')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`meterd exited with ${code} before listening:\n${log}`));
    });
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    async mintRegistrationToken(productCode, customerAWSAccountId) {
      const res = await fetch(`${url}/admin/v1/registration-tokens`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ productCode, customerAWSAccountId }),
      });
      if (!res.ok)
        throw new Error(`minting a registration token failed: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { registrationToken: string }).registrationToken;
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

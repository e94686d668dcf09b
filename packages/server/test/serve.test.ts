/**
 * @module `meterd serve` as an operator meets it, on real processes: bad flags and variables
 * refused before anything is created, a busy port and an unwritable data directory told in
 * words that name the fix, a failed start that leaves the data directory free, the admin token
 * kept across restarts or read from a file, booleans as people write them, and log lines for a
 * terminal or a collector that name a refused call's error, product and caller.
 */

import assert from 'node:assert/strict';
import { once } from 'node:events';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { MarketplaceMeteringClient, MeterUsageCommand } from '@aws-sdk/client-marketplace-metering';
import * as kit from '@meterd/testkit';
import { startServer } from '../src/server.js';
import { BACKEND, CATALOG, CLI, KEYS, startMeterd } from './helpers/meterd.js';
import { rejectsWith } from './helpers/sdk.js';

const work = mkdtempSync(join(tmpdir(), 'meterd-serve-'));
after(() => rmSync(work, { recursive: true, force: true }));
let dirs = 0;
const newDir = () => join(work, `d${++dirs}`);

/** Runs `meterd serve` with `args` until it exits: its exit code and its output. */
async function serveExits(
  args: string[],
  options: { env?: Record<string, string>; command?: string[] } = {},
): Promise<{ code: number | null; output: string }> {
  const [command, ...prefix] = options.command ?? [process.execPath];
  const child = kit.startProcess(command!, [...prefix, CLI, 'serve', ...args], {
    ...(options.env ? { env: options.env } : {}),
  });
  const timer = setTimeout(() => void child.kill(), 15_000);
  const [code] = (await once(child.process, 'close')) as [number | null];
  clearTimeout(timer);
  return { code, output: child.output() };
}

/** Asserts a refused start: exit code 1, the message, no stack trace. */
function refused(result: { code: number | null; output: string }, message: RegExp) {
  assert.equal(result.code, 1, result.output);
  assert.match(result.output, message);
  assert.doesNotMatch(result.output, /^\s+at /m, 'no stack trace');
}

/** A TCP port held by another listener until `close`. */
async function busyPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, server };
}

describe('a start refused before anything is created', () => {
  const cases: Array<[string, string[], Record<string, string>, RegExp]> = [
    ['--port 70000', ['--port', '70000'], {}, /--port <port>' argument '70000' is invalid.*65535/],
    ['METERD_PORT=70000', [], { METERD_PORT: '70000' }, /from env 'METERD_PORT' is invalid/],
    [
      'a boolean variable that is no boolean',
      [],
      { METERD_INSECURE_SKIP_SIGNATURE_VERIFICATION: 'maybe' },
      /value 'maybe' from env 'METERD_INSECURE_SKIP_SIGNATURE_VERIFICATION' is invalid\. accepted values: 1, true, yes, on \(true\) and 0, false, no, off \(false\)/,
    ],
    ['an unknown log format', ['--log-format', 'fancy'], {}, /'fancy' is invalid.*pretty, json/],
    [
      'a token and a token file',
      ['--admin-token', 'x', '--admin-token-file', join(work, 'none')],
      {},
      /'--admin-token <token>' cannot be used with option '--admin-token-file <file>'/,
    ],
    [
      'a token file that is missing',
      ['--admin-token-file', join(work, 'missing-token')],
      {},
      /cannot read the admin token file .*missing-token \(--admin-token-file\): ENOENT/,
    ],
    [
      'a catalog file that is missing',
      ['--catalog', join(work, 'missing.yaml')],
      {},
      /cannot read the catalog file .*missing\.yaml \(--catalog \/ METERD_CATALOG\): ENOENT/,
    ],
  ];
  for (const [name, args, env, message] of cases)
    it(`${name}: exit 1, the reason, no data directory`, async () => {
      const dataDir = newDir();
      const port = env.METERD_PORT ? [] : ['--port', '0'];
      refused(await serveExits([...port, '--data', dataDir, ...args], { env }), message);
      assert.equal(existsSync(dataDir), false, 'nothing created');
    });

  it('a busy port: the port, the host and the fix, and no data directory', async () => {
    const { port, server } = await busyPort();
    try {
      const dataDir = newDir();
      refused(
        await serveExits(['--port', String(port), '--data', dataDir]),
        new RegExp(
          `meterd: port ${port} on 127\\.0\\.0\\.1 is in use \\(another meterd\\?\\): stop it or set --port / METERD_PORT`,
        ),
      );
      assert.equal(existsSync(dataDir), false, 'nothing created');
    } finally {
      server.close();
    }
  });
});

describe('a start that fails once the store is open', () => {
  it('leaves the data directory free: the next start on it listens at once', async () => {
    const meterd = await kit.startMeterd({ catalog: CATALOG, adminToken: null, dataDir: newDir() });
    const dataDir = meterd.dataDir;
    await meterd.stop();
    // The kept token cannot be read (a directory in its place): found after the store opened.
    rmSync(join(dataDir, 'admin-token'));
    mkdirSync(join(dataDir, 'admin-token'));
    refused(
      await serveExits(['--port', '0', '--data', dataDir]),
      /cannot read the admin token kept in .*admin-token \(EISDIR.*\): remove it/,
    );
    rmSync(join(dataDir, 'admin-token'), { recursive: true });
    const started = Date.now();
    const again = await kit.startMeterd({ catalog: CATALOG, dataDir });
    try {
      // The lock is waited for up to 5 s when its holder is dying; a free one is taken at once.
      assert.ok(Date.now() - started < 3000, `listening after ${Date.now() - started} ms`);
      assert.equal((await again.admin('GET', '/accounts/111111111111')).status, 200);
    } finally {
      await again.stop();
    }
  });

  it('in-process too: the store is closed, so a second start in the same process succeeds', async () => {
    const dataDir = newDir();
    mkdirSync(join(dataDir, 'admin-token'), { recursive: true });
    const options = {
      port: 0,
      host: '127.0.0.1',
      dataDir,
      catalogFile: CATALOG,
      verifySignatures: true,
      logLevel: 'silent',
    };
    await assert.rejects(startServer(options), /cannot read the admin token kept in/);
    rmSync(join(dataDir, 'admin-token'), { recursive: true });
    const server = await startServer(options);
    try {
      assert.equal(statSync(join(dataDir, 'admin-token')).mode & 0o777, 0o600);
    } finally {
      await server.close();
    }
  });
});

describe('an unwritable data directory', () => {
  const reason =
    process.getuid?.() !== 0
      ? 'needs root, to run meterd as another user'
      : !existsSync('/usr/bin/setpriv')
        ? 'needs setpriv'
        : undefined;
  it('names the directory and the fix', { skip: reason }, async () => {
    const dataDir = newDir();
    mkdirSync(dataDir, { mode: 0o755 }); // root's: the user "nobody" may not write it
    chmodSync(work, 0o755);
    const result = await serveExits(['--port', '0', '--data', dataDir], {
      command: ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath],
    });
    refused(
      result,
      new RegExp(
        `the data directory ${dataDir} cannot be written \\((EACCES|SQLITE_CANTOPEN)[^)]*\\): give this user write access to it, or set --data / METERD_DATA`,
      ),
    );
  });
});

describe('the admin token', () => {
  it('is generated once, kept with mode 0600 and the same after a restart; printed once', async () => {
    const first = await kit.startMeterd({ catalog: CATALOG, backend: BACKEND, adminToken: null });
    let meterd = first;
    try {
      const path = join(first.dataDir, 'admin-token');
      assert.equal(statSync(path).mode & 0o777, 0o600);
      const token = readFileSync(path, 'utf8').trim();
      assert.match(
        first.output(),
        new RegExp(`Admin API token \\(generated, kept in ${path} for later starts\\): ${token}`),
      );
      assert.equal((await first.admin('GET', '/accounts/111111111111')).status, 200);

      meterd = await first.restart();
      assert.equal(readFileSync(path, 'utf8').trim(), token, 'same token');
      assert.match(
        meterd.output(),
        new RegExp(`Admin API token: in ${path} \\(kept from an earlier start\\)`),
      );
      assert.equal(meterd.output().includes(token), false, 'not printed again');
      const response = await fetch(`${meterd.url}/admin/v1/accounts/111111111111`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(response.status, 200);
    } finally {
      await meterd.stop();
    }
  });

  for (const how of ['--admin-token-file', 'METERD_ADMIN_TOKEN_FILE'] as const)
    it(`is read from a file with ${how}, never printed, and none is kept`, async () => {
      const file = join(work, `token-${how}`);
      writeFileSync(file, 'operator-chosen-token-0123456789\n', { mode: 0o600 });
      const meterd = await kit.startMeterd({
        catalog: CATALOG,
        backend: BACKEND,
        adminToken: null,
        ...(how === '--admin-token-file' ? { args: [how, file] } : { env: { [how]: file } }),
      });
      try {
        const call = (token: string) =>
          fetch(`${meterd.url}/admin/v1/accounts/111111111111`, {
            headers: { authorization: `Bearer ${token}` },
          }).then((r) => r.status);
        assert.equal(await call('operator-chosen-token-0123456789'), 200);
        assert.equal(await call('another-token'), 401);
        assert.equal(meterd.output().includes('operator-chosen-token-0123456789'), false);
        assert.match(meterd.output(), new RegExp(`Admin API token: read from ${file}`));
        assert.equal(existsSync(join(meterd.dataDir, 'admin-token')), false);
      } finally {
        await meterd.stop();
      }
    });
});

describe('METERD_INSECURE_SKIP_SIGNATURE_VERIFICATION', () => {
  const wrongSecret = { accessKeyId: KEYS.globex.accessKeyId, secretAccessKey: 'not-the-secret' };
  const call = (meterd: { url: string }) => {
    const client = new MarketplaceMeteringClient({
      endpoint: meterd.url,
      region: 'us-east-1',
      credentials: wrongSecret,
      maxAttempts: 1,
    });
    return client
      .send(
        new MeterUsageCommand({
          ProductCode: 'acme-ami',
          Timestamp: new Date(),
          UsageDimension: 'hours',
          UsageQuantity: 1,
        }),
      )
      .finally(() => client.destroy());
  };
  for (const [value, verified] of [
    ['false', true],
    ['0', true],
    ['No', true],
    ['yes', false],
    ['TRUE', false],
  ] as const)
    it(`=${value} ${verified ? 'keeps' : 'turns off'} signature verification`, async () => {
      const meterd = await startMeterd({
        env: { METERD_INSECURE_SKIP_SIGNATURE_VERIFICATION: value },
      });
      try {
        if (verified) await rejectsWith(call(meterd), 'InvalidSignatureException');
        else assert.ok((await call(meterd)).MeteringRecordId);
        assert.equal(/SIGNATURE VERIFICATION IS OFF/.test(meterd.output()), !verified);
      } finally {
        await meterd.stop();
      }
    });
});

describe('log lines', () => {
  /** A MeterUsage call refused for its dimension. */
  const refusedCall = async (url: string) => {
    const client = new MarketplaceMeteringClient({
      endpoint: url,
      region: 'us-east-1',
      credentials: KEYS.globex,
      maxAttempts: 1,
    });
    try {
      await rejectsWith(
        client.send(
          new MeterUsageCommand({
            ProductCode: 'acme-ami',
            Timestamp: new Date(),
            UsageDimension: 'no-such-dimension',
            UsageQuantity: 1,
          }),
        ),
        'InvalidUsageDimensionException',
      );
    } finally {
      client.destroy();
    }
  };

  it('are JSON away from a terminal; a refused call names its error, message, product and caller', async () => {
    const meterd = await startMeterd();
    try {
      await refusedCall(meterd.url);
    } finally {
      await meterd.stop();
    }
    const lines = meterd
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(lines.length > 2 && lines.every((l) => typeof l.level === 'number'));
    const request = lines.find((l) => l.msg === 'request' && l.operation === 'MeterUsage');
    assert.ok(request, meterd.output());
    assert.equal(request.outcome, 'InvalidUsageDimensionException');
    assert.match(String(request.errorMessage), /no-such-dimension/);
    assert.equal(request.productCode, 'acme-ami');
    assert.equal(request.callerAccount, '222222222222');
    assert.equal(request.status, 400);
    assert.equal(meterd.output().includes(KEYS.globex.secretAccessKey), false, 'no secret');
  });

  it('are pretty with --log-format pretty: local time, level name, message, details', async () => {
    const port = await kit.freePort();
    const meterd = await kit.startMeterd({
      catalog: CATALOG,
      backend: BACKEND,
      port,
      args: ['--log-format', 'pretty'],
    });
    try {
      await refusedCall(meterd.url);
    } finally {
      await meterd.stop();
    }
    const output = meterd.output();
    assert.doesNotMatch(output, /"level":/);
    assert.match(output, /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] INFO: meterd listening \{/m);
    assert.match(
      output,
      /^\[[^\]]+\] INFO: request \{.*"operation":"MeterUsage","outcome":"InvalidUsageDimensionException","errorMessage":"[^"]*no-such-dimension[^"]*","productCode":"acme-ami","callerAccount":"222222222222","status":400/m,
    );
  });
});

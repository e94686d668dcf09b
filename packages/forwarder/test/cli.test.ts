/**
 * @module The `meterd forward` command line: a token is required and is read from
 * `--token-file`, the flags' errors name the problem, and `forward reconcile`, `forward
 * dead-letters` and `forward retry` drive a running forwarder through its API.
 */

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort, startProcess, waitForPort, type Child } from '@meterd/testkit';

const CLI = fileURLToPath(new URL('../../server/dist/cli/main.js', import.meta.url));
const run = (args: string[], env: Record<string, string> = {}) =>
  promisify(execFile)(process.execPath, [CLI, ...args], {
    env: { ...process.env, METERD_FORWARD_TOKEN: '', ...env },
  }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );

describe('meterd forward on the command line', () => {
  let dir: string;
  let port: number;
  let child: Child;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fwd-cli-'));
    writeFileSync(join(dir, 'token'), 'file-token\n');
    port = await freePort();
    child = startProcess(process.execPath, [
      CLI,
      'forward',
      '--data',
      join(dir, 'data'),
      '--port',
      String(port),
      '--token-file',
      join(dir, 'token'),
      '--target-endpoint',
      'http://127.0.0.1:9',
      '--region',
      'us-east-1',
    ]);
    await waitForPort(port, { timeoutMs: 15_000 });
  });
  after(async () => {
    await child?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to start without a token, and names bad flag values', async () => {
    const none = await run(['forward', '--data', join(dir, 'x')]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /a token is required: --token-file FILE or METERD_FORWARD_TOKEN/);
    const late = await run(['forward', '--late-events', 'drop', '--token', 't']);
    assert.notEqual(late.code, 0);
    assert.match(late.stderr, /--late-events.*drop.*Allowed choices are next-hour, dead-letter/s);
    const missing = await run(['forward', '--token-file', join(dir, 'nope')]);
    assert.match(missing.stderr, /cannot read --token-file/);
  });

  it('takes the token from --token-file, and drives the forwarder with its subcommands', async () => {
    const url = `http://127.0.0.1:${port}`;
    const post = (token: string) =>
      fetch(`${url}/v1/usage-events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          events: [
            {
              id: 'cli-1',
              productCode: 'p',
              customerIdentifier: 'c',
              dimension: 'd',
              quantity: 2,
              timestamp: new Date().toISOString(),
            },
          ],
        }),
      });
    assert.equal((await post('wrong')).status, 401);
    assert.equal((await post('file-token')).status, 200);
    const env = { METERD_FORWARD_URL: url, METERD_FORWARD_TOKEN: 'file-token' };
    const csv = await run(['forward', 'reconcile', '--format', 'csv'], env);
    assert.equal(csv.code, 0, csv.stderr);
    assert.match(csv.stdout, /,p,,,c,d,2,0,0,0,2,open,/);
    const json = await run(['forward', 'reconcile', '--product-code', 'other'], env);
    assert.deepEqual(JSON.parse(json.stdout), { rows: [] });
    const dead = await run(['forward', 'dead-letters'], env);
    assert.deepEqual(JSON.parse(dead.stdout), { deadLetters: [] });
    const retry = await run(['forward', 'retry', 'r42'], env);
    assert.equal(retry.code, 1);
    assert.match(retry.stderr, /NotFound: no dead letter r42/);
    const wrong = await run(['forward', 'dead-letters'], { ...env, METERD_FORWARD_TOKEN: 'x' });
    assert.match(wrong.stderr, /Unauthorized/);
  });
});

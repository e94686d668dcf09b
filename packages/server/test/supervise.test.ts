/**
 * @module meterd under a supervisor: started with the README's Quick start command from the
 * repository root, the process that command starts must be meterd itself. SIGTERM (and
 * SIGINT) sent to that process shut meterd down gracefully: it exits 0, its port is free and
 * another meterd starts on its data directory. A second signal while a call is still in flight
 * ends it at once.
 */

import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort, startMeterd, type Meterd, type MeterdOptions } from '@meterd/testkit';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const command = documentedCommand();

/** The start command of the README's Quick start (`npm ci && <command> serve`), as words. */
function documentedCommand(): string[] {
  const readme = readFileSync(`${ROOT}README.md`, 'utf8');
  const quickStart = readme.slice(readme.indexOf('## Quick start'));
  const block = /```sh\n([^`]*)```/.exec(quickStart)?.[1] ?? '';
  const command = /^npm ci && (.+?) serve\b/m.exec(block)?.[1];
  assert.ok(command, `the Quick start has a line 'npm ci && <command> serve': ${block}`);
  return command.split(/\s+/);
}

/** Whether nothing listens on `port` (on 127.0.0.1): a server can take it. */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Resolves with how the process ended, or 'still running' after `ms`. */
function exitWithin(child: ChildProcess, ms: number) {
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const timeout = new Promise<'still running'>((resolve) =>
    setTimeout(() => resolve('still running'), ms).unref(),
  );
  return Promise.race([exited, timeout]);
}

/**
 * Starts meterd with the README's command from the repository root, in a process group of its
 * own, runs `use`, and then kills whatever is left of the group (what an npx left running).
 */
async function documented(options: MeterdOptions, use: (meterd: Meterd) => Promise<void>) {
  const meterd = await startMeterd({ command, cwd: ROOT, processGroup: true, ...options });
  try {
    await use(meterd);
  } finally {
    try {
      process.kill(-meterd.process.pid!, 'SIGKILL');
    } catch {
      // The group is gone: nothing was left behind.
    }
    await meterd.stop();
  }
}

describe('meterd started as the README says, under a supervisor', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const)
    it(`exits 0 on ${signal} sent to the process \`${command.join(' ')} serve\` starts, freeing its port and its data`, async () => {
      const port = await freePort();
      await documented({ port }, async (meterd) => {
        const exit = exitWithin(meterd.process, 15_000);
        meterd.process.kill(signal);
        assert.deepEqual(await exit, { code: 0, signal: null });
        assert.ok(await portFree(port), `port ${port} is free once the process has exited`);
        const again = await meterd.another();
        await again.stop();
      });
    });

  it('exits at once, with 143, on a second SIGTERM while a call is still in flight', async () => {
    await documented({}, async (meterd) => {
      // A call whose body never comes: the graceful shutdown waits for it (up to the
      // request timeout, 30 s).
      const socket = connect(meterd.port, '127.0.0.1');
      socket.on('error', () => {});
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write('POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n{');
      await new Promise((resolve) => setTimeout(resolve, 200));
      const exit = exitWithin(meterd.process, 10_000);
      meterd.process.kill('SIGTERM');
      assert.equal(await exitWithin(meterd.process, 1000), 'still running', 'waits for the call');
      meterd.process.kill('SIGTERM');
      assert.deepEqual(await exit, { code: 143, signal: null });
      socket.destroy();
    });
  });
});
